// Package simulate is a deterministic fleet of virtual sensors: the known
// stream that the agent's crash test publishes, and the engine of
// `eddy simulate`.
//
// # Stream
//
// Config describes the fleet. Device i (d0000, d0001, ...) sits at site
// i mod Sites (s00, s01, ...), publishes on
// <prefix>/<site>/<device>/telemetry, and sends Readings readings, one every
// Interval ms from Start plus a phase of its own:
//
//	{"device":"d0042","seq":17,"ts":1732406416123,"temp":21.4375,"humidity":40.2}
//
// seq counts from 1 per device, so an agent can drop duplicates exactly; ts
// is Unix ms. temp follows a base per device, a daily cycle, a slow drift,
// noise and rare spikes; humidity moves against it. Every value is computed
// in integers from a hash of (seed, device, reading), so a seed gives the
// same bytes on every architecture and Go release (see rand.go).
//
// Generator.Next returns, in publication order, good readings (each once),
// duplicates (an earlier good message repeated byte for byte, as a QoS 1
// redelivery or a device retransmit would) and malformed messages (each
// with the dead-letter reason an agent must give it, spelled like
// edge/payload's Reason). A malformed message is a corrupted copy of a good
// reading that is still sent: an agent that records a sequence number
// before validating the payload loses that reading.
//
// # Disorder
//
// Good readings are produced in event-time order and 30% of them are held
// back by 1 to Disorder ms. No good reading or duplicate is ever more than
// Disorder ms behind the newest event time published before it, so a
// watermark of max(ts) − Disorder (what SQL declares) never makes one late,
// and every good reading must be counted.
//
// # Expectation
//
// Expect regenerates the stream and sums the good readings per device and
// tumbling window with encoding/json and a map: no Eddy code is involved.
// temp is a multiple of 1/16 °C (a DS18B20's resolution), an exact binary
// fraction, so float64 sums are exact in any order and the agent's
// sum(temp) can be compared with ==. SQL returns the statements whose
// results Expect predicts.
//
// # Publishing
//
// Publish sends a Generator's stream through a Publisher at a QoS and rate.
// MQTT is the paho-backed Publisher: it keeps up to a window of messages in
// flight and, at QoS ≥ 1, Publish returns without error only when the
// broker has acknowledged every message. Publish stops at the first error
// instead of skipping a message, because a skipped message would make the
// expectation wrong. WriteEvents writes the first n messages as JSON lines,
// the exact log of a run that published n.
//
// # Faults of real fleets
//
// ClockSkew sets each device's clock off by a constant of its own, so the
// payload's ts is the true time plus that offset: disorder stays bounded
// within a device, not across the fleet, which is why SQL partitions the
// watermark by device. DropoutRate devices drop out once, for
// DropoutReadings readings, and come back: those readings are never sent
// and their sequence numbers stay missing. Limit stops a stream after a
// number of messages (eddy simulate --count). Expect and WriteEvents see
// all of it, since they regenerate the same stream.
//
// # Caveats
//
// One metric schema. Only readings of Kind Late (LateRate) come beyond the
// watermark, so an agent must count every good reading and count each late
// one as late (see Config.LateRate for the batch caveat). Readings more than an hour past the agent's clock
// are rejected by it as absurd: keep Start + Readings·Interval (plus
// ClockSkew) close to now, or in the past.
package simulate
