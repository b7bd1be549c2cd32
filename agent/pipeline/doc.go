// Package pipeline runs a compiled SQL program — sources, materialized views,
// sinks — over input messages, with every bit of state in the agent's bbolt
// store. It is the shared runtime of `eddy agent` (MQTT in, results to the
// outbox) and `eddy run` (a standalone pipeline over MQTT or Kafka sources).
//
// # The batch loop
//
// One goroutine owns everything (Run). It takes the messages that are
// waiting, up to a batch size or a batch delay, and for each:
//
//  1. routes it to the sources whose topic pattern matches (MQTT) or whose
//     topic it came from (Kafka);
//  2. drops it if it is a broker redelivery (DUP) of a message already
//     committed (a persisted ring of fingerprints), or, per row, if the
//     source names a device sequence column and the sequence number was
//     seen (edge/dedupe, persisted per device);
//  3. decodes the payload into typed rows (edge/payload); a bad payload or
//     row becomes a dead letter with its reason, the good rows of the same
//     payload are kept;
//  4. feeds each row to the views that read the source (sql/compile builds
//     the windows.Record; the windows.Operator assigns it to windows).
//
// Then it advances every operator to the current processing time, which
// closes windows whose watermark passed; the emitted results become output
// rows. Everything the batch changed — operator state, dedupe state,
// fingerprints, Kafka offsets, the rows for the outbox and for each sink's
// durable queue, the view tables, dead letters and counters — goes into one
// store.Batch and one Commit with fsync. Only after the commit are MQTT
// messages acknowledged, in arrival order, and the batch's counts added to
// the live stats (so /v1/status counts committed messages). A kill -9 at any
// moment therefore either keeps a message's effects, its dedupe mark and
// its counters, or loses them together while the broker redelivers the
// message.
//
// The commit of one batch overlaps the handling of the next (two
// store.Batch buffers, at most one commit in flight, commits in order): the
// fsync and bbolt's page writes no longer stall decoding. The in-memory
// state, and so GET /v1/views, may be one batch ahead of the store; a crash
// loses that batch together with its unacknowledged messages.
//
// # Outputs
//
// Rows for the forwarder go to the store's outbox as wire rows (snappy
// batches, sync/wire). Rows for local sinks go to a per-sink queue in the
// store in the same commit; a goroutine per sink writes them and deletes
// them after the sink accepted them: at-least-once, and every row carries
// its window and revision, so a consumer that upserts is exact. The latest
// row of each group (and window) is kept in a view table for GET
// /v1/views/{name}: in the store, written in the same commit; memory holds
// only the changes of the batch being built and an 8-byte hash per row (for
// its count), so GET /v1/views shows committed rows plus that batch.
//
// # Memory
//
// What the agent holds scales with the keys, not the input rate: the MQTT
// input queue is bounded by count and bytes (mqtt.queue_size,
// mqtt.queue_bytes), a batch by BatchMaxEvents, the view tables' rows are
// in the store; the operators' per-key state and the dedupe trackers stay
// in memory.
//
// # Failure
//
// If Commit fails, the batch stays in memory and is committed again with a
// capped backoff (a full outbox under backpressure waits for space); input
// is not acknowledged meanwhile, so the broker keeps it. The in-memory
// state is never behind the store, so nothing is counted twice.
package pipeline
