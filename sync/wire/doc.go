// Package wire is the edge↔cloud contract: what an agent writes to Kafka and
// what the aggregator reads back.
//
// # Results
//
// Topic eddy.results, key = agent id, value = one flat JSON object per result
// row, readable as plain JSON by RisingWave (FORMAT PLAIN ENCODE JSON) and
// Flink ('format' = 'json'):
//
//	{"agent":"gw-1","view":"temp_1m","window_start":"2026-11-24T12:00:00.000Z",
//	 "window_end":"2026-11-24T12:01:00.000Z","revision":0,"final":true,
//	 "site":"a","device":"d1","avg_temp":21.5,"n":60,
//	 "avg_temp__count":60,"avg_temp__sum":1290,"avg_temp__sumsq":27740.5,
//	 "avg_temp__min":20.1,"avg_temp__max":23,"p95__state":"AQID..."}
//
// Fixed fields come first, then the group-key columns, then the aggregate
// values, then for each aggregate its SQL-mergeable columns (name__count,
// name__sum, name__sumsq, name__min, name__max: only those that carry
// meaning) and, for aggregates whose partial state is not derivable from
// them (sketches, first/last, histograms), the state as base64 in name__state.
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
