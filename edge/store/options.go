package store

import (
	"fmt"
	"time"
)

// Options configure Open. Only Path is required.
type Options struct {
	// Path of the bbolt file; its directory is created if missing.
	Path string
	// MaxSize caps the file in bytes (bbolt Options.MaxSize); 0 means no
	// cap. A batch that needs more space fails with ErrStoreFull and leaves
	// nothing written. See Size for how full it is.
	MaxSize int64
	// LockTimeout is how long Open waits for the file lock held by another
	// process before failing with ErrLocked; 0 means 1 s.
	LockTimeout time.Duration
	// Outbox sets the outbox quota, policy and TTL.
	Outbox OutboxOptions
	// DeadLetters bounds the dead-letter ring.
	DeadLetters DeadLetterOptions
	// CheckpointBytes is how many bytes of state changes the write-ahead
	// log collects before a commit writes them into their buckets (see
	// wal.go); 0 means DefaultCheckpointBytes (4 MiB; at most MaxSize/16),
	// and a negative value
	// writes every change into its bucket at once. The log's changes are
	// also kept in memory, coalesced per key: at most about this much.
	CheckpointBytes int64
	// Now is the clock for enqueue times, TTL and dead letters; nil means
	// time.Now. Tests inject their own.
	Now func() time.Time
}

// OutboxOptions bound the outbox.
type OutboxOptions struct {
	// QuotaBytes caps the summed payload size of all outbox entries; 0 means
	// no quota (MaxSize still applies).
	QuotaBytes int64
	// Policy says what happens when a commit would exceed QuotaBytes.
	Policy Policy
	// TTL drops entries older than this on the next commit or peek; 0 keeps
	// them forever.
	TTL time.Duration
}

// Policy is what a full outbox does.
type Policy uint8

const (
	// Backpressure rejects a batch that adds outbox entries past the quota
	// with ErrOutboxFull, before anything is written.
	Backpressure Policy = iota
	// DropOldest commits the batch, then deletes the oldest entries of the
	// lowest priority first until the outbox is within its quota, counting
	// them as dropped_oldest.
	DropOldest
)

// ParsePolicy parses the configuration spelling: "backpressure" or
// "drop_oldest".
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "backpressure", "":
		return Backpressure, nil
	case "drop_oldest":
		return DropOldest, nil
	}
	return 0, fmt.Errorf("%w: outbox policy %q: want backpressure or drop_oldest", ErrInvalid, s)
}

func (p Policy) String() string {
	if p == DropOldest {
		return "drop_oldest"
	}
	return "backpressure"
}

// DeadLetterOptions bound the dead-letter ring.
type DeadLetterOptions struct {
	// MaxEntries is the ring size; when full the oldest are evicted
	// (counted). 0 means 10,000.
	MaxEntries int
	// MaxPayload truncates each payload to this many bytes; 0 means 1024.
	MaxPayload int
}

// Defaults.
const (
	DefaultLockTimeout     = time.Second
	DefaultDeadLetters     = 10_000
	DefaultDeadLetterBytes = 1024
	maxTopicBytes          = 512
	maxReasonBytes         = 64
	maxMessageBytes        = 1024
)

func (o Options) normalize() (Options, error) {
	if o.Path == "" {
		return o, fmt.Errorf("%w: store path is empty", ErrInvalid)
	}
	if o.MaxSize < 0 || o.Outbox.QuotaBytes < 0 || o.Outbox.TTL < 0 || o.DeadLetters.MaxEntries < 0 || o.DeadLetters.MaxPayload < 0 {
		return o, fmt.Errorf("%w: negative size, quota, ttl or limit in store options", ErrInvalid)
	}
	if o.Outbox.Policy > DropOldest {
		return o, fmt.Errorf("%w: outbox policy %d", ErrInvalid, o.Outbox.Policy)
	}
	if o.MaxSize > 0 && o.MaxSize < 1<<16 {
		return o, fmt.Errorf("%w: max size %d bytes is below the minimum of 64 KiB", ErrInvalid, o.MaxSize)
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.DeadLetters.MaxEntries == 0 {
		o.DeadLetters.MaxEntries = DefaultDeadLetters
	}
	if o.DeadLetters.MaxPayload == 0 {
		o.DeadLetters.MaxPayload = DefaultDeadLetterBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CheckpointBytes == 0 {
		o.CheckpointBytes = DefaultCheckpointBytes
		if o.MaxSize > 0 {
			// The log is written before its checkpoint frees it: keep it
			// small next to the cap.
			o.CheckpointBytes = min(o.CheckpointBytes, o.MaxSize/16)
		}
	}
	return o, nil
}
