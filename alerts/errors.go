package alerts

import "errors"

// Sentinel errors, wrapped with %w; check them with errors.Is.
var (
	// ErrRule: a rule file or rule that cannot be used. The message names
	// the file and line and says what to write instead.
	ErrRule = errors.New("alert rule")
	// ErrUnknownAlert: Ack named an alert instance the engine does not hold
	// (never seen, or resolved and expired).
	ErrUnknownAlert = errors.New("unknown alert")
	// ErrAck: an acknowledgement without who gives it.
	ErrAck = errors.New("acknowledge")
	// ErrUnknownSilence: Unsilence named a silence that does not exist or
	// has already ended.
	ErrUnknownSilence = errors.New("unknown silence")
	// ErrSilence: a silence that cannot be applied (no matcher, ends in the
	// past).
	ErrSilence = errors.New("silence")
	// ErrCorrupt: a snapshot or history encoding that does not decode.
	ErrCorrupt = errors.New("alerts: corrupt encoding")
	// ErrVersion: a snapshot or history written by a newer encoding.
	ErrVersion = errors.New("alerts: unknown encoding version")
)
