package dedupe

import "errors"

var (
	// ErrCorrupt reports an encoded device state that cannot be decoded.
	ErrCorrupt = errors.New("dedupe: corrupt device state")
	// ErrVersion reports an encoding version this build does not know.
	ErrVersion = errors.New("dedupe: unknown device state version")
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("dedupe: invalid config")
)
