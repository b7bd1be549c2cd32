package fleetdoc

import "errors"

// Sentinel errors; Code maps each to the reason code published in status
// and events.
var (
	ErrMalformed    = errors.New("malformed document")
	ErrUnsigned     = errors.New("document is not signed")
	ErrUnknownKey   = errors.New("document is signed by a key this agent does not trust")
	ErrBadSignature = errors.New("bad signature")
	ErrWrongAgent   = errors.New("document is addressed to another agent")
	ErrStale        = errors.New("version is not newer than the applied one")
	ErrInvalid      = errors.New("configuration is invalid")
	ErrApply        = errors.New("applying the configuration failed")
	ErrKey          = errors.New("bad key")
)

// Code returns the short reason code of err for status and events:
// malformed, unsigned, unknown_key, bad_signature, wrong_agent,
// stale_version, invalid_config, apply_failed, or error.
func Code(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{ErrMalformed, "malformed"}, {ErrUnsigned, "unsigned"}, {ErrUnknownKey, "unknown_key"},
		{ErrBadSignature, "bad_signature"}, {ErrWrongAgent, "wrong_agent"}, {ErrStale, "stale_version"},
		{ErrInvalid, "invalid_config"}, {ErrApply, "apply_failed"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "error"
}
