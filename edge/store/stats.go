package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

// outboxCounters is what the outbox persists under keyStats, updated in the
// same transaction as the entries, so it always matches them.
type outboxCounters struct {
	count, bytes                     [NumPriorities]uint64
	droppedOldest, droppedOldestByte uint64
	expiredTTL, expiredTTLBytes      uint64
}

const countersV1 = 1

func (c *outboxCounters) fields() []*uint64 {
	f := make([]*uint64, 0, 2*NumPriorities+4)
	for p := range c.count {
		f = append(f, &c.count[p], &c.bytes[p])
	}
	return append(f, &c.droppedOldest, &c.droppedOldestByte, &c.expiredTTL, &c.expiredTTLBytes)
}

func (c *outboxCounters) totalBytes() uint64 {
	var t uint64
	for _, b := range c.bytes {
		t += b
	}
	return t
}

// dlCounters is what the dead-letter ring persists under keyStats.
type dlCounters struct {
	count, total, evicted uint64
}

func (c *dlCounters) fields() []*uint64 { return []*uint64{&c.count, &c.total, &c.evicted} }

func appendCounters(dst []byte, f []*uint64) []byte {
	dst = append(dst, countersV1)
	for _, p := range f {
		dst = binary.BigEndian.AppendUint64(dst, *p)
	}
	return dst
}

func decodeCounters(v []byte, f []*uint64) error {
	if v == nil {
		return nil // fresh file
	}
	if len(v) != 1+8*len(f) || v[0] != countersV1 {
		return fmt.Errorf("%w: stats record of %d bytes", ErrCorrupt, len(v))
	}
	for i, p := range f {
		*p = binary.BigEndian.Uint64(v[1+8*i:])
	}
	return nil
}

// OutboxStats describe the outbox.
type OutboxStats struct {
	// Depth and Bytes per priority (index = Priority); Bytes counts payload
	// bytes, as the quota does.
	Depth, Bytes [NumPriorities]uint64
	// OldestAge is the age of the oldest entry of any priority; 0 if empty.
	OldestAge time.Duration
	// QuotaBytes and Policy as configured.
	QuotaBytes int64
	Policy     Policy
	// Persisted counters since the file was created.
	DroppedOldest, DroppedOldestBytes uint64
	ExpiredTTL, ExpiredTTLBytes       uint64
}

// TotalDepth is the number of entries of all priorities.
func (s OutboxStats) TotalDepth() uint64 {
	var t uint64
	for _, d := range s.Depth {
		t += d
	}
	return t
}

// TotalBytes is the payload bytes of all priorities.
func (s OutboxStats) TotalBytes() uint64 {
	var t uint64
	for _, d := range s.Bytes {
		t += d
	}
	return t
}

// DeadLetterStats describe the dead-letter ring; all counters persist.
type DeadLetterStats struct {
	Count    int               // entries in the ring now
	Max      int               // ring size
	Total    uint64            // ever added
	Evicted  uint64            // pushed out of a full ring
	ByReason map[string]uint64 // ever added, per reason
}

// SizeInfo says how full the file is.
type SizeInfo struct {
	FileBytes int64 // size of the file on disk
	FreeBytes int64 // free pages inside the file, reused before it grows
	MaxSize   int64 // the cap; 0 = none
	// Used is (FileBytes-FreeBytes)/MaxSize: the fraction of the cap holding
	// live data; 0 without a cap. The file never shrinks by itself (bbolt
	// reuses free pages; `bbolt compact` rewrites it).
	Used float64
	// LogBytes and LogRecords are the write-ahead log of state changes
	// waiting for a checkpoint; Checkpoints counts those since Open.
	LogBytes    int64
	LogRecords  int
	Checkpoints uint64
}
