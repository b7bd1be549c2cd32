package windows

import "errors"

// Errors of the operator. They are wrapped with %w and carry the detail;
// check them with errors.Is.
var (
	// ErrSpec is returned by Spec.Validate and New for a plan that cannot
	// run; the message says which field is wrong and what to use instead.
	ErrSpec = errors.New("windows: invalid operator spec")

	// ErrRecord is returned by Operator.Process for a record that does not
	// fit the operator: wrong number of aggregate inputs, or an event time
	// outside [MinTime, MaxTime].
	ErrRecord = errors.New("windows: invalid record")

	// ErrKey is returned by DecodeKey for bytes that are not an encoded key.
	ErrKey = errors.New("windows: corrupt group key")

	// ErrCorruptSnapshot is returned by Operator.Restore for an entry that
	// is truncated, of an unknown version or kind, or inconsistent with the
	// operator's spec (another number of aggregates, another window kind).
	ErrCorruptSnapshot = errors.New("windows: corrupt snapshot entry")

	// ErrNotEmpty is returned by Operator.Restore on an operator that has
	// already processed events.
	ErrNotEmpty = errors.New("windows: restore into an operator that is not empty")
)
