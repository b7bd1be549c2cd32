// Package aggregator is the cloud composition root behind `eddy aggregator`:
// it consumes the fleet's results and checkpoints from Kafka, upserts them
// into its own bbolt store (package store), merges the partial results of
// many agents into fleet views (package fleet) and serves them over HTTP.
//
// # The batch loop
//
// Run is three stages: a prefetcher fetches up to Store.BatchMaxResults
// messages (or what arrives within Store.BatchMaxDelay) from a kafka-go
// group reader over both topics while the previous batch is written, and
// prepares its result rows (parses them and computes their partial states,
// fleet.Preparer, with its own compiled views) so that the JSON parsing
// overlaps the previous transaction and its fsync; the loop applies each
// batch in one store transaction (one fsync) and tells
// the Listener what changed; a committer commits the offsets in order, each
// only after its own batch's transaction. A crash at any point re-delivers
// at most the batches whose offsets were not committed, and the store's
// upsert by identity (highest revision wins; equal revision is a re-send)
// makes the second application a no-op: results are exact with
// at-least-once input.
//
// # Scaling out
//
// Instances with the same kafka.group_id share the partitions. The message
// key is the agent id, so every row of an agent goes to one instance at a
// time, and each instance's store and fleet windows cover the agents of the
// partitions it has consumed. See docs/AGGREGATOR.md for what that means
// for fleet views served by several instances.
//
// # Stalls
//
// kafka-go readers have been seen to stop for good after a broker restart
// (segmentio/kafka-go#387, #955). When no message arrived for
// kafka.stall_timeout while the group's committed offsets are behind the
// log end, the reader is closed and a new one joins the group.
//
// # Alert rules
//
// Alerting is not in this package: Options.Listener receives every
// committed change (fleet windows, agent checkpoints) and is where an
// alert evaluator plugs in.
package aggregator
