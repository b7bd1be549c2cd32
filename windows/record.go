package windows

// Record is one event as the operator sees it. The operator reads it during
// Process and keeps nothing that points into it, so the caller can reuse the
// record and its slices for the next event.
type Record struct {
	// Key is the group key encoded with AppendKey; empty for a query
	// without GROUP BY.
	Key []byte
	// Partition names the watermark partition the event comes from, as a
	// rule the device (or the gateway, for the central aggregator). Each
	// partition has its own watermark; see the package doc. Empty is a
	// partition like any other, so a caller without devices uses one.
	Partition []byte
	// Time is the event time in Unix milliseconds. Ignored in
	// processing-time mode, where the operator uses the time of the last
	// Advance.
	Time int64
	// Values holds one input per aggregate of the spec, in order (ignored
	// by count(*); NULL is ignored by the others).
	Values []Value
}

// LateEvent is a record that arrived after every window it belongs to was
// purged (its window end + allowed lateness <= the key's watermark), or after
// the key was flushed because all its partitions went idle. The operator
// hands it to Output.Late and counts it; it never updates state.
type LateEvent struct {
	Record *Record // valid only during the call
	Window Window  // the first window the event could not update
	// Watermark is the key's watermark when the event arrived: windows ending
	// at or before Watermark−AllowedLateness are gone.
	Watermark int64
	// Partial is true when the event did update some of its windows (a
	// hopping event whose earliest windows are gone but later ones are
	// kept); the late output then holds it for the windows it missed.
	Partial bool
}
