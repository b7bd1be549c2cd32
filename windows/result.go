package windows

// Result is one emitted row: the aggregates of one key in one window.
//
// The operator reuses the Result and its States: they are valid only during
// Output.Result. Encode what you keep (State.AppendBinary for the partial
// state a central aggregator merges, State.Result for the value, Mergeable
// for the SQL-mergeable columns) before returning.
type Result struct {
	// Key is the encoded group key (DecodeKey gives the values).
	Key string
	// Window is the window; Window.Unbounded for a plain GROUP BY.
	Window Window
	// Revision counts the earlier emissions of this key and window: 0 for
	// the first, then 1, 2, ... for early results, the final result and
	// revisions after late events. (Key, Window) is the result's identity:
	// a consumer upserts by it and keeps the highest revision.
	Revision uint32
	// Final is true when the window is closed (its watermark passed the
	// end); false for an early result of an open window and for every
	// result of an Unbounded window. A late event can still revise a final
	// result within the allowed lateness.
	Final bool
	// States holds one state per aggregate of the spec, in order.
	States []State
}

// Output receives what the operator produces. Calls come from Process and
// Advance on the caller's goroutine, never concurrently.
type Output interface {
	// Result receives a result row; r is valid only during the call.
	Result(r *Result)
	// Late receives an event that came too late to update any window.
	Late(e *LateEvent)
}
