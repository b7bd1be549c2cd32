package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMaxSizeReached(t *testing.T) {
	const maxSize = 1 << 20
	s := open(t, Options{MaxSize: maxSize})
	value := make([]byte, 4096)
	fill := func(b *Batch, i int) {
		b.PutMeta("last", []byte(fmt.Sprint(i)))
		b.AddCounter("batches", 1)
		for k := range 20 {
			b.Put("p", []byte(fmt.Sprintf("%06d-%02d", i, k)), value)
		}
		b.Enqueue(Routine, []byte(fmt.Sprint(i)))
	}
	b := s.NewBatch()
	ok := 0
	var err error
	for i := 0; i < 1000; i++ {
		b.Reset()
		fill(b, i)
		if err = s.Commit(b); err != nil {
			break
		}
		ok++
	}
	if !errors.Is(err, ErrStoreFull) || !strings.Contains(err.Error(), s.Path()) {
		t.Fatalf("after %d batches: %v", ok, err)
	}
	t.Logf("%d batches of 80 KiB fit in 1 MiB; error: %v", ok, err)
	// Nothing of the failed batch, everything of the others.
	if v, _ := s.Meta("last"); string(v) != fmt.Sprint(ok-1) {
		t.Fatalf("meta last = %s, want %d", v, ok-1)
	}
	if n, _ := s.Counter("batches"); n != uint64(ok) {
		t.Fatalf("counter %d, want %d", n, ok)
	}
	if n := len(state(t, s, "p")); n != 20*ok {
		t.Fatalf("%d state keys, want %d", n, 20*ok)
	}
	if st, _ := s.OutboxStats(); st.TotalDepth() != uint64(ok) {
		t.Fatalf("outbox depth %d", st.TotalDepth())
	}
	si, err := s.Size()
	if err != nil {
		t.Fatal(err)
	}
	if si.FileBytes > maxSize || si.Used < 0.7 || si.Used > 1 {
		t.Fatalf("size %+v", si)
	}
	t.Logf("size when full: %+v", si)
	mustVerify(t, s)
	// The store keeps working: the forwarder can drain, state can be dropped,
	// and then the same batch fits.
	var ids []EntryID
	for _, e := range peekAll(t, s) {
		ids = append(ids, e.ID)
	}
	if err := s.Ack(ids...); err != nil {
		t.Fatalf("ack on a full store: %v", err)
	}
	commit(t, s, func(b *Batch) { b.DropPipeline("p") })
	if err := s.Commit(b); err != nil {
		t.Fatalf("the failed batch after freeing space: %v", err)
	}
	s = reopen(t, s)
	mustVerify(t, s)
	if n := len(state(t, s, "p")); n != 20 {
		t.Fatalf("%d state keys after reopen", n)
	}
}
