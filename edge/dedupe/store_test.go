package dedupe_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/eddy-iot/eddy/edge/dedupe"
	"github.com/eddy-iot/eddy/edge/store"
)

// TestPersistThroughStore commits the dirty devices through edge/store,
// reopens the file, loads a new tracker and gets the same verdicts as the
// tracker that never stopped.
func TestPersistThroughStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.db")
	s, err := store.Open(store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := dedupe.NewTracker(dedupe.Config{})
	ref, _ := dedupe.NewTracker(dedupe.Config{})
	b := s.NewBatch()
	for seq := uint64(0); seq < 3000; seq += 1 + seq%3 {
		for _, d := range []string{"a", "b", "c"} {
			tr.Observe(d, 0, seq)
			ref.Observe(d, 0, seq)
		}
		if seq%100 == 0 {
			b.Reset()
			tr.EachDirty(func(d string, st []byte) { b.PutDedupe("sensors", d, st) })
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
			tr.ClearDirty()
		}
	}
	b.Reset()
	tr.EachDirty(func(d string, st []byte) { b.PutDedupe("sensors", d, st) })
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = store.Open(store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	restored, _ := dedupe.NewTracker(dedupe.Config{})
	err = s.LoadDedupe("sensors", func(d, st []byte) error { return restored.Load(string(d), st) })
	if err != nil {
		t.Fatal(err)
	}
	if restored.Devices() != 3 {
		t.Fatalf("%d devices", restored.Devices())
	}
	for _, d := range []string{"a", "b", "c"} {
		x, _ := restored.AppendState(nil, d)
		y, _ := ref.AppendState(nil, d)
		if !bytes.Equal(x, y) {
			t.Fatalf("%s: restored %x, uninterrupted %x", d, x, y)
		}
	}
	for seq := uint64(1900); seq < 3100; seq++ {
		if g, w := restored.Observe("b", 0, seq), ref.Observe("b", 0, seq); g != w {
			t.Fatalf("seq %d: restored %v, uninterrupted %v", seq, g, w)
		}
	}
}
