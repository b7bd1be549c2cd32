// Package dedupe drops duplicate device events exactly, by the sequence
// number each device puts in its messages, across restarts and with
// out-of-order arrival.
//
// # Scheme
//
// Each device has a sliding anti-replay window in the style of IPsec
// (RFC 4303, section 3.4.3): the highest sequence number seen and a bitmap of
// the last W numbers (W = Config.Window, default 1024, a multiple of 64).
// For an event with sequence number s and highest h:
//
//   - s > h: new. The window slides forward; if s jumps W or more ahead the
//     bitmap is simply cleared.
//   - h-W < s <= h: a duplicate if its bit is set, otherwise new (an event
//     that arrived out of order but within the window).
//   - s <= h-W: older than the window. Whether it was seen is no longer
//     known, so it is reported as TooOld and dropped (counted as too_old by
//     the caller), unless Config.AcceptTooOld is set, in which case it is
//     accepted as TooOldAccepted without being marked: that trades a possible
//     double count for never losing a very late event. Exactness is
//     guaranteed only for the default.
//
// Exactness holds when reordering and redelivery stay within W sequence
// numbers of the newest event of the device: with MQTT QoS 1 redelivery of a
// session and devices that buffer a few hundred messages that is the case
// for W = 1024. A larger W costs W/8 bytes per device.
//
// # Device restarts
//
// A device that reboots and starts counting from 0 again looks like a
// replay. Two ways out, in order of preference:
//
//   - An epoch (boot counter) in the payload, passed to Observe. It must grow
//     with every boot (keep it in the device's non-volatile memory). A larger
//     epoch than the stored one resets the window (verdict Restarted); a
//     smaller one is an event from an earlier boot that arrived late: TooOld.
//     Pass 0 when the source has no epoch column.
//   - Without an epoch, Config.ResetThreshold: a backward jump of at least
//     that many sequence numbers is taken for a restart. The trade-off: a
//     small threshold (it must be at least W) can mistake a very late genuine
//     event for a restart, which resets the window and lets later
//     redeliveries of the old numbers through as new; a large threshold
//     means a device that reboots before its counter has passed the
//     threshold has its first events after the reboot dropped, as
//     duplicates (within the window) or too_old (below it), until its
//     counter climbs past the old high mark. 0 disables it. Devices that
//     send neither an epoch nor a persistent counter cannot be deduplicated
//     exactly; prefer an epoch.
//
// # Persistence and the crash contract
//
// A Tracker is in memory. Every device touched since the last
// ClearDirty is dirty; AppendDirty encodes exactly those, and the caller
// writes them with the window state and outbox entries of the same batch in
// one store transaction (edge/store Batch.PutDedupe), then calls ClearDirty.
// Because the marks commit atomically with the effects of the events, a
// crash either keeps both or neither: a redelivered event whose effect was
// committed is a duplicate, one whose effect was lost is new. If the commit
// fails, the tracker is ahead of the disk: either retry the same batch until
// it commits, or discard the tracker and Load it again from the store (and
// let MQTT redeliver the unacknowledged events).
//
// # Encoding
//
// The per-device state (AppendState, Load) is versioned: version byte 1,
// uvarints window W, epoch, highest, then a mode byte. The window covers the
// n = min(W, highest+1) numbers highest-n+1..highest. Mode 0 lists the holes
// (numbers of the window not seen yet): a uvarint count, then uvarint
// distances, the first from highest, each next one from the previous hole.
// Mode 1 is a bitmap of ceil(n/64) little-endian uint64 words, bit j for
// highest-n+1+j. The encoder picks the shorter: a device that sends in order
// encodes in about 9 bytes, one with a few lost messages in a few more, and
// the worst case is W/8 bytes plus the header. The decoder rejects anything
// the encoder cannot produce that would change the meaning (bits or holes
// outside the window, trailing bytes).
//
// # Caveats
//
// A Tracker is not safe for concurrent use: the batch loop owns it. Devices
// are never forgotten; memory is about W/8 + 80 bytes per device plus the
// device name (see BenchmarkMemoryPerDevice).
package dedupe
