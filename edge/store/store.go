package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Store is the agent's bbolt file. Commit, Ack and the TTL expiry are
// serialized by the store; reads (Peek, Load*, stats) may run concurrently
// with them from other goroutines.
type Store struct {
	opts   Options
	db     *bolt.DB
	closed atomic.Bool

	mu      sync.Mutex // serializes write transactions and guards the fields below
	ob      outboxCounters
	dl      dlCounters
	space   chan struct{} // closed when the outbox shrinks; nil when nobody waits
	scratch []byte        // values written in the current write transaction

	// ov is the log's state changes not yet in their buckets (wal.go). It
	// changes under mu and ovMu (write); readers hold ovMu (read) for as
	// long as they read the buckets, so that they see a checkpoint either
	// entirely or not at all.
	ovMu     sync.RWMutex
	ov       overlay
	walRec   []byte   // the record of the current commit
	walNames []string // scratch for appendRecord
}

// Open opens or creates the store file. A second process opening the same
// file waits Options.LockTimeout, then fails with ErrLocked.
func Open(opts Options) (*Store, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("store %s: creating its directory: %w", opts.Path, err)
	}
	s := &Store{opts: opts}
	s.db, err = openBolt(opts)
	if err != nil {
		return nil, err
	}
	if opts.MaxSize > 0 {
		// bbolt grows a file in steps of AllocSize (16 MiB) once it is
		// larger than that; a step that would cross MaxSize fails even if
		// the data would fit. Small steps let the file get close to the cap.
		s.db.AllocSize = min(int(max(opts.MaxSize/16, 1<<16)), s.db.AllocSize)
	}
	if err := s.load(); err != nil {
		_ = s.db.Close()
		return nil, err
	}
	return s, nil
}

// initialMmapSize is the address space mapped for the file from the start.
// bbolt remaps the file each time it outgrows its mapping (doubling from
// 32 KiB), and each remap first copies every key and value that the open
// write transaction references out of the old mapping: in a commit that
// touched ten thousand keys, a storm of allocations. Mapping ahead costs
// address space only: pages count in RSS when touched, and on Linux the
// file itself still grows in AllocSize steps. 32-bit gateways (armv6/v7)
// have 3 GiB of address space, so they map less.
func initialMmapSize(maxSize int64) int {
	size := int64(256 << 20)
	if strconv.IntSize == 32 {
		size = 64 << 20
	}
	if maxSize > 0 {
		size = min(size, maxSize)
	}
	return int(size)
}

func openBolt(opts Options) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: bbolt panicked while opening it: %v", ErrCorrupt, opts.Path, r)
		}
	}()
	db, err = bolt.Open(opts.Path, 0o600, &bolt.Options{
		Timeout:         opts.LockTimeout,
		MaxSize:         int(opts.MaxSize),
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: initialMmapSize(opts.MaxSize),
		// NoSync, NoGrowSync and NoFreelistSync stay false: every commit is
		// durable when it returns.
	})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s: still locked after %v: is another eddy agent using this data directory?", ErrLocked, opts.Path, opts.LockTimeout)
	case errors.Is(err, berrors.ErrMaxSizeReached):
		return nil, fmt.Errorf("%w: %s: max_size %d bytes is too small to open it", ErrStoreFull, opts.Path, opts.MaxSize)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s: %v: not a bbolt file or damaged; move it away to start empty", ErrCorrupt, opts.Path, err)
	}
	return nil, fmt.Errorf("store %s: %w", opts.Path, err)
}

// load checks the schema, reads the counters kept in memory and replays the
// log into the overlay.
func (s *Store) load() error {
	if err := s.initSchema(); err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		if err := decodeCounters(tx.Bucket(bucketOutbox).Get(keyStats), s.ob.fields()); err != nil {
			return fmt.Errorf("%s: outbox: %w", s.opts.Path, err)
		}
		if err := decodeCounters(tx.Bucket(bucketDeadLetters).Get(keyStats), s.dl.fields()); err != nil {
			return fmt.Errorf("%s: dead letters: %w", s.opts.Path, err)
		}
		return eachRecord(tx, func(k, v []byte) error {
			if err := s.ov.apply(v); err != nil {
				return fmt.Errorf("%s: log record %x: %w; move the file away to start empty", s.opts.Path, k, err)
			}
			return nil
		})
	})
}

// Path is the file's path.
func (s *Store) Path() string { return s.opts.Path }

// Close closes the file. Commits in progress finish first.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil
	}
	if !s.ov.empty() {
		// A checkpoint, so that the file holds no log after a clean stop.
		// If it fails (a full file) the log stays and Open replays it.
		if err := s.update(s.ov.flush); err == nil {
			s.ovMu.Lock()
			s.ov.reset()
			s.ovMu.Unlock()
		}
	}
	s.closed.Store(true)
	if s.space != nil {
		close(s.space)
		s.space = nil
	}
	return s.db.Close()
}

// maxLog is the largest the log gets before a checkpoint.
func (s *Store) maxLog() int64 {
	if s.opts.MaxSize > 0 {
		return s.opts.CheckpointBytes
	}
	return walMaxFactor * s.opts.CheckpointBytes
}

// NewBatch returns an empty batch that truncates dead-letter payloads to
// this store's limit.
func (s *Store) NewBatch() *Batch { return &Batch{maxPayload: s.opts.DeadLetters.MaxPayload} }

// Size reports how full the file is.
func (s *Store) Size() (SizeInfo, error) {
	if s.closed.Load() {
		return SizeInfo{}, ErrClosed
	}
	fi, err := os.Stat(s.opts.Path)
	if err != nil {
		return SizeInfo{}, fmt.Errorf("store %s: %w", s.opts.Path, err)
	}
	si := SizeInfo{FileBytes: fi.Size(), FreeBytes: int64(s.db.Stats().FreeAlloc), MaxSize: s.opts.MaxSize}
	s.ovMu.RLock()
	si.LogBytes, si.LogRecords, si.Checkpoints = s.ov.bytes, s.ov.records, s.ov.checkpoints
	s.ovMu.RUnlock()
	if si.MaxSize > 0 {
		si.Used = float64(si.FileBytes-si.FreeBytes) / float64(si.MaxSize)
	}
	return si, nil
}

// update runs fn in one write transaction (one fsync) and maps bbolt's
// errors and panics to this package's. The caller holds s.mu.
func (s *Store) update(fn func(tx *bolt.Tx) error) (err error) {
	if s.closed.Load() {
		return ErrClosed
	}
	s.scratch = s.scratch[:0]
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: bbolt panicked: %v", ErrCorrupt, s.opts.Path, r)
		}
	}()
	err = s.db.Update(fn)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrMaxSizeReached):
		return fmt.Errorf("%w: %s is at its cap of %d bytes (max_size): the batch was not written; drain the outbox, drop pipelines or raise max_size",
			ErrStoreFull, s.opts.Path, s.opts.MaxSize)
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return ErrClosed
	}
	return err
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) (err error) {
	if s.closed.Load() {
		return ErrClosed
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: bbolt panicked: %v", ErrCorrupt, s.opts.Path, r)
		}
	}()
	err = s.db.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// take returns n bytes of scratch that stay valid until the transaction
// ends (bbolt needs values to live that long).
func (s *Store) take(n int) []byte {
	if cap(s.scratch)-len(s.scratch) < n {
		s.scratch = make([]byte, 0, max(2*cap(s.scratch), n, 4096))
	}
	l := len(s.scratch)
	s.scratch = s.scratch[:l+n]
	return s.scratch[l : l+n : l+n]
}
