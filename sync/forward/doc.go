// Package forward drains the agent's durable outbox into Kafka.
//
// # Delivery
//
// Each outbox entry is a snappy batch of result rows (sync/wire). The
// forwarder peeks a bounded group of entries, writes every row as one Kafka
// message (key = agent id, so an agent's rows stay in one partition and in
// order) with acks from all in-sync replicas and Kafka-level snappy
// compression, and acknowledges the entries to the outbox only after Kafka
// acknowledged every message. A crash between the two re-sends the group:
// delivery is at least once, and rows are idempotent by their identity (see
// sync/wire), so an upserting consumer gets exact results.
//
// # Failures
//
// A failed write is retried with capped exponential backoff and full jitter.
// After any failure the kafka-go writer and its connection pool are thrown
// away and rebuilt, which is how the forwarder recovers from the stalls
// kafka-go is known for after a broker restart (segmentio/kafka-go #387,
// #955): no connection survives from before the outage. The writer's
// transport is closed with it (kafka.Writer.Close leaves a caller's
// Transport open), so an agent offline for days does not pile up connection
// pools. kafka.WriteErrors, one error per message, is summarized to its
// distinct errors before it reaches an error or a log line.
//
// The real-broker tests show it: an outage test stops and kills a private
// Kafka while results keep being committed, a crash test SIGKILLs a child
// agent mid-drain, and both find every committed row in Kafka afterwards.
//
// # Outbox ids
//
// Entry.ID is opaque to the forwarder: it hands the ids of a step back to
// Ack and reports the last one as Stats.LastForwarded and in checkpoints.
// An adapter over edge/store, whose ids are (priority, sequence), packs them
// into one uint64, for example priority<<56 | sequence.
//
// # Topics
//
// EnsureTopics (or Config.CreateTopics, which makes Run call it) creates the
// results topic and the checkpoints topic, the latter compacted, and waits
// until both have partition leaders, so that the first writes do not fail.
//
// # Checkpoints
//
// A checkpoint (the agent's position, watermarks and counters, keyed by agent
// id on the compacted checkpoints topic) follows every drained step and every
// CheckpointEvery. One whose write fails is retried with backoff rather than a
// period later, and one still pending as Run stops (typically cut off by the
// shutdown itself) is sent once more on a context of its own, bounded to 5 s
// and skipped when the uplink is down, so the aggregator sees the agent's
// final position and a stop is never held up by an outage.
//
// # Drain rate
//
// After an outage a full outbox drains at a configurable rate (rows per
// second, token bucket), so ten thousand gateways coming back at once do not
// flatten the cluster.
package forward
