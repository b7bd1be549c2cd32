package store

import (
	"encoding/binary"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this build writes (see the package doc). A
// file with a larger version is refused with ErrSchemaTooNew.
const SchemaVersion = 2

// Root buckets. Nothing outside this package knows these names.
var (
	bucketSys         = []byte("sys")         // keySchema, keyCreated
	bucketMeta        = []byte("meta")        // caller key → value
	bucketCounters    = []byte("counters")    // caller name → uint64
	bucketPipelines   = []byte("pipelines")   // name/{state,meta}/key → value
	bucketDedupe      = []byte("dedupe")      // source/device → state
	bucketOutbox      = []byte("outbox")      // p<prio>/seq → entry; keyStats
	bucketDeadLetters = []byte("deadletters") // ring/seq → record; reasons/reason → uint64; keyStats
	bucketWAL         = []byte("wal")         // seq/r → log record of state changes (wal.go)
)

var rootBuckets = [][]byte{bucketSys, bucketMeta, bucketCounters, bucketPipelines, bucketDedupe, bucketOutbox, bucketDeadLetters, bucketWAL}

// Nested names and keys.
var (
	keySchema     = []byte("schema")
	keyCreated    = []byte("created")
	keyStats      = []byte("stats")
	subState      = []byte("state")
	subMeta       = []byte("meta")
	subRing       = []byte("ring")
	subReasons    = []byte("reasons")
	keyRecord     = []byte("r")
	priorityNames = func() [NumPriorities][]byte {
		var n [NumPriorities][]byte
		for p := range n {
			n[p] = []byte("p" + strconv.Itoa(p))
		}
		return n
	}()
)

// initSchema creates the layout in an empty file, or checks the version of
// an existing one. It only writes to a file that has no buckets at all.
func (s *Store) initSchema() error {
	var version uint64
	var empty bool
	err := s.db.View(func(tx *bolt.Tx) error {
		sys := tx.Bucket(bucketSys)
		if sys == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return fmt.Errorf("%w: %s has buckets but no %q bucket: it was not written by eddy; move it away", ErrNotStore, s.opts.Path, bucketSys)
			}
			empty = true
			return nil
		}
		v := sys.Get(keySchema)
		if len(v) != 8 {
			return fmt.Errorf("%w: %s: schema version is missing", ErrCorrupt, s.opts.Path)
		}
		version = binary.BigEndian.Uint64(v)
		return nil
	})
	if err != nil {
		return err
	}
	if !empty {
		if version > SchemaVersion {
			return fmt.Errorf("%w: %s has schema version %d, this build reads up to %d: run the newer eddy that wrote it, or move the file away to start empty",
				ErrSchemaTooNew, s.opts.Path, version, SchemaVersion)
		}
		// Migrations, in one transaction: version 2 adds the wal bucket
		// (ensureBuckets). Version 1 builds refuse a version 2 file, which
		// may hold state changes only in its log.
		return s.db.Update(func(tx *bolt.Tx) error {
			if err := ensureBuckets(tx); err != nil {
				return err
			}
			if version == SchemaVersion {
				return nil
			}
			return tx.Bucket(bucketSys).Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion))
		})
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := ensureBuckets(tx); err != nil {
			return err
		}
		sys := tx.Bucket(bucketSys)
		if err := sys.Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion)); err != nil {
			return err
		}
		return sys.Put(keyCreated, binary.BigEndian.AppendUint64(nil, uint64(s.opts.Now().UnixNano())))
	})
}

func ensureBuckets(tx *bolt.Tx) error {
	for _, name := range rootBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	ob := tx.Bucket(bucketOutbox)
	for _, n := range priorityNames {
		if _, err := ob.CreateBucketIfNotExists(n); err != nil {
			return err
		}
	}
	dl := tx.Bucket(bucketDeadLetters)
	for _, n := range [][]byte{subRing, subReasons} {
		if _, err := dl.CreateBucketIfNotExists(n); err != nil {
			return err
		}
	}
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

func getU64(b *bolt.Bucket, k []byte) uint64 {
	if v := b.Get(k); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}
