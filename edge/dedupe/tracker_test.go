package dedupe

import (
	"errors"
	"testing"
)

// step is one event and the verdict expected for it.
type step struct {
	epoch, seq uint64
	want       Verdict
}

func TestObserve(t *testing.T) {
	f := func(name string, cfg Config, steps ...step) {
		t.Helper()
		tr, err := NewTracker(cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, s := range steps {
			if got := tr.Observe("d", s.epoch, s.seq); got != s.want {
				t.Fatalf("%s: step %d (epoch %d seq %d): got %v, want %v", name, k, s.epoch, s.seq, got, s.want)
			}
		}
	}
	w := Config{Window: 64, ResetThreshold: 1000}
	f("in order", w, step{0, 0, New}, step{0, 1, New}, step{0, 2, New}, step{0, 2, Duplicate})
	f("first seq is anything", w, step{0, 500, New}, step{0, 499, New}, step{0, 500, Duplicate}, step{0, 499, Duplicate})
	f("reordered within window", w, step{0, 10, New}, step{0, 5, New}, step{0, 7, New}, step{0, 5, Duplicate},
		step{0, 6, New}, step{0, 10, Duplicate}, step{0, 8, New}, step{0, 9, New}, step{0, 9, Duplicate})
	f("gap then fill", w, step{0, 1, New}, step{0, 60, New}, step{0, 30, New}, step{0, 2, New}, step{0, 30, Duplicate})
	f("edge of window", w, step{0, 100, New}, step{0, 37, New}, step{0, 36, TooOld}, step{0, 37, Duplicate})
	f("slide clears reused bits", w, step{0, 0, New}, step{0, 64, New}, step{0, 0, TooOld}, step{0, 1, New},
		step{0, 65, New}, step{0, 1, TooOld}, step{0, 64, Duplicate}, step{0, 2, New}, step{0, 2, Duplicate})
	// seq 3 was seen; after sliding to 66 its ring slot is reused by 67.
	f("slot reuse", w, step{0, 3, New}, step{0, 66, New}, step{0, 67, New}, step{0, 3, TooOld}, step{0, 67, Duplicate},
		step{0, 4, New}, step{0, 4, Duplicate}, step{0, 10, New}, step{0, 10, Duplicate})
	f("stale bit cleared on slide", w, step{0, 5, New}, step{0, 60, New}, step{0, 100, New}, step{0, 69, New},
		step{0, 69, Duplicate}, step{0, 60, Duplicate})
	f("jump far ahead", w, step{0, 1, New}, step{0, 2, New}, step{0, 1_000_000, New}, step{0, 999_999, New},
		step{0, 1_000_000, Duplicate}, step{0, 2, Restarted})
	f("too old accepted", Config{Window: 64, ResetThreshold: 1000, AcceptTooOld: true},
		step{0, 200, New}, step{0, 100, TooOldAccepted}, step{0, 100, TooOldAccepted}, step{0, 150, New})
	f("restart by threshold", w, step{0, 5000, New}, step{0, 4001, TooOld}, step{0, 4000, Restarted},
		step{0, 0, Restarted}, step{0, 1, New}, step{0, 0, Duplicate}, step{0, 5000, New})
	f("restart disabled", Config{Window: 64, ResetThreshold: NoReset}, step{0, 5000, New}, step{0, 0, TooOld})
	f("restart within window is a duplicate (documented trade-off)", w,
		step{0, 0, New}, step{0, 1, New}, step{0, 2, New}, step{0, 0, Duplicate})
	f("epoch", w, step{1, 500, New}, step{2, 0, Restarted}, step{2, 1, New}, step{1, 501, TooOld},
		step{2, 0, Duplicate}, step{3, 0, Restarted}, step{3, 1, New})
	f("epoch from none", w, step{0, 500, New}, step{7, 0, Restarted}, step{0, 501, TooOld})
	f("max seq", w, step{0, ^uint64(0) - 1, New}, step{0, ^uint64(0), New}, step{0, ^uint64(0), Duplicate},
		step{0, ^uint64(0) - 63, New}, step{0, ^uint64(0) - 64, TooOld})
}

func TestDevicesAreIndependent(t *testing.T) {
	tr, _ := NewTracker(Config{})
	if tr.Observe("a", 0, 1) != New || tr.Observe("b", 0, 1) != New || tr.Observe("a", 0, 1) != Duplicate {
		t.Fatal("devices share state")
	}
	if tr.Devices() != 2 || tr.Count(New) != 2 || tr.Count(Duplicate) != 1 {
		t.Fatalf("devices %d new %d dup %d", tr.Devices(), tr.Count(New), tr.Count(Duplicate))
	}
}

func TestConfig(t *testing.T) {
	f := func(cfg Config, ok bool) {
		t.Helper()
		_, err := NewTracker(cfg)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrConfig)) {
			t.Fatalf("%+v: err %v, want ok=%v", cfg, err, ok)
		}
	}
	f(Config{}, true)
	f(Config{Window: 64, ResetThreshold: 64}, true)
	f(Config{Window: 100}, false)
	f(Config{Window: 1 << 17}, false)
	f(Config{Window: 1024, ResetThreshold: 1000}, false)
}

func TestDirtySet(t *testing.T) {
	tr, _ := NewTracker(Config{})
	tr.Observe("a", 0, 1)
	tr.Observe("b", 0, 1)
	tr.Observe("a", 0, 2)
	tr.Observe("a", 0, 2) // duplicate: no change
	var got []string
	tr.EachDirty(func(d string, _ []byte) { got = append(got, d) })
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("dirty %v", got)
	}
	tr.ClearDirty()
	tr.Observe("b", 0, 1) // duplicate
	if tr.DirtyCount() != 0 {
		t.Fatalf("a duplicate made %d devices dirty", tr.DirtyCount())
	}
	tr.Observe("b", 0, 9)
	got = got[:0]
	tr.EachDirty(func(d string, _ []byte) { got = append(got, d) })
	if len(got) != 1 || got[0] != "b" {
		t.Fatalf("dirty %v", got)
	}
}

func TestEncodeSize(t *testing.T) {
	tr, _ := NewTracker(Config{})
	for s := uint64(0); s < 5000; s++ {
		tr.Observe("inorder", 0, s)
	}
	b, _ := tr.AppendState(nil, "inorder")
	if len(b) > 12 {
		t.Fatalf("in-order device encodes in %d bytes", len(b))
	}
	t.Logf("in-order device after 5000 events: %d bytes", len(b))
}

func TestLoadOtherWindow(t *testing.T) {
	big, _ := NewTracker(Config{Window: 256})
	for s := uint64(0); s < 300; s += 2 {
		big.Observe("d", 0, s)
	}
	st, _ := big.AppendState(nil, "d")
	small, _ := NewTracker(Config{Window: 64})
	if err := small.Load("d", st); err != nil {
		t.Fatal(err)
	}
	f := func(seq uint64, want Verdict) {
		t.Helper()
		if got := small.Observe("d", 0, seq); got != want {
			t.Fatalf("seq %d: %v, want %v", seq, got, want)
		}
	}
	f(298, Duplicate)
	f(236, Duplicate)
	f(237, New)
	f(234, TooOld)
}
