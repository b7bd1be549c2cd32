package windows

import "math"

// Unbounded is no window: a continuously updated GROUP BY, as in a
// materialized view. Every event of a key updates one state that never
// closes; the operator emits the changed keys as early (non-final) results
// with increasing revisions, on every Advance or every Spec.EmitEvery.
// Watermarks, lateness and idle timeouts do not apply.
type Unbounded struct{}

var unboundedWindow = Window{Start: math.MinInt64, End: math.MaxInt64}

func (Unbounded) Assign(dst []Window, _ int64) []Window { return append(dst, unboundedWindow) }
func (Unbounded) Validate() error                       { return nil }
func (Unbounded) String() string                        { return "unbounded" }
