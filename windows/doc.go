// Package windows is Eddy's event-time engine: windowed aggregation over
// keyed events with watermarks, allowed lateness, revisions and mergeable
// partial states. The SQL compiler builds a Spec, the edge agent and the
// central aggregator run Operators.
//
// It is pure computation: no I/O, no goroutines, no clock. Processing time
// is passed in (Operator.Advance), so every run is deterministic and tests
// need no sleeps.
//
// # Contract
//
// An Operator is single-threaded. The caller (the runner) owns locking,
// time and checkpointing; window kinds and aggregates only do arithmetic.
// A typical loop:
//
//	for each batch of events:
//	    op.ProcessBatch(records)      // or Process per record
//	    op.Advance(now)               // results and late events go to Output
//	    op.Changes(tx.PutOrDelete)    // in the same transaction as the outbox
//	    commit, then acknowledge the input
//
// Records are read during the call only; Results and LateEvents are valid
// only during the Output call. The hot path (Process, ProcessBatch, Advance
// without emissions) allocates nothing per event in steady state: windows
// and their states are recycled through a free list, keys are looked up
// without copying, and scratch slices are reused.
//
// # Window kinds
//
// Tumbling (size, offset), Hopping (size, slide, offset), Session (gap,
// max duration) and Unbounded (a continuously updated GROUP BY) each
// implement the small Windowing interface; Session also implements Merging.
// Windows are half-open [Start, End) in Unix milliseconds, aligned to the
// UTC epoch plus an offset (negative offsets allowed), with no calendar and
// no DST. An event exactly on a boundary belongs to the window starting
// there.
//
// # Watermarks: per partition, per key
//
// Each Record names a watermark partition, as a rule the device (for the
// central aggregator: the gateway). A partition's watermark is the largest
// event time it sent minus Spec.OutOfOrderness. A key's watermark is the
// least watermark of the active partitions that have fed that key, and a
// key's window closes when its key's watermark reaches the window's end.
//
// Why: with many devices whose clocks drift, one global watermark lets the
// fastest clock decide, and everyone else becomes late; a global minimum
// lets the slowest clock hold every window open. Per key, GROUP BY device
// closes each device's windows on its own clock, and GROUP BY site closes
// when the site's slowest active device has passed the end, which is when
// the site's result is complete. A fast device makes nobody else late, and
// a slow one delays only the keys it feeds.
//
// Cost: a key remembers the set of partitions that fed it (one for most
// keys). Each key has one timer, registered with the partition that holds
// its watermark back; when that partition passes the timer, Advance
// recomputes the key's watermark and either closes windows or re-registers
// with the next laggard. Advance therefore touches only keys with something
// to do, plus one pass over the partitions for idleness.
//
// A new key starts at the watermark of the partition that first feeds it,
// so an event beyond its device's disorder bound is late for a new key as
// for an old one. A partition that starts feeding an existing key later does
// not reopen windows already closed: its events for them are late.
//
// # Idle partitions
//
// A partition that sends nothing for Spec.IdleTimeout of processing time is
// idle: it no longer holds back the keys it fed. A key whose partitions are
// all idle is flushed: all its windows emit their final result and are
// dropped, and events for them that arrive later go to the late output. So
// a silent device cannot hold windows open forever. The next event from the
// partition makes it active again. Time in which the caller read no input
// (it held input back, or was not running) is no evidence of silence: the
// caller reports such a span with Stalled, and it does not count towards
// any partition's timeout.
//
// # Dropping idle keys
//
// With Spec.KeyTTL, a key that has had no window for KeyTTL of processing
// time (its windows all purged, or its only events too late) is forgotten by
// the first Advance at or after that: its store entry is deleted by the next Changes and
// Stats.KeysDropped counts it. Keys with an open window, and all keys of
// Unbounded, are never dropped. If the key comes back, it is a new key: it
// starts at its partition's watermark and is emitted after the keys that
// existed before it. Its partitions remember the largest lateness horizon
// of the keys dropped from them, and a key they create starts at that
// horizon at least, so a key that comes back through a partition that fed
// it before cannot reopen a window it emitted, even after an idle flush
// closed windows beyond the partition's watermark; the new keys of that
// partition share the horizon, as its old keys do. A key that comes back
// only through a partition that never fed it starts at that partition's
// watermark and may see events for windows it emitted before it was
// dropped: that partition's watermark governs them, as for any new key.
//
// # Lateness and revisions
//
// An event is late when its window has already emitted its final result.
// Within Spec.AllowedLateness (measured in watermark time past the window
// end) it updates the window, and the next Advance emits the result again
// with Revision+1. Beyond it the event goes to Output.Late and is counted
// (Stats.LateDropped); nothing is dropped silently. A result is identified
// by (Key, Window): consumers upsert by it and keep the highest revision.
//
// # Emission
//
// By default a window emits once, when it closes. With Spec.EmitEvery, open
// windows that changed also emit early results (Final false) at most once
// per interval of processing time, with increasing revisions. Unbounded
// emits the changed keys on every Advance (or every EmitEvery).
//
// # Processing-time mode
//
// With Spec.Time = ProcessingTime every event takes the time of the last
// Advance, windows close when Advance passes their end, and nothing is late.
//
// # Snapshots
//
// The operator's state is a set of entries (see snapshot.go for the
// layout): operator meta, partitions, keys and windows, each with a
// versioned encoding and the aggregates' own versioned state encodings.
// Changes yields only the entries that changed since the last call (puts
// and deletes), so a durable commit writes only those; Entries yields all;
// Restore rebuilds an operator from them, after which it behaves exactly
// like the one that wrote them. Restore also reads entries of older
// versions (see snapshot.go). Decoders reject corrupt input with
// ErrCorruptSnapshot and never panic.
//
// # Caveats
//
//   - Session windows with MaxDuration split where arrival order puts the
//     split when events come out of order.
//   - A late event that extends a closed session backwards gives it a new
//     Start: the result's identity changes and the consumer sees a new row.
//   - Partitions are kept for the life of the operator, and so are keys
//     unless Spec.KeyTTL is set; the state of a key without windows is
//     about 200 bytes.
//   - If a durable commit fails after Changes, rebuild the operator with
//     Restore from what is durable and replay the unacknowledged input.
package windows
