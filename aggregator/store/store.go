package store

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketResults = []byte("results")
	bucketFleet   = []byte("fleet")
	bucketAgents  = []byte("agents")
	bucketMeta    = []byte("meta")
	bucketWindows = []byte("windows")
	bucketMembers = []byte("members")
)

// Options tune the file.
type Options struct {
	// MaxSize caps the file in bytes (0: no cap).
	MaxSize int64
	// ReadOnly opens the file for reading only (tests, offline tools);
	// another process may hold it open for writing only if it is not
	// running.
	ReadOnly bool
	// Timeout bounds the wait for the file lock (0: one second).
	Timeout time.Duration
}

// Store is the open bbolt file.
type Store struct {
	db   *bolt.DB
	path string
}

// Open opens or creates the store at path.
// initialMmapSize is the address space mapped for the file from the start:
// 1 GiB (64 MiB on 32-bit), at most MaxSize. bbolt remaps a file that
// outgrows its mapping, doubling it, and each remap first copies every key
// and value the open write transaction references; mapping ahead costs
// address space only (pages count in RSS when touched).
func initialMmapSize(maxSize int64) int {
	size := int64(1 << 30)
	if strconv.IntSize == 32 {
		size = 64 << 20
	}
	if maxSize > 0 {
		size = min(size, maxSize)
	}
	return int(size)
}

func Open(path string, o Options) (*Store, error) {
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrOpen, err)
		}
	}
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly,
		MaxSize: int(o.MaxSize), FreelistType: bolt.FreelistMapType, NoFreelistSync: true,
		InitialMmapSize: initialMmapSize(o.MaxSize)})
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v (is another aggregator using this data_dir?)", ErrOpen, path, err)
	}
	s := &Store{db: db, path: path}
	if o.ReadOnly {
		return s, nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketResults, bucketFleet, bucketAgents, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w %s: %v", ErrOpen, path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// Size is the file's size in bytes.
func (s *Store) Size() int64 {
	var n int64
	_ = s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

// Update runs fn in one read-write transaction, committed (with fsync) when
// fn returns nil and rolled back otherwise.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *Tx) error) error {
	return s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// TimeKey appends ms as 8 bytes that sort like the signed number.
func TimeKey(dst []byte, ms int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(ms)^(1<<63))
}

// KeyTime reads what TimeKey wrote.
func KeyTime(b []byte) int64 {
	if len(b) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}
