package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is an injected, manually advanced clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// open opens a store in a fresh temporary directory (or at opts.Path) and
// closes it when the test ends.
func open(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "agent.db")
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// reopen closes s and opens its file again with the same options.
func reopen(t testing.TB, s *Store) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return open(t, s.opts)
}

func commit(t testing.TB, s *Store, fill func(b *Batch)) *Batch {
	t.Helper()
	b := s.NewBatch()
	fill(b)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func state(t testing.TB, s *Store, pipeline string) map[string]string {
	t.Helper()
	m := map[string]string{}
	if err := s.LoadPipeline(pipeline, func(k, v []byte) error { m[string(k)] = string(v); return nil }); err != nil {
		t.Fatal(err)
	}
	return m
}

func peekAll(t testing.TB, s *Store) []Entry {
	t.Helper()
	e, err := s.Peek(1<<30, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// payloads renders entries as "p/seq:payload" for comparisons.
func payloads(es []Entry) string {
	var b bytes.Buffer
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d/%d:%s", e.ID.Priority, e.ID.Seq, e.Payload)
	}
	return b.String()
}

func mustVerify(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}
