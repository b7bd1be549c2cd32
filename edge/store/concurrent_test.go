package store

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestForwarderConcurrentWithCommits runs a forwarder (Peek, Ack) against a
// committing batch loop: every entry is delivered once in order per priority
// and the outbox ends empty and consistent.
func TestForwarderConcurrentWithCommits(t *testing.T) {
	s := open(t, Options{})
	const batches = 200
	done := make(chan struct{})
	var got [NumPriorities][]int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		finished := false
		for {
			es, err := s.Peek(7, 1<<20)
			if err != nil {
				t.Error(err)
				return
			}
			if len(es) == 0 {
				if finished {
					return
				}
				select {
				case <-done:
					finished = true
				default:
				}
				continue
			}
			ids := make([]EntryID, len(es))
			for i, e := range es {
				ids[i] = e.ID
				n, _ := strconv.Atoi(strings.TrimSpace(string(e.Payload)))
				got[e.ID.Priority] = append(got[e.ID.Priority], n)
			}
			if err := s.Ack(ids...); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	b := s.NewBatch()
	for i := range batches {
		b.Reset()
		b.Put("p", []byte("k"), []byte(strconv.Itoa(i)))
		b.Enqueue(Priority(i%2), []byte(strconv.Itoa(i)))
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	for p := range NumPriorities {
		if len(got[p]) != batches/2 {
			t.Fatalf("priority %d: %d entries delivered, want %d", p, len(got[p]), batches/2)
		}
		for i, n := range got[p] {
			if n != 2*i+p {
				t.Fatalf("priority %d: entry %d is batch %d, want %d", p, i, n, 2*i+p)
			}
		}
	}
	if st, _ := s.OutboxStats(); st.TotalDepth() != 0 {
		t.Fatalf("depth %d", st.TotalDepth())
	}
	mustVerify(t, s)
}
