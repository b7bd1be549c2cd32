// Package wire is the edge↔cloud contract: what an agent writes to Kafka and
// what the aggregator reads back.
//
// # Results
//
// Topic eddy.results, key = agent id, value = one flat JSON object per result
// row, readable as plain JSON by RisingWave (FORMAT PLAIN ENCODE JSON) and
// Flink ('format' = 'json'):
//
//	{"agent":"gw-017","view":"temp_1m","window_start":"2026-11-25T12:00:00.000Z",
//	 "window_end":"2026-11-25T12:01:00.000Z","revision":1,"final":true,
//	 "site":"plant-a","device":"t-0042","n":4,"avg_temp":21.5,"p95_temp":22.5,
//	 "n__count":4,"avg_temp__count":4,"avg_temp__sum":86,
//	 "p95_temp__count":4,"p95_temp__min":20.5,"p95_temp__max":22.5,
//	 "p95_temp__state":"AQmQTgQAAAAAAIA0QAAAAAAAgDZAAAAErgIBAAEAAQEB"}
//
// The full contract, with the columns each aggregate carries and the
// RisingWave and Flink statements that read the topic, is
// docs/results-topic.md; doc_test.go holds its examples to this code.
//
// Fixed fields come first, then the group-key columns, then the aggregate
// values, then for each aggregate its SQL-mergeable columns (name__count,
// name__sum, name__sumsq, name__min, name__max: only those a consumer needs
// to merge partials and that do not repeat the aggregate's value, see
// columnsOf and docs/results-topic.md) and, for aggregates whose partial
// state is not derivable from them (sketches, variance, first/last,
// histograms: CarriesState), the state as base64 in name__state.
// Times are RFC 3339 UTC with milliseconds. An unbounded (no window) view
// omits window_start and window_end.
//
// A row is identified by (agent, view, key columns, window_start, revision):
// delivery is at least once, and a consumer that upserts by that identity
// gets exact results. A later revision of the same window supersedes an
// earlier one.
//
// # Checkpoints
//
// Topic eddy.checkpoints (compacted), key = agent id, value = Checkpoint as
// JSON: the agent's progress and health, sent periodically and after each
// drained batch.
//
// # Outbox batches
//
// On the gateway, result rows wait in the outbox as batches: a version byte
// followed by the snappy-compressed concatenation of length-prefixed rows.
package wire
