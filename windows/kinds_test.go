package windows

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTumblingAssign(t *testing.T) {
	f := func(k Tumbling, ts int64, want Window) {
		t.Helper()
		got := k.Assign(nil, ts)
		if len(got) != 1 || got[0] != want || !got[0].Contains(ts) {
			t.Fatalf("%v.Assign(%d) = %v, want %v", k, ts, got, want)
		}
	}
	f(Tumbling{Size: 10}, 0, Window{0, 10})
	f(Tumbling{Size: 10}, 9, Window{0, 10})
	f(Tumbling{Size: 10}, 10, Window{10, 20}) // on the boundary: the window starting there
	f(Tumbling{Size: 10}, -1, Window{-10, 0})
	f(Tumbling{Size: 10}, -10, Window{-10, 0})
	f(Tumbling{Size: 10}, -11, Window{-20, -10})
	f(Tumbling{Size: 10, Offset: 3}, 3, Window{3, 13})
	f(Tumbling{Size: 10, Offset: 3}, 2, Window{-7, 3})
	f(Tumbling{Size: 10, Offset: -3}, 7, Window{7, 17}) // -3 ≡ 7 (mod 10)
	f(Tumbling{Size: 10, Offset: -3}, 6, Window{-3, 7})
	f(Tumbling{Size: 10, Offset: 23}, 5, Window{3, 13})
	// Days are aligned to UTC midnight, no DST: 2026-03-29T01:30Z (a
	// European DST change) is in the day starting 2026-03-29T00:00Z.
	const day = 86_400_000
	f(Tumbling{Size: day}, 1774747800000, Window{1774742400000, 1774742400000 + day})
	// An hour offset by -30 min for a UTC+05:30 wall-clock hour.
	f(Tumbling{Size: 3_600_000, Offset: -1_800_000}, 1774747800000, Window{1774747800000, 1774751400000})
	f(Tumbling{Size: 10}, MaxTime, Window{MaxTime - MaxTime%10, MaxTime - MaxTime%10 + 10})
	f(Tumbling{Size: 10}, MinTime, Window{MinTime - 6, MinTime + 4}) // MinTime = -2^62 ≡ 6 (mod 10)
}

func TestHoppingAssign(t *testing.T) {
	f := func(k Hopping, ts int64, want ...Window) {
		t.Helper()
		got := k.Assign(nil, ts)
		if !slices.Equal(got, want) {
			t.Fatalf("%v.Assign(%d) = %v, want %v", k, ts, got, want)
		}
		for _, w := range got {
			if !w.Contains(ts) {
				t.Fatalf("%v does not contain %d", w, ts)
			}
		}
	}
	f(Hopping{Size: 10, Slide: 5}, 0, Window{-5, 5}, Window{0, 10})
	f(Hopping{Size: 10, Slide: 5}, 4, Window{-5, 5}, Window{0, 10})
	f(Hopping{Size: 10, Slide: 5}, 5, Window{0, 10}, Window{5, 15})
	f(Hopping{Size: 10, Slide: 5}, -1, Window{-10, 0}, Window{-5, 5})
	f(Hopping{Size: 10, Slide: 10}, 10, Window{10, 20})
	f(Hopping{Size: 10, Slide: 3}, 9, Window{0, 10}, Window{3, 13}, Window{6, 16}, Window{9, 19})
	f(Hopping{Size: 10, Slide: 3}, 10, Window{3, 13}, Window{6, 16}, Window{9, 19})
	f(Hopping{Size: 10, Slide: 5, Offset: -2}, 3, Window{-2, 8}, Window{3, 13})
	f(Hopping{Size: 10, Slide: 5, Offset: -2}, 2, Window{-7, 3}, Window{-2, 8})
}

func TestSessionMerge(t *testing.T) {
	f := func(k Session, a, b Window, want Window, ok bool) {
		t.Helper()
		got, gotOK := k.Merge(a, b)
		if gotOK != ok || (ok && got != want) {
			t.Fatalf("%v.Merge(%v, %v) = %v, %v; want %v, %v", k, a, b, got, gotOK, want, ok)
		}
		got2, ok2 := k.Merge(b, a)
		if got2 != got || ok2 != gotOK {
			t.Fatalf("Merge is not symmetric for %v, %v", a, b)
		}
	}
	s := Session{Gap: 10}
	f(s, Window{0, 10}, Window{5, 15}, Window{0, 15}, true)
	f(s, Window{0, 10}, Window{10, 20}, Window{}, false) // exactly gap apart: two sessions
	f(s, Window{0, 10}, Window{9, 19}, Window{0, 19}, true)
	f(s, Window{0, 30}, Window{5, 15}, Window{0, 30}, true)
	m := Session{Gap: 10, MaxDuration: 25}
	f(m, Window{0, 20}, Window{12, 22}, Window{0, 22}, true)
	f(m, Window{0, 20}, Window{16, 26}, Window{}, false) // would last 26 > 25
	if got := s.Assign(nil, 7); !slices.Equal(got, []Window{{7, 17}}) {
		t.Fatalf("Assign = %v", got)
	}
}

func TestKindValidate(t *testing.T) {
	f := func(k Windowing, bad bool) {
		t.Helper()
		err := k.Validate()
		if (err != nil) != bad {
			t.Fatalf("%v.Validate() = %v, want error: %v", k, err, bad)
		}
		if err != nil && !errors.Is(err, ErrSpec) {
			t.Fatalf("%v: %v does not wrap ErrSpec", k, err)
		}
	}
	f(Tumbling{Size: 1}, false)
	f(Tumbling{Size: 0}, true)
	f(Tumbling{Size: -5}, true)
	f(Tumbling{Size: maxWindowSize + 1}, true)
	f(Hopping{Size: 10, Slide: 5}, false)
	f(Hopping{Size: 10, Slide: 0}, true)
	f(Hopping{Size: 10, Slide: 11}, true)
	f(Hopping{Size: 1 << 20, Slide: 1}, true) // a million windows per event
	f(Session{Gap: 5}, false)
	f(Session{Gap: 0}, true)
	f(Session{Gap: 5, MaxDuration: 4}, true)
	f(Session{Gap: 5, MaxDuration: 5}, false)
	f(Unbounded{}, false)
}

func TestSortDue(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 1000, 70_000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		var a []dueKey
		for _, p := range r.Perm(n) {
			a = append(a, dueKey{seq: uint64(p) + 1})
		}
		got, _ := sortDue(a, nil, uint64(n))
		if len(got) != n || !slices.IsSortedFunc(got, func(x, y dueKey) int { return int(x.seq) - int(y.seq) }) {
			t.Fatalf("n=%d: not sorted", n)
		}
	}
}
