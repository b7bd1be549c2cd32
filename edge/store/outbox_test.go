package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestOutboxFIFOAndPriorities(t *testing.T) {
	s := open(t, Options{})
	commit(t, s, func(b *Batch) { b.Enqueue(Routine, []byte("r1")); b.Enqueue(Routine, []byte("r2")) })
	commit(t, s, func(b *Batch) { b.Enqueue(Alert, []byte("a1")); b.Enqueue(Routine, []byte("r3")) })
	commit(t, s, func(b *Batch) { b.Enqueue(Alert, []byte("a2")) })
	f := func(maxEntries int, maxBytes int64, want string) {
		t.Helper()
		es, err := s.Peek(maxEntries, maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if got := payloads(es); got != want {
			t.Fatalf("Peek(%d, %d) = %q, want %q", maxEntries, maxBytes, got, want)
		}
	}
	f(10, 1000, "1/1:a1 1/2:a2 0/1:r1 0/2:r2 0/3:r3")
	f(3, 1000, "1/1:a1 1/2:a2 0/1:r1")
	f(10, 5, "1/1:a1 1/2:a2")
	f(10, 1, "1/1:a1") // at least one, even if larger than maxBytes
	f(0, 1000, "")
	if err := s.Ack(EntryID{Alert, 1}, EntryID{Routine, 2}); err != nil {
		t.Fatal(err)
	}
	f(10, 1000, "1/2:a2 0/1:r1 0/3:r3")
	if err := s.Ack(EntryID{Alert, 1}, EntryID{Routine, 99}); err != nil { // repeated and unknown: ignored
		t.Fatal(err)
	}
	st, err := s.OutboxStats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Depth != [NumPriorities]uint64{2, 1} || st.Bytes != [NumPriorities]uint64{4, 2} || st.TotalDepth() != 3 {
		t.Fatalf("stats %+v", st)
	}
	s = reopen(t, s)
	mustVerify(t, s)
	es := peekAll(t, s)
	if got := payloads(es); got != "1/2:a2 0/1:r1 0/3:r3" {
		t.Fatalf("after reopen %q", got)
	}
	// Sequence numbers are never reused, also after reopen.
	b := commit(t, s, func(b *Batch) { b.Enqueue(Routine, []byte("r4")) })
	if b.Enqueued()[0] != (EntryID{Routine, 4}) {
		t.Fatalf("id %v", b.Enqueued())
	}
	ids := []EntryID{}
	for _, e := range peekAll(t, s) {
		ids = append(ids, e.ID)
	}
	if err := s.Ack(ids...); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.OutboxStats(); st.TotalDepth() != 0 || st.TotalBytes() != 0 || st.OldestAge != 0 {
		t.Fatalf("not empty: %+v", st)
	}
	mustVerify(t, s)
}

func TestOutboxOldestAge(t *testing.T) {
	clk := newClock()
	s := open(t, Options{Now: clk.Now})
	commit(t, s, func(b *Batch) { b.Enqueue(Routine, []byte("x")) })
	clk.Add(time.Minute)
	commit(t, s, func(b *Batch) { b.Enqueue(Alert, []byte("y")) })
	clk.Add(time.Minute)
	if st, _ := s.OutboxStats(); st.OldestAge != 2*time.Minute {
		t.Fatalf("oldest age %v", st.OldestAge)
	}
}

// entry makes a 10-byte payload named n.
func entry(n string) []byte { return []byte(fmt.Sprintf("%-10s", n)) }

func TestDropOldest(t *testing.T) {
	s := open(t, Options{Outbox: OutboxOptions{QuotaBytes: 40, Policy: DropOldest}})
	f := func(fill func(b *Batch), wantDropped, wantLeft string) {
		t.Helper()
		b := commit(t, s, fill)
		var d []string
		for _, id := range b.Dropped() {
			d = append(d, fmt.Sprintf("%d/%d", id.Priority, id.Seq))
		}
		if got := strings.Join(d, " "); got != wantDropped {
			t.Fatalf("dropped %q, want %q", got, wantDropped)
		}
		var left []string
		for _, e := range peekAll(t, s) {
			left = append(left, strings.TrimSpace(string(e.Payload)))
		}
		if got := strings.Join(left, " "); got != wantLeft {
			t.Fatalf("left %q, want %q", got, wantLeft)
		}
	}
	f(func(b *Batch) {
		b.Enqueue(Routine, entry("r1"))
		b.Enqueue(Routine, entry("r2"))
		b.Enqueue(Routine, entry("r3"))
	}, "", "r1 r2 r3")
	f(func(b *Batch) { b.Enqueue(Alert, entry("a1")) }, "", "a1 r1 r2 r3")
	f(func(b *Batch) { b.Enqueue(Alert, entry("a2")) }, "0/1", "a1 a2 r2 r3")
	f(func(b *Batch) { b.Enqueue(Routine, entry("r4")); b.Enqueue(Alert, entry("a3")) }, "0/2 0/3", "a1 a2 a3 r4")
	// Only alerts and the batch's own routine entry left to drop: routine first.
	f(func(b *Batch) { b.Enqueue(Alert, entry("a4")); b.Enqueue(Alert, entry("a5")) }, "0/4 1/1", "a2 a3 a4 a5")
	f(func(b *Batch) { b.Put("p", []byte("k"), []byte("v")) }, "", "a2 a3 a4 a5") // no outbox change, no drop
	st, _ := s.OutboxStats()
	if st.DroppedOldest != 5 || st.DroppedOldestBytes != 50 || st.TotalBytes() != 40 {
		t.Fatalf("stats %+v", st)
	}
	s = reopen(t, s)
	if st, _ := s.OutboxStats(); st.DroppedOldest != 5 || st.TotalDepth() != 4 {
		t.Fatalf("after reopen %+v", st)
	}
	mustVerify(t, s)
}

func TestBackpressure(t *testing.T) {
	s := open(t, Options{Outbox: OutboxOptions{QuotaBytes: 40, Policy: Backpressure}})
	commit(t, s, func(b *Batch) {
		b.Enqueue(Routine, entry("r1"))
		b.Enqueue(Routine, entry("r2"))
		b.Enqueue(Alert, entry("a1"))
	})
	b := s.NewBatch()
	b.Put("p", []byte("k"), []byte("v"))
	b.AddCounter("events_in", 7)
	b.PutMeta("m", []byte("x"))
	b.AddDeadLetter(DeadLetter{Reason: "r", Topic: "t"})
	b.Enqueue(Routine, entry("r3"))
	b.Enqueue(Routine, entry("r4"))
	err := s.Commit(b)
	if !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("commit: %v", err)
	}
	// Nothing of the batch was written.
	if len(state(t, s, "p")) != 0 {
		t.Fatal("state written")
	}
	if n, _ := s.Counter("events_in"); n != 0 {
		t.Fatal("counter written")
	}
	if m, _ := s.Meta("m"); m != nil {
		t.Fatal("meta written")
	}
	if dl, _ := s.DeadLetters(5); len(dl) != 0 {
		t.Fatal("dead letter written")
	}
	if got := len(peekAll(t, s)); got != 3 {
		t.Fatalf("outbox depth %d", got)
	}
	// A batch without outbox entries still commits: state keeps moving.
	commit(t, s, func(b *Batch) { b.Put("q", []byte("k"), []byte("v")) })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.WaitOutboxSpace(ctx, b.OutboxBytes()); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with no space: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.WaitOutboxSpace(context.Background(), b.OutboxBytes()) }()
	if err := s.Ack(EntryID{Routine, 1}); err != nil { // 10 free: still not enough for 20
		t.Fatal(err)
	}
	if err := s.Ack(EntryID{Routine, 2}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitOutboxSpace did not return after the acks")
	}
	if err := s.Commit(b); err != nil { // the same batch, again
		t.Fatal(err)
	}
	if n, _ := s.Counter("events_in"); n != 7 {
		t.Fatalf("counter %d", n)
	}
	if got := len(peekAll(t, s)); got != 3 {
		t.Fatalf("outbox depth %d", got)
	}
	big := s.NewBatch()
	big.Enqueue(Routine, make([]byte, 41))
	if err := s.Commit(big); !errors.Is(err, ErrEntryTooLarge) {
		t.Fatalf("entry larger than quota: %v", err)
	}
	mustVerify(t, s)
}

func TestTTL(t *testing.T) {
	for _, policy := range []Policy{Backpressure, DropOldest} {
		clk := newClock()
		s := open(t, Options{Now: clk.Now, Outbox: OutboxOptions{TTL: time.Minute, QuotaBytes: 30, Policy: policy}})
		commit(t, s, func(b *Batch) { b.Enqueue(Routine, entry("old")); b.Enqueue(Alert, entry("oldalert")) })
		clk.Add(30 * time.Second)
		commit(t, s, func(b *Batch) { b.Enqueue(Routine, entry("young")) })
		clk.Add(30 * time.Second)
		if got := len(peekAll(t, s)); got != 3 { // exactly at the TTL: kept
			t.Fatalf("%v: %d entries at the TTL", policy, got)
		}
		clk.Add(time.Millisecond)
		es := peekAll(t, s)
		if len(es) != 1 || strings.TrimSpace(string(es[0].Payload)) != "young" {
			t.Fatalf("%v: after the TTL: %s", policy, payloads(es))
		}
		st, _ := s.OutboxStats()
		if st.ExpiredTTL != 2 || st.ExpiredTTLBytes != 20 || st.TotalDepth() != 1 {
			t.Fatalf("%v: stats %+v", policy, st)
		}
		// Expiry on commit frees quota before the quota check.
		clk.Add(time.Minute)
		b := commit(t, s, func(b *Batch) {
			b.Enqueue(Routine, entry("n1"))
			b.Enqueue(Routine, entry("n2"))
			b.Enqueue(Routine, entry("n3"))
		})
		if b.Expired() != 1 || len(b.Dropped()) != 0 {
			t.Fatalf("%v: expired %d dropped %v", policy, b.Expired(), b.Dropped())
		}
		mustVerify(t, s)
	}
}
