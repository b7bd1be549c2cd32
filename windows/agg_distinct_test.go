package windows

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestDistinctSmall(t *testing.T) {
	f := func(in []Value, want int64) {
		t.Helper()
		for _, name := range []string{"approx_count_distinct", "count_distinct"} {
			a := mustAgg(t, name, AggArgs{})
			s := feed(a, in...)
			if got := s.Result(); got != Int(want) {
				t.Errorf("%s%v = %v, want %d", name, in, got, want)
			}
			roundTrip(t, a, s)
		}
	}
	f(nil, 0)
	f([]Value{Null, Float(math.NaN())}, 0)
	f([]Value{Int(7)}, 1)
	f([]Value{Int(7), Int(7), Null, Int(7)}, 1)
	// Equal numbers are one value; kinds never collide.
	f([]Value{Int(1), Float(1), Float(math.Copysign(0, -1)), Int(0), Float(0), Bool(true), String("1"), Float(1.5)}, 5)
	f([]Value{Int(math.MinInt64), Float(-0x1p63), Float(0x1p63), Int(math.MaxInt64)}, 3)
	f([]Value{String(""), String("a"), String("b"), String("a")}, 3)
}

// TestDistinctErrorBound checks the estimate against the exact count at
// several precisions and cardinalities: within 3 standard errors
// (3·1.04/√2^p), one split merged or not.
func TestDistinctErrorBound(t *testing.T) {
	for _, p := range []uint8{10, 12, 14} {
		a := mustAgg(t, "approx_count_distinct", AggArgs{Precision: p})
		bound := 3 * 1.04 / math.Sqrt(float64(uint(1)<<p))
		for _, n := range []int{10, 100, 1000, 2000, 4000, 10000, 100000, 400000} {
			rng := rand.New(rand.NewPCG(uint64(p), uint64(n)))
			whole, left, right := a.NewState(), a.NewState(), a.NewState()
			for i := 0; i < n; i++ {
				v := Int(rng.Int64())
				whole.Add(v, 0)
				whole.Add(v, 0) // duplicates do not count
				if i%3 == 0 {
					left.Add(v, 0)
				} else {
					right.Add(v, 0)
				}
			}
			if err := left.Merge(right); err != nil {
				t.Fatal(err)
			}
			for _, s := range []State{whole, left} {
				est := float64(s.Result().I)
				rel := math.Abs(est-float64(n)) / float64(n)
				if rel > bound {
					t.Errorf("p=%d n=%d: estimate %v, error %.4f > %.4f", p, n, est, rel, bound)
				}
			}
			size := len(whole.AppendBinary(nil))
			if max := 2 + 1 + 3 + 8 + 1<<p; size > max {
				t.Errorf("p=%d n=%d: %d bytes encoded, more than dense registers (%d)", p, n, size, max)
			}
			roundTrip(t, a, whole)
			t.Logf("p=%2d n=%6d estimate %6d (error %+.3f%%, bound ±%.2f%%), %6d bytes encoded",
				p, n, whole.Result().I, 100*(float64(whole.Result().I)-float64(n))/float64(n), 100*bound, size)
		}
	}
}

func TestDistinctArgsAndMismatch(t *testing.T) {
	for _, p := range []uint8{3, 19, 255} {
		if _, err := NewAggregate("approx_count_distinct", AggArgs{Precision: p}); !errors.Is(err, ErrAggregateArgs) {
			t.Errorf("precision %d: %v", p, err)
		}
	}
	a12 := mustAgg(t, "count_distinct", AggArgs{})
	a14 := mustAgg(t, "approx_count_distinct", AggArgs{Precision: 14})
	s := feed(a12, Int(1))
	if err := s.Merge(feed(a14, Int(2))); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("merged another precision: %v", err)
	}
	if err := a14.NewState().UnmarshalBinary(s.AppendBinary(nil)); !errors.Is(err, ErrCorruptState) {
		t.Errorf("decoded another precision: %v", err)
	}
	// Merge into an empty state, from an empty state, and Reset.
	e := a12.NewState()
	if err := e.Merge(s); err != nil || e.Result() != Int(1) {
		t.Errorf("empty.Merge = %v, %v", e.Result(), err)
	}
	if err := e.Merge(a12.NewState()); err != nil || e.Result() != Int(1) {
		t.Errorf("Merge(empty) = %v, %v", e.Result(), err)
	}
	e.Add(String("x"), 0)
	if got := e.Result(); got != Int(2) {
		t.Errorf("after Add = %v; the merged-in state must not be shared", got)
	}
	if got := s.Result(); got != Int(1) {
		t.Errorf("source changed by a later Add to the merged state: %v", got)
	}
	if got := e.Mergeable(); got != (Mergeable{Count: 2}) {
		t.Errorf("Mergeable = %+v", got)
	}
	e.Reset()
	if got := e.Result(); got != Int(0) {
		t.Errorf("after Reset = %v", got)
	}
}
