package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// The write-ahead log of state changes.
//
// With ten thousand devices a batch of a few thousand events changes a few
// thousand state and dedupe keys spread over the whole key space. Put into
// their buckets one by one, every commit descends the B-trees once per key
// and rewrites nearly every leaf page: half of the agent's CPU. So Commit
// writes a batch's state and dedupe changes as one record appended to the
// wal bucket (one put, a few sequential pages) and keeps them in memory, in
// the overlay, coalesced per key. When the records reach
// Options.CheckpointBytes, a commit first writes the overlay into the
// buckets, in key order and each key once however often it changed, and
// empties the log, in the same transaction. Reads (LoadPipeline,
// LoadDedupe) merge the overlay over the buckets; Open replays the log into
// the overlay. The crash contract is unchanged: a record commits with the
// outbox entries, counters and metadata of its batch, and a checkpoint with
// the log it replaces.
//
// Each record is the only value (key "r") of a bucket of its own under wal,
// named by its sequence number: bbolt rewrites every value of a leaf it
// adds to and does not split leaves of four keys or fewer, so records side
// by side would be copied again by every commit.
//
// A record: version byte 1; uvarint count of namespaces, each uvarint
// length + name; then until the end, ops: kind byte (walPut, walDelete,
// walDedupePut, walDedupeDelete), uvarint namespace index, uvarint length +
// key, and for the two puts uvarint length + value.

const (
	walVersion = 1

	walPut          = 1
	walDelete       = 2
	walDedupePut    = 3
	walDedupeDelete = 4

	// DefaultCheckpointBytes is Options.CheckpointBytes when 0.
	DefaultCheckpointBytes = 4 << 20
	// maxWALRecords checkpoints a log of many small records.
	maxWALRecords = 256
	// walCoalesce: a checkpoint waits until the log is this many times what
	// it coalesces to (the overlay), up to walMaxFactor × CheckpointBytes
	// (CheckpointBytes in a file with a MaxSize).
	walCoalesce  = 4
	walMaxFactor = 16
)

// due says whether a commit adding a record of n bytes should checkpoint
// first. A checkpoint costs about what the overlay holds (each key once);
// the log costs its bytes. When every batch changes most keys (a gateway
// at full load: batches of ten thousand events over ten thousand devices)
// a log of CheckpointBytes coalesces little, so it grows until it is
// walCoalesce times the overlay; when batches are small next to the state
// (the usual case) CheckpointBytes comes first.
func (ov *overlay) due(n, checkpointBytes, maxBytes int64) bool {
	log := ov.bytes + n
	return ov.records >= maxWALRecords || log > maxBytes ||
		log > checkpointBytes && log >= walCoalesce*int64(len(ov.arena))
}

// walOp maps a batch op to its record kind; 0 for ops that do not go to the
// log.
func walOp(k opKind) byte {
	switch k {
	case opPut:
		return walPut
	case opDelete:
		return walDelete
	case opDedupePut:
		return walDedupePut
	case opDedupeDelete:
		return walDedupeDelete
	}
	return 0
}

// appendRecord appends b's state and dedupe changes as a log record to dst;
// n is the number of ops in it.
func appendRecord(dst []byte, b *Batch, names []string) (_ []byte, n int, _ []string) {
	names = names[:0]
	for i := range b.ops {
		if o := &b.ops[i]; walOp(o.kind) != 0 && !slices.Contains(names, b.names[o.ns]) {
			names = append(names, b.names[o.ns])
		}
	}
	dst = append(dst, walVersion)
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, name := range names {
		dst = binary.AppendUvarint(dst, uint64(len(name)))
		dst = append(dst, name...)
	}
	for i := range b.ops {
		o := &b.ops[i]
		kind := walOp(o.kind)
		if kind == 0 {
			continue
		}
		n++
		dst = append(dst, kind)
		dst = binary.AppendUvarint(dst, uint64(slices.Index(names, b.names[o.ns])))
		k := b.key(o)
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		if kind == walPut || kind == walDedupePut {
			v := b.value(o)
			dst = binary.AppendUvarint(dst, uint64(len(v)))
			dst = append(dst, v...)
		}
	}
	return dst, n, names
}

// nsKey names a bucket of the overlay: a pipeline's state or a dedupe
// source.
type nsKey struct {
	dedupe bool
	name   string
}

// ovRef is a key's latest change: its value in the arena (n bytes of a
// slot of c), or a deletion.
type ovRef struct {
	off, n, c int
	del       bool
}

// overlay holds the changes of the log, latest per key. Keys and values
// live in arena until reset; a new value overwrites the key's old one when
// it fits its slot, so the arena is about as large as the distinct keys
// and values changed since the checkpoint (at most about CheckpointBytes).
// The map keys are strings into the arena.
type overlay struct {
	arena   []byte
	ns      map[nsKey]*ovBucket
	names   []string // scratch for apply
	bytes   int64    // records in the log, summed
	records int

	checkpoints uint64 // since Open
}

type ovBucket struct {
	idx  map[string]int32 // key → refs index
	refs []ovRef
}

func (ov *overlay) empty() bool { return ov.records == 0 }

// reset forgets everything, keeping the memory.
func (ov *overlay) reset() {
	for _, b := range ov.ns {
		clear(b.idx)
		b.refs = b.refs[:0]
	}
	ov.arena = ov.arena[:0]
	ov.bytes, ov.records = 0, 0
	ov.checkpoints++
}

func (ov *overlay) bucket(k nsKey) *ovBucket {
	if ov.ns == nil {
		ov.ns = map[nsKey]*ovBucket{}
	}
	b := ov.ns[k]
	if b == nil {
		b = &ovBucket{idx: map[string]int32{}}
		ov.ns[k] = b
	}
	return b
}

func (ov *overlay) set(b *ovBucket, k, v []byte, del bool) {
	i, ok := b.idx[string(k)]
	if ok && len(v) <= b.refs[i].c {
		r := &b.refs[i]
		r.n, r.del = copy(ov.arena[r.off:r.off+r.c], v), del
		return
	}
	// A new slot, with room for the value to grow by an eighth.
	off, c := len(ov.arena), len(v)+len(v)/8
	ov.arena = slices.Grow(ov.arena, c)[:off+c]
	copy(ov.arena[off:], v)
	ref := ovRef{off: off, n: len(v), c: c, del: del}
	if ok {
		b.refs[i] = ref
		return
	}
	koff := len(ov.arena)
	ov.arena = append(ov.arena, k...)
	b.idx[unsafe.String(&ov.arena[koff], len(k))] = int32(len(b.refs))
	b.refs = append(b.refs, ref)
}

func (ov *overlay) value(r ovRef) []byte { return ov.arena[r.off : r.off+r.n : r.off+r.n] }

// apply adds a record to the overlay. rec is not retained. A corrupt record
// returns ErrCorrupt, possibly after applying some of it.
func (ov *overlay) apply(rec []byte) error {
	r := walReader{b: rec}
	if v := r.byte(); r.err == nil && v != walVersion {
		return fmt.Errorf("%w: log record of version %d, this build reads %d", ErrCorrupt, v, walVersion)
	}
	nn := r.length()
	ov.names = ov.names[:0]
	for range nn {
		name := r.bytes()
		if r.err == nil && (len(name) == 0 || len(name) > bolt.MaxKeySize) {
			r.fail("namespace")
		}
		ov.names = append(ov.names, string(name))
	}
	for r.err == nil && len(r.b) > 0 {
		kind := r.byte()
		ns := r.uvarint()
		k := r.bytes()
		var v []byte
		if kind == walPut || kind == walDedupePut {
			v = r.bytes()
		}
		switch {
		case r.err != nil:
		case kind < walPut || kind > walDedupeDelete:
			r.fail("op kind")
		case ns >= uint64(len(ov.names)):
			r.fail("namespace index")
		case len(k) == 0 || len(k) > bolt.MaxKeySize:
			r.fail("key length")
		default:
			dedupe := kind == walDedupePut || kind == walDedupeDelete
			ov.set(ov.bucket(nsKey{dedupe, ov.names[ns]}), k, v, kind == walDelete || kind == walDedupeDelete)
		}
	}
	if r.err != nil {
		return r.err
	}
	ov.bytes += int64(len(rec))
	ov.records++
	return nil
}

// sortedKeys returns the keys of b in byte order.
func (b *ovBucket) sortedKeys() []string { return slices.Sorted(maps.Keys(b.idx)) }

// sortedNS returns the overlay's buckets that have keys, pipelines first,
// each kind by name.
func (ov *overlay) sortedNS() []nsKey {
	var out []nsKey
	for k, b := range ov.ns {
		if len(b.refs) > 0 {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b nsKey) int {
		if a.dedupe != b.dedupe {
			if a.dedupe {
				return 1
			}
			return -1
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// names lists the overlay's buckets of one kind that have keys.
func (ov *overlay) bucketNames(dedupe bool) []string {
	var out []string
	for _, k := range ov.sortedNS() {
		if k.dedupe == dedupe {
			out = append(out, k.name)
		}
	}
	return out
}

// merge calls fn for each key of bk (nil: none) and of the overlay bucket
// ns, in key order, the overlay's change winning.
func (ov *overlay) merge(ns nsKey, bk *bolt.Bucket, fn func(k, v []byte) error) error {
	b := ov.ns[ns]
	if b == nil || len(b.refs) == 0 {
		if bk == nil {
			return nil
		}
		return bk.ForEach(fn)
	}
	keys := b.sortedKeys()
	var c *bolt.Cursor
	var k, v []byte
	if bk != nil {
		c = bk.Cursor()
		k, v = c.First()
	}
	for i := 0; k != nil || i < len(keys); {
		if i < len(keys) {
			ok := unsafe.Slice(unsafe.StringData(keys[i]), len(keys[i]))
			if cmp := bytes.Compare(ok, k); k == nil || cmp <= 0 {
				if cmp == 0 && k != nil {
					k, v = c.Next()
				}
				i++
				if r := b.refs[b.idx[keys[i-1]]]; !r.del {
					if err := fn(ok, ov.value(r)); err != nil {
						return err
					}
				}
				continue
			}
		}
		if err := fn(k, v); err != nil {
			return err
		}
		k, v = c.Next()
	}
	return nil
}

// flush writes the overlay into the buckets, in key order, and empties the
// log, inside tx. The overlay itself is reset by the caller once tx has
// committed.
func (ov *overlay) flush(tx *bolt.Tx) error {
	c := txBuckets{tx: tx, pipes: tx.Bucket(bucketPipelines), dedupe: tx.Bucket(bucketDedupe)}
	for _, ns := range ov.sortedNS() {
		b := ov.ns[ns]
		var bk *bolt.Bucket
		var err error
		get := func(create bool) {
			if ns.dedupe {
				bk, err = c.source(ns.name, create)
			} else {
				bk, err = c.pipeline(ns.name, subState, create)
			}
		}
		get(false)
		for _, k := range b.sortedKeys() {
			if err != nil {
				return err
			}
			r := b.refs[b.idx[k]]
			kb := unsafe.Slice(unsafe.StringData(k), len(k))
			switch {
			case r.del && bk != nil:
				err = bk.Delete(kb)
			case !r.del:
				if bk == nil {
					if get(true); err != nil {
						return err
					}
				}
				err = bk.Put(kb, ov.value(r))
			}
		}
		if err != nil {
			return err
		}
	}
	if err := tx.DeleteBucket(bucketWAL); err != nil {
		return err
	}
	_, err := tx.CreateBucket(bucketWAL)
	return err
}

// appendLog adds rec to the log in tx; key is 8 bytes of scratch that
// live as long as tx.
func appendLog(tx *bolt.Tx, key, rec []byte) error {
	wal := tx.Bucket(bucketWAL)
	seq, err := wal.NextSequence()
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint64(key, seq)
	bk, err := wal.CreateBucket(key)
	if err != nil {
		return err
	}
	return bk.Put(keyRecord, rec)
}

// eachRecord calls fn with each record of the log in tx, oldest first.
func eachRecord(tx *bolt.Tx, fn func(seq, rec []byte) error) error {
	wal := tx.Bucket(bucketWAL)
	return wal.ForEachBucket(func(k []byte) error {
		rec := wal.Bucket(k).Get(keyRecord)
		if rec == nil {
			return fmt.Errorf("%w: log record %x is missing", ErrCorrupt, k)
		}
		return fn(k, rec)
	})
}

// walReader decodes a record; the first error sticks.
type walReader struct {
	b   []byte
	err error
}

func (r *walReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: log record: bad %s", ErrCorrupt, what)
	}
	r.b = nil
}

func (r *walReader) byte() byte {
	if len(r.b) == 0 {
		r.fail("length")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *walReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return x
}

// length reads a count or size no larger than what is left.
func (r *walReader) length() int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.fail("length")
		return 0
	}
	return int(n)
}

func (r *walReader) bytes() []byte {
	n := r.length()
	if r.err != nil {
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}
