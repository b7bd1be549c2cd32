package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Entry is one outbox entry returned by Peek.
type Entry struct {
	ID       EntryID
	Enqueued time.Time
	Payload  []byte // a copy; it belongs to the caller
}

// Peek returns up to maxEntries entries, highest priority first and FIFO
// within a priority, stopping before maxBytes of payload (but always
// returning at least one entry if any exists, however large). It does not
// remove them: the forwarder sends them, and Acks them once Kafka has
// acknowledged; until then a Peek returns the same entries again. With a
// TTL, entries past it are first deleted and counted (a write transaction,
// only when some are due).
func (s *Store) Peek(maxEntries int, maxBytes int64) ([]Entry, error) {
	if err := s.expireDue(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	pending, depth := int64(s.ob.totalBytes()), int64(0)
	for _, c := range s.ob.count {
		depth += int64(c)
	}
	s.mu.Unlock()
	// Size the payload buffer from the average entry, to allocate once.
	want := pending
	if depth > 0 {
		want = min(pending, maxBytes, int64(maxEntries)*(pending/depth+1))
	}
	var out []Entry
	err := s.view(func(tx *bolt.Tx) error {
		outbox := tx.Bucket(bucketOutbox)
		// One buffer for all payloads: one allocation instead of one per entry.
		var buf []byte
		var total int64
		for p := NumPriorities - 1; p >= 0; p-- {
			c := outbox.Bucket(priorityNames[p]).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(out) >= maxEntries {
					return nil
				}
				t, err := entryTime(v)
				if err != nil {
					return fmt.Errorf("store %s: priority %d seq %x: %w", s.opts.Path, p, k, err)
				}
				size := int64(len(v) - outboxHeader)
				if len(out) > 0 && total+size > maxBytes {
					return nil
				}
				total += size
				if buf == nil {
					buf = make([]byte, 0, max(want, size))
				}
				start := len(buf)
				buf = append(buf, v[outboxHeader:]...)
				out = append(out, Entry{
					ID:       EntryID{Priority: Priority(p), Seq: binary.BigEndian.Uint64(k)},
					Enqueued: time.Unix(0, t),
					Payload:  buf[start:len(buf):len(buf)],
				})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// expireDue deletes entries past the TTL if the oldest of some priority is.
func (s *Store) expireDue() error {
	if s.opts.Outbox.TTL == 0 {
		return nil
	}
	due := false
	cutoff := s.opts.Now().Add(-s.opts.Outbox.TTL).UnixNano()
	err := s.view(func(tx *bolt.Tx) error {
		outbox := tx.Bucket(bucketOutbox)
		for p := range NumPriorities {
			if _, v := outbox.Bucket(priorityNames[p]).Cursor().First(); v != nil {
				t, err := entryTime(v)
				if err != nil {
					return err
				}
				due = due || t < cutoff
			}
		}
		return nil
	})
	if err != nil || !due {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ob := s.ob
	var n int
	err = s.update(func(tx *bolt.Tx) error {
		outbox := tx.Bucket(bucketOutbox)
		if _, err := s.expire(outbox, &ob, s.opts.Now(), &n); err != nil {
			return err
		}
		return outbox.Put(keyStats, appendCounters(s.take(64)[:0], ob.fields()))
	})
	if err != nil {
		return err
	}
	s.publish(ob, s.dl)
	return nil
}

// Ack deletes entries in one transaction, once Kafka acknowledged them. Ids
// no longer present (dropped by the quota or the TTL meanwhile, or acked
// before) are ignored, so an Ack may be repeated.
func (s *Store) Ack(ids ...EntryID) error {
	if len(ids) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ob := s.ob
	err := s.update(func(tx *bolt.Tx) error {
		outbox := tx.Bucket(bucketOutbox)
		var pbs [NumPriorities]*bolt.Bucket
		changed := false
		for _, id := range ids {
			if id.Priority >= NumPriorities {
				return fmt.Errorf("%w: ack of priority %d", ErrInvalid, id.Priority)
			}
			pb := pbs[id.Priority]
			if pb == nil {
				pb = outbox.Bucket(priorityNames[id.Priority])
				pbs[id.Priority] = pb
			}
			k := seqKey(s.take(8), id.Seq)
			v := pb.Get(k)
			if v == nil {
				continue
			}
			size := uint64(len(v) - outboxHeader)
			if err := pb.Delete(k); err != nil {
				return fmt.Errorf("store %s: %w", s.opts.Path, err)
			}
			ob.count[id.Priority]--
			ob.bytes[id.Priority] -= size
			changed = true
		}
		if !changed {
			return nil
		}
		return outbox.Put(keyStats, appendCounters(s.take(64)[:0], ob.fields()))
	})
	if err != nil {
		return err
	}
	s.publish(ob, s.dl)
	return nil
}

// OutboxStats returns depth, bytes and the persisted counters.
func (s *Store) OutboxStats() (OutboxStats, error) {
	s.mu.Lock()
	ob := s.ob
	s.mu.Unlock()
	st := OutboxStats{
		Depth: ob.count, Bytes: ob.bytes, QuotaBytes: s.opts.Outbox.QuotaBytes, Policy: s.opts.Outbox.Policy,
		DroppedOldest: ob.droppedOldest, DroppedOldestBytes: ob.droppedOldestByte,
		ExpiredTTL: ob.expiredTTL, ExpiredTTLBytes: ob.expiredTTLBytes,
	}
	oldest := int64(0)
	err := s.view(func(tx *bolt.Tx) error {
		outbox := tx.Bucket(bucketOutbox)
		for p := range NumPriorities {
			if _, v := outbox.Bucket(priorityNames[p]).Cursor().First(); v != nil {
				t, err := entryTime(v)
				if err != nil {
					return err
				}
				if oldest == 0 || t < oldest {
					oldest = t
				}
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	if oldest != 0 {
		st.OldestAge = max(0, s.opts.Now().Sub(time.Unix(0, oldest)))
	}
	return st, nil
}

// WaitOutboxSpace blocks until the outbox has room for need more payload
// bytes under its quota, the context ends, or the store closes. It returns
// at once without a quota or with the drop_oldest policy. Use it after
// ErrOutboxFull, then Commit the same batch again. Space appears when the
// forwarder Acks, or when a Peek or Commit expires entries (TTL).
func (s *Store) WaitOutboxSpace(ctx context.Context, need int64) error {
	q := s.opts.Outbox.QuotaBytes
	if q == 0 || s.opts.Outbox.Policy != Backpressure {
		return nil
	}
	if need > q {
		return fmt.Errorf("%w: %d bytes, quota %d bytes", ErrEntryTooLarge, need, q)
	}
	for {
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			return ErrClosed
		}
		if int64(s.ob.totalBytes())+need <= q {
			s.mu.Unlock()
			return nil
		}
		if s.space == nil {
			s.space = make(chan struct{})
		}
		ch := s.space
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
