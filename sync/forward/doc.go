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
// #955): no connection survives from before the outage.
//
// # Drain rate
//
// After an outage a full outbox drains at a configurable rate (rows per
// second, token bucket), so ten thousand gateways coming back at once do not
// flatten the cluster.
package forward
