package store

import (
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The Load functions call fn for each key in key order inside one read
// transaction. k and v point into the file's memory map and are valid only
// during the call: fn must copy what it keeps (bbolt's rule). An error from
// fn stops the iteration and is returned as is.

// LoadPipeline calls fn for each window-state key of pipeline; nothing if
// the pipeline has no state.
func (s *Store) LoadPipeline(pipeline string, fn func(k, v []byte) error) error {
	s.ovMu.RLock()
	defer s.ovMu.RUnlock()
	return s.view(func(tx *bolt.Tx) error {
		return s.ov.merge(nsKey{false, pipeline}, nested(tx, bucketPipelines, []byte(pipeline), subState), fn)
	})
}

// LoadPipelineMeta calls fn for each metadata key of pipeline.
func (s *Store) LoadPipelineMeta(pipeline string, fn func(k, v []byte) error) error {
	return s.view(func(tx *bolt.Tx) error {
		if bk := nested(tx, bucketPipelines, []byte(pipeline), subMeta); bk != nil {
			return bk.ForEach(fn)
		}
		return nil
	})
}

// PipelineMeta returns a copy of one metadata value of pipeline, nil if
// absent.
func (s *Store) PipelineMeta(pipeline, key string) ([]byte, error) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		if bk := nested(tx, bucketPipelines, []byte(pipeline), subMeta); bk != nil {
			out = clone(bk.Get([]byte(key)))
		}
		return nil
	})
	return out, err
}

// Pipelines lists the pipelines that have state or metadata, so the agent
// can drop those no longer configured.
func (s *Store) Pipelines() ([]string, error) { return s.names(bucketPipelines, false) }

// DedupeSources lists the sources that have dedupe state.
func (s *Store) DedupeSources() ([]string, error) { return s.names(bucketDedupe, true) }

// LoadDedupe calls fn for each device of source with its encoded state.
func (s *Store) LoadDedupe(source string, fn func(device, state []byte) error) error {
	s.ovMu.RLock()
	defer s.ovMu.RUnlock()
	return s.view(func(tx *bolt.Tx) error {
		return s.ov.merge(nsKey{true, source}, nested(tx, bucketDedupe, []byte(source)), fn)
	})
}

// Meta returns a copy of an agent-wide metadata value, nil if absent.
func (s *Store) Meta(key string) ([]byte, error) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		out = clone(tx.Bucket(bucketMeta).Get([]byte(key)))
		return nil
	})
	return out, err
}

// Counter returns a persisted counter (0 if never added to).
func (s *Store) Counter(name string) (uint64, error) {
	var n uint64
	err := s.view(func(tx *bolt.Tx) error {
		n = getU64(tx.Bucket(bucketCounters), []byte(name))
		return nil
	})
	return n, err
}

// Counters returns every persisted counter.
func (s *Store) Counters() (map[string]uint64, error) {
	out := map[string]uint64{}
	err := s.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketCounters)
		return bk.ForEach(func(k, _ []byte) error {
			out[string(k)] = getU64(bk, k)
			return nil
		})
	})
	return out, err
}

// DeadLetters returns up to n dead letters, newest first.
func (s *Store) DeadLetters(n int) ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDeadLetters).Bucket(subRing).Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			d, err := decodeDeadLetter(v)
			if err != nil {
				return fmt.Errorf("store %s: dead letter %x: %w", s.opts.Path, k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// DeadLetterStats returns the ring's size and persisted counters.
func (s *Store) DeadLetterStats() (DeadLetterStats, error) {
	s.mu.Lock()
	dl := s.dl
	s.mu.Unlock()
	st := DeadLetterStats{Count: int(dl.count), Max: s.opts.DeadLetters.MaxEntries, Total: dl.total, Evicted: dl.evicted, ByReason: map[string]uint64{}}
	err := s.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketDeadLetters).Bucket(subReasons)
		return bk.ForEach(func(k, _ []byte) error {
			st.ByReason[string(k)] = getU64(bk, k)
			return nil
		})
	})
	return st, err
}

// names lists the buckets under root and those that only the log has yet.
func (s *Store) names(root []byte, dedupe bool) ([]string, error) {
	s.ovMu.RLock()
	defer s.ovMu.RUnlock()
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(root).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	for _, n := range s.ov.bucketNames(dedupe) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, err
}

// nested walks root/names..., nil if any is missing.
func nested(tx *bolt.Tx, root []byte, names ...[]byte) *bolt.Bucket {
	bk := tx.Bucket(root)
	for _, n := range names {
		if bk == nil || len(n) == 0 {
			return nil
		}
		bk = bk.Bucket(n)
	}
	return bk
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
