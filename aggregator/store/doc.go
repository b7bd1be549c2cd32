// Package store is the aggregator's durable state: one bbolt file that
// holds the fleet's edge results (upserted by identity), the fleet views'
// windows and the partials that feed them, the agent registry and a little
// meta. It is the only package that touches the aggregator's bbolt file and
// owns every bucket name.
//
// # Layout
//
//	results/<edge view>   start8 agent 0x00 keys → revision(4) row JSON
//	fleet/<view>/windows  start8 len(key) key     → fleet window (package fleet's encoding)
//	fleet/<view>/members  start8 len(key) key identity → encoded partial states
//	agents                agent id                → registry entry (JSON)
//	meta                  name                    → value
//
// start8 is a window start in Unix milliseconds, big-endian with the sign
// bit flipped, so keys sort by time and a time range is one cursor seek.
//
// # Contract
//
// Every change of a consumer batch happens in one Update (one transaction,
// one fsync); the consumer commits its Kafka offsets only after Update
// returned nil. Byte slices handed to callbacks are valid only inside the
// transaction (bbolt's rule): copy what you keep. Put methods copy their
// arguments (bbolt keeps them until the commit), so callers may reuse
// their buffers.
package store
