package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Commit applies every change of b in one bbolt write transaction, with one
// fsync: after it returns nil all of b is on disk, and after an error none
// of it is (ErrOutboxFull, ErrStoreFull, ErrEntryTooLarge, ErrInvalid, disk
// errors). On error b is unchanged and can be committed again. Acknowledge
// the input (MQTT PUBACK) only after nil.
func (s *Store) Commit(b *Batch) error {
	if b.err != nil {
		return b.err
	}
	q := s.opts.Outbox.QuotaBytes
	if q > 0 && b.maxEntry > q {
		return fmt.Errorf("%w: an entry of %d bytes, quota %d bytes", ErrEntryTooLarge, b.maxEntry, q)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ob, dl := s.ob, s.dl
	b.enqueued, b.dropped, b.expired = b.enqueued[:0], b.dropped[:0], 0
	if s.opts.Outbox.TTL == 0 && s.overQuota(&ob, b.outboxBytes) {
		return s.outboxFull(&ob, b.outboxBytes) // no transaction at all
	}
	// State and dedupe changes go to the log (wal.go) unless the batch
	// drops a pipeline or a source; a checkpoint first moves the log into
	// the buckets when it is full, or before such a batch.
	var rec []byte
	if s.opts.CheckpointBytes > 0 && !b.drops {
		var n int
		s.walRec, n, s.walNames = appendRecord(s.walRec[:0], b, s.walNames)
		if n > 0 {
			rec = s.walRec
		}
	}
	checkpoint := !s.ov.empty() && (b.drops || s.opts.CheckpointBytes < 0 ||
		s.ov.due(int64(len(rec)), s.opts.CheckpointBytes, s.maxLog()))
	err := s.update(func(tx *bolt.Tx) error { return s.apply(tx, b, &ob, &dl, checkpoint, rec) })
	if err != nil {
		b.enqueued, b.dropped, b.expired = b.enqueued[:0], b.dropped[:0], 0
		return err
	}
	if checkpoint || rec != nil {
		s.ovMu.Lock()
		if checkpoint {
			s.ov.reset()
		}
		var aerr error
		if rec != nil {
			aerr = s.ov.apply(rec)
		}
		s.ovMu.Unlock()
		if aerr != nil {
			panic("store: a record this commit wrote does not decode: " + aerr.Error())
		}
	}
	s.publish(ob, dl)
	return nil
}

// publish installs the counters of a committed transaction and wakes
// WaitOutboxSpace when the outbox shrank. The caller holds s.mu.
func (s *Store) publish(ob outboxCounters, dl dlCounters) {
	shrank := ob.totalBytes() < s.ob.totalBytes()
	s.ob, s.dl = ob, dl
	if shrank && s.space != nil {
		close(s.space)
		s.space = nil
	}
}

func (s *Store) overQuota(ob *outboxCounters, adding int64) bool {
	q := s.opts.Outbox.QuotaBytes
	return s.opts.Outbox.Policy == Backpressure && q > 0 && adding > 0 && int64(ob.totalBytes())+adding > q
}

func (s *Store) outboxFull(ob *outboxCounters, adding int64) error {
	return fmt.Errorf("%w: %d of %d bytes used, the batch adds %d: nothing was written; retry after the forwarder drains",
		ErrOutboxFull, ob.totalBytes(), s.opts.Outbox.QuotaBytes, adding)
}

// txBuckets caches the buckets one Commit touches.
type txBuckets struct {
	tx                  *bolt.Tx
	pipes, dedupe       *bolt.Bucket
	pipeName            string
	pipeState, pipeMeta *bolt.Bucket
	srcName             string
	src                 *bolt.Bucket
}

func (c *txBuckets) pipeline(name string, sub []byte, create bool) (*bolt.Bucket, error) {
	if name != c.pipeName {
		c.pipeName, c.pipeState, c.pipeMeta = name, nil, nil
	}
	cached := &c.pipeState
	if sub[0] == subMeta[0] {
		cached = &c.pipeMeta
	}
	if *cached != nil {
		return *cached, nil
	}
	p := c.pipes.Bucket([]byte(name))
	if p == nil {
		if !create {
			return nil, nil
		}
		var err error
		if p, err = c.pipes.CreateBucket([]byte(name)); err != nil {
			return nil, err
		}
	}
	bk := p.Bucket(sub)
	if bk == nil && create {
		var err error
		if bk, err = p.CreateBucket(sub); err != nil {
			return nil, err
		}
	}
	*cached = bk
	return bk, nil
}

func (c *txBuckets) source(name string, create bool) (*bolt.Bucket, error) {
	if name == c.srcName && c.src != nil {
		return c.src, nil
	}
	c.srcName = name
	c.src = c.dedupe.Bucket([]byte(name))
	if c.src == nil && create {
		var err error
		if c.src, err = c.dedupe.CreateBucket([]byte(name)); err != nil {
			return nil, err
		}
	}
	return c.src, nil
}

func deleteBucket(parent *bolt.Bucket, name string) error {
	if err := parent.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

// apply is the body of Commit's transaction: a checkpoint first if asked,
// then b's changes; those in rec (its log record) are only appended to the
// log.
func (s *Store) apply(tx *bolt.Tx, b *Batch, ob *outboxCounters, dl *dlCounters, checkpoint bool, rec []byte) error {
	now := s.opts.Now()
	outbox := tx.Bucket(bucketOutbox)
	obChanged, err := s.expire(outbox, ob, now, &b.expired)
	if err != nil {
		return err
	}
	if s.overQuota(ob, b.outboxBytes) {
		return s.outboxFull(ob, b.outboxBytes)
	}
	if checkpoint {
		if err := s.ov.flush(tx); err != nil {
			return fmt.Errorf("store %s: checkpoint: %w", s.opts.Path, err)
		}
	}
	if rec != nil {
		err := appendLog(tx, binary.BigEndian.AppendUint64(s.take(8)[:0], 0), rec)
		if err != nil {
			return fmt.Errorf("store %s: log: %w", s.opts.Path, err)
		}
	}
	c := txBuckets{tx: tx, pipes: tx.Bucket(bucketPipelines), dedupe: tx.Bucket(bucketDedupe)}
	var meta, counters, ring, reasons *bolt.Bucket
	dlChanged := false
	for i := range b.ops {
		o := &b.ops[i]
		if rec != nil && walOp(o.kind) != 0 {
			continue
		}
		k, v, ns := b.key(o), b.value(o), b.names[o.ns]
		var bk *bolt.Bucket
		var err error
		switch o.kind {
		case opPut:
			if bk, err = c.pipeline(ns, subState, true); err == nil {
				err = bk.Put(k, v)
			}
		case opDelete:
			if bk, err = c.pipeline(ns, subState, false); err == nil && bk != nil {
				err = bk.Delete(k)
			}
		case opPipelineMeta:
			if bk, err = c.pipeline(ns, subMeta, true); err == nil {
				err = bk.Put(k, v)
			}
		case opDropPipeline:
			c.pipeName, c.pipeState, c.pipeMeta = "", nil, nil
			err = deleteBucket(c.pipes, ns)
		case opDedupePut:
			if bk, err = c.source(ns, true); err == nil {
				err = bk.Put(k, v)
			}
		case opDedupeDelete:
			if bk, err = c.source(ns, false); err == nil && bk != nil {
				err = bk.Delete(k)
			}
		case opDropDedupe:
			c.srcName, c.src = "", nil
			err = deleteBucket(c.dedupe, ns)
		case opMetaPut, opMetaDelete:
			if meta == nil {
				meta = tx.Bucket(bucketMeta)
			}
			if o.kind == opMetaPut {
				err = meta.Put(k, v)
			} else {
				err = meta.Delete(k)
			}
		case opCounter:
			if counters == nil {
				counters = tx.Bucket(bucketCounters)
			}
			err = counters.Put(k, binary.BigEndian.AppendUint64(s.take(8)[:0], getU64(counters, k)+binary.BigEndian.Uint64(v)))
		case opEnqueue:
			obChanged = true
			err = s.enqueue(outbox, o.prio, v, now, ob, b)
		case opDeadLetter:
			if ring == nil {
				d := tx.Bucket(bucketDeadLetters)
				ring, reasons = d.Bucket(subRing), d.Bucket(subReasons)
				ring.FillPercent = 1
			}
			dlChanged = true
			err = s.addDeadLetter(ring, reasons, v, now, dl)
		}
		if err != nil {
			return fmt.Errorf("store %s: %w", s.opts.Path, err)
		}
	}
	if s.opts.Outbox.Policy == DropOldest && s.opts.Outbox.QuotaBytes > 0 && int64(ob.totalBytes()) > s.opts.Outbox.QuotaBytes {
		if err := s.dropOldest(outbox, ob, b); err != nil {
			return err
		}
	}
	if obChanged {
		if err := outbox.Put(keyStats, appendCounters(s.take(64)[:0], ob.fields())); err != nil {
			return err
		}
	}
	if dlChanged {
		if err := tx.Bucket(bucketDeadLetters).Put(keyStats, appendCounters(s.take(32)[:0], dl.fields())); err != nil {
			return err
		}
	}
	return nil
}

// Outbox entry value: version, enqueue time (Unix ns, big-endian), payload.
const (
	outboxV1     = 1
	outboxHeader = 9
)

func seqKey(dst []byte, seq uint64) []byte { return binary.BigEndian.AppendUint64(dst[:0], seq) }

func (s *Store) enqueue(outbox *bolt.Bucket, p Priority, payload []byte, now time.Time, ob *outboxCounters, b *Batch) error {
	pb := outbox.Bucket(priorityNames[p])
	pb.FillPercent = 1 // append-only keys: full pages
	seq, err := pb.NextSequence()
	if err != nil {
		return err
	}
	v := s.take(outboxHeader + len(payload))
	v[0] = outboxV1
	binary.BigEndian.PutUint64(v[1:], uint64(now.UnixNano()))
	copy(v[outboxHeader:], payload)
	if err := pb.Put(seqKey(s.take(8), seq), v); err != nil {
		return err
	}
	ob.count[p]++
	ob.bytes[p] += uint64(len(payload))
	b.enqueued = append(b.enqueued, EntryID{Priority: p, Seq: seq})
	return nil
}

func entryTime(v []byte) (int64, error) {
	if len(v) < outboxHeader || v[0] != outboxV1 {
		return 0, fmt.Errorf("%w: outbox entry of %d bytes", ErrCorrupt, len(v))
	}
	return int64(binary.BigEndian.Uint64(v[1:])), nil
}

// expire deletes the entries older than the TTL, oldest first.
func (s *Store) expire(outbox *bolt.Bucket, ob *outboxCounters, now time.Time, n *int) (bool, error) {
	if s.opts.Outbox.TTL == 0 {
		return false, nil
	}
	cutoff := now.Add(-s.opts.Outbox.TTL).UnixNano()
	changed := false
	for p := range NumPriorities {
		c := outbox.Bucket(priorityNames[p]).Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			t, err := entryTime(v)
			if err != nil {
				return changed, err
			}
			if t >= cutoff {
				break
			}
			size := uint64(len(v) - outboxHeader)
			if err := c.Delete(); err != nil {
				return changed, err
			}
			changed = true
			ob.count[p]--
			ob.bytes[p] -= size
			ob.expiredTTL++
			ob.expiredTTLBytes += size
			*n++
		}
	}
	return changed, nil
}

// dropOldest deletes the oldest entries of the lowest priority first until
// the outbox fits its quota.
func (s *Store) dropOldest(outbox *bolt.Bucket, ob *outboxCounters, b *Batch) error {
	q := uint64(s.opts.Outbox.QuotaBytes)
	for p := range NumPriorities {
		c := outbox.Bucket(priorityNames[p]).Cursor()
		for k, v := c.First(); k != nil && ob.totalBytes() > q; k, v = c.First() {
			if _, err := entryTime(v); err != nil {
				return err
			}
			size := uint64(len(v) - outboxHeader)
			seq := binary.BigEndian.Uint64(k)
			if err := c.Delete(); err != nil {
				return err
			}
			ob.count[p]--
			ob.bytes[p] -= size
			ob.droppedOldest++
			ob.droppedOldestByte += size
			b.dropped = append(b.dropped, EntryID{Priority: Priority(p), Seq: seq})
		}
	}
	return nil
}

// addDeadLetter appends one record and evicts the oldest beyond the bound.
func (s *Store) addDeadLetter(ring, reasons *bolt.Bucket, rec []byte, now time.Time, dl *dlCounters) error {
	if binary.BigEndian.Uint64(rec[1:]) == 0 {
		binary.BigEndian.PutUint64(rec[1:], uint64(now.UnixNano()))
	}
	seq, err := ring.NextSequence()
	if err != nil {
		return err
	}
	if err := ring.Put(seqKey(s.take(8), seq), rec); err != nil {
		return err
	}
	d, err := parseDeadLetter(rec)
	if err != nil {
		return err
	}
	r := d.reason
	if err := reasons.Put(r, binary.BigEndian.AppendUint64(s.take(8)[:0], getU64(reasons, r)+1)); err != nil {
		return err
	}
	dl.count++
	dl.total++
	c := ring.Cursor()
	for k, _ := c.First(); k != nil && dl.count > uint64(s.opts.DeadLetters.MaxEntries); k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
		dl.count--
		dl.evicted++
	}
	return nil
}
