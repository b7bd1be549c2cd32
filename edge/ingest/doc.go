// Package ingest turns MQTT subscriptions (and Kafka partitions, for
// standalone `eddy run` pipelines) into one ordered stream of Messages, each
// carrying its acknowledgement.
//
// # Acknowledgement
//
// The MQTT client runs with auto-ack off. A QoS ≥ 1 message is acknowledged
// (PUBACK/PUBREC) only when the caller calls Message.Ack, after the message's
// effect is durably committed. The caller consumes Messages in arrival order
// from one goroutine and acks them in that order, as MQTT 3.1.1 requires.
// paho's handler goroutine never waits on the engine except when the queue is
// full of QoS ≥ 1 messages, which the broker's in-flight window prevents
// unless the queue is configured smaller than that window; QoS 0 messages
// that find the queue full are dropped and counted (reason ingest_overflow).
// The queue is bounded by count and by bytes (Queue: topic + payload +
// MessageOverhead each, default 8 MiB), so that a backlog of large messages
// cannot take the gateway's memory.
//
// # Redelivery
//
// With a persistent session (CleanSession = false) the broker redelivers,
// with the DUP flag, every QoS ≥ 1 message whose acknowledgement it did not
// receive: after a reconnect (paho drops acks issued while disconnected) and
// after a crash between commit and ack. Redelivered is a ring of
// fingerprints (packet id and a hash of topic and payload) of recently
// committed QoS ≥ 1 messages; the caller persists its changes in the same
// transaction as the effects, so a DUP message whose fingerprint is in the
// ring is known to be committed already: it is acked and skipped. Only
// messages within the broker's in-flight window can be redelivered, so a ring
// larger than that window is exact.
package ingest
