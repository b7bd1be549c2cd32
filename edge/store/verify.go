package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Verify checks the file: bbolt's own page consistency check, the outbox
// counters against the entries, every outbox entry and dead letter against
// its format, and the dead-letter count against the ring. It reads the whole
// file; run it at start-up after a crash, or in tests.
func (s *Store) Verify() error {
	s.mu.Lock()
	ob, dl := s.ob, s.dl
	s.mu.Unlock()
	return s.view(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() { // drain it all: its goroutine reads the tx
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		}
		outbox := tx.Bucket(bucketOutbox)
		for p := range NumPriorities {
			var n, bytes uint64
			err := outbox.Bucket(priorityNames[p]).ForEach(func(k, v []byte) error {
				if _, err := entryTime(v); err != nil || len(k) != 8 {
					return fmt.Errorf("%w: outbox entry %x", ErrCorrupt, k)
				}
				n++
				bytes += uint64(len(v) - outboxHeader)
				return nil
			})
			if err != nil {
				errs = append(errs, err)
			}
			if n != ob.count[p] || bytes != ob.bytes[p] {
				errs = append(errs, fmt.Errorf("%w: outbox priority %d holds %d entries of %d bytes, counters say %d of %d",
					ErrCorrupt, p, n, bytes, ob.count[p], ob.bytes[p]))
			}
		}
		var n uint64
		err := tx.Bucket(bucketDeadLetters).Bucket(subRing).ForEach(func(k, v []byte) error {
			n++
			if _, err := parseDeadLetter(v); err != nil {
				return fmt.Errorf("dead letter %x: %w", k, err)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		var ov overlay
		err = eachRecord(tx, func(k, v []byte) error {
			if err := ov.apply(v); err != nil {
				return fmt.Errorf("log record %x: %w", k, err)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		if n != dl.count {
			errs = append(errs, fmt.Errorf("%w: %d dead letters, counter says %d", ErrCorrupt, n, dl.count))
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("store %s: verify: %w", s.opts.Path, err)
		}
		return nil
	})
}
