package windows

import (
	"math"
	"testing"
)

func TestSum(t *testing.T) {
	f := func(in []Value, want Value) {
		t.Helper()
		a := mustAgg(t, "sum", AggArgs{})
		s := feed(a, in...)
		if got := s.Result(); !sameValue(got, want) {
			t.Errorf("sum%v = %v (%v), want %v (%v)", in, got, got.Kind, want, want.Kind)
		}
		roundTrip(t, a, s)
	}
	f(nil, Null)
	f([]Value{Null, Null}, Null)
	f([]Value{Int(7)}, Int(7))
	f([]Value{Int(-7), Null, Int(3)}, Int(-4))
	f([]Value{Bool(true), Bool(true), Int(1)}, Int(3))
	f([]Value{Int(1), Float(0.5)}, Float(1.5))
	f([]Value{Float(-2.25)}, Float(-2.25))
	f([]Value{String("x"), Int(2)}, Int(2))                               // non-numeric skipped
	f([]Value{Float(math.NaN()), Float(math.Inf(1)), Float(1)}, Float(1)) // non-finite skipped
	f([]Value{Int(math.MaxInt64), Int(1), Int(-1)}, Int(math.MaxInt64))   // transient overflow stays exact
	f([]Value{Int(math.MinInt64), Int(-1), Int(2)}, Int(math.MinInt64+1)) // and below
	f([]Value{Int(math.MaxInt64), Int(math.MaxInt64)}, Float(0x1p64-2))   // int64 overflow: Float
	f([]Value{Int(math.MinInt64), Int(math.MinInt64)}, Float(-0x1p64))    // negative overflow
	f([]Value{Float(1e16), Float(1), Float(-1e16)}, Float(1))             // compensated
	f([]Value{Float(1), Float(1e100), Float(1), Float(-1e100)}, Float(2)) // Neumaier's example
	f([]Value{Int(1 << 60), Float(0.5), Int(1 << 60)}, Float(0x1p61+0.5)) // mixed, exact ints
}

func TestSumMergeableAndMerge(t *testing.T) {
	a := mustAgg(t, "sum", AggArgs{})
	s := feed(a)
	if got := s.Mergeable(); got != (Mergeable{HasSum: true}) {
		t.Errorf("empty Mergeable = %+v", got)
	}
	s1 := feed(a, Int(math.MaxInt64), Int(5))
	s2 := feed(a, Int(-10), Null)
	d := roundTrip(t, a, s1) // 128-bit encoding
	if err := d.Merge(s2); err != nil {
		t.Fatal(err)
	}
	if got, want := d.Result(), Int(math.MaxInt64-5); got != want {
		t.Errorf("merged sum = %v, want %v", got, want)
	}
	if got, want := d.Mergeable(), (Mergeable{Count: 3, Sum: float64(math.MaxInt64 - 5), HasSum: true}); got != want {
		t.Errorf("Mergeable = %+v, want %+v", got, want)
	}
	if err := d.Merge(feed(mustAgg(t, "avg", AggArgs{}), Int(1))); err == nil {
		t.Error("sum merged an avg state")
	}
	d.Reset()
	if got := d.Result(); got != Null {
		t.Errorf("sum after Reset = %v", got)
	}
}

func TestAvg(t *testing.T) {
	f := func(in []Value, want Value) {
		t.Helper()
		a := mustAgg(t, "avg", AggArgs{})
		s := feed(a, in...)
		if got := s.Result(); !sameValue(got, want) {
			t.Errorf("avg%v = %v, want %v", in, got, want)
		}
		roundTrip(t, a, s)
	}
	f(nil, Null)
	f([]Value{Null}, Null)
	f([]Value{Int(3)}, Float(3))
	f([]Value{Int(1), Int(2), Null}, Float(1.5))
	f([]Value{Int(-1), Float(-2), Int(-3)}, Float(-2))
	f([]Value{Float(1e16), Float(1), Float(-1e16), Float(2)}, Float(0.75))
	f([]Value{Int(math.MaxInt64), Int(math.MaxInt64)}, Float(math.MaxInt64))

	a := mustAgg(t, "avg", AggArgs{})
	s := feed(a, Int(2), Int(4))
	if got, want := s.Mergeable(), (Mergeable{Count: 2, Sum: 6, HasSum: true}); got != want {
		t.Errorf("avg Mergeable = %+v, want %+v", got, want)
	}
}

// TestSumMergeKeepsCompensation: each part's compensation term must survive
// a merge, or 1e16+1 merged with −1e16+1 loses the ones.
func TestSumMergeKeepsCompensation(t *testing.T) {
	for _, name := range []string{"sum", "avg"} {
		a := mustAgg(t, name, AggArgs{})
		s1 := feed(a, Float(1e16), Float(1))
		s2 := feed(a, Float(-1e16), Float(1))
		for _, order := range [][2]State{{s1, s2}, {s2, s1}} {
			m := a.NewState()
			for _, p := range order {
				if err := m.Merge(p); err != nil {
					t.Fatal(err)
				}
			}
			if got := m.Mergeable().Sum; got != 2 {
				t.Errorf("%s: merged sum %v, want 2", name, got)
			}
		}
	}
}
