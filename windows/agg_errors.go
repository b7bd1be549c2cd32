package windows

import "errors"

// Errors of the aggregate functions. They are wrapped with %w and carry the
// detail; check them with errors.Is.
var (
	// ErrCorruptState is returned by State.UnmarshalBinary for input that is
	// truncated, has trailing bytes, an unknown encoding version, a tag of
	// another state type, or values that break the state's invariants.
	ErrCorruptState = errors.New("windows: corrupt aggregate state")

	// ErrStateMismatch is returned by State.Merge when the other state comes
	// from another aggregate function, or from the same function configured
	// differently (histogram bounds, sketch accuracy, HLL precision).
	ErrStateMismatch = errors.New("windows: aggregate states do not match")

	// ErrUnknownAggregate is returned by NewAggregate for a name it does not
	// know; the message lists the known names.
	ErrUnknownAggregate = errors.New("windows: unknown aggregate function")

	// ErrAggregateArgs is returned by NewAggregate for parameters that the
	// function does not take or that are out of range.
	ErrAggregateArgs = errors.New("windows: invalid aggregate arguments")
)
