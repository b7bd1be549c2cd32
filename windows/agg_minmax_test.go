package windows

import (
	"math"
	"testing"
)

func TestMinMax(t *testing.T) {
	f := func(in []Value, wantMin, wantMax Value) {
		t.Helper()
		for _, c := range []struct {
			name string
			want Value
		}{{"min", wantMin}, {"max", wantMax}} {
			a := mustAgg(t, c.name, AggArgs{})
			s := feed(a, in...)
			if got := s.Result(); !sameValue(got, c.want) {
				t.Errorf("%s%v = %v (%v), want %v (%v)", c.name, in, got, got.Kind, c.want, c.want.Kind)
			}
			roundTrip(t, a, s)
		}
	}
	f(nil, Null, Null)
	f([]Value{Null}, Null, Null)
	f([]Value{Int(4)}, Int(4), Int(4))
	f([]Value{Int(4), Null, Int(-9), Int(2)}, Int(-9), Int(4))
	f([]Value{Float(-0.5), Int(0), Float(0.25)}, Float(-0.5), Float(0.25))
	f([]Value{Int(2), Float(2)}, Int(2), Float(2)) // equal numbers order by kind
	f([]Value{Float(2), Int(2)}, Int(2), Float(2)) // whatever the arrival order
	f([]Value{Float(0), Float(math.Copysign(0, -1))}, Float(math.Copysign(0, -1)), Float(0))
	f([]Value{Int(math.MaxInt64), Float(0x1p63)}, Int(math.MaxInt64), Float(0x1p63))
	f([]Value{Int(1<<53 + 1), Float(1 << 53)}, Float(1<<53), Int(1<<53+1)) // exact beyond 2^53
	f([]Value{String("b"), String("a"), String("ab")}, String("a"), String("b"))
	f([]Value{String("a"), Int(10)}, Int(10), String("a")) // numbers before strings
	f([]Value{Float(math.NaN()), Float(1)}, Float(1), Float(1))
	f([]Value{Float(math.Inf(-1)), Float(1)}, Float(math.Inf(-1)), Float(1))
	f([]Value{Bool(true), Bool(false)}, Bool(false), Bool(true))
}

func TestMinMaxMergeable(t *testing.T) {
	a := mustAgg(t, "max", AggArgs{})
	if got := feed(a).Mergeable(); got != (Mergeable{}) {
		t.Errorf("empty = %+v", got)
	}
	if got, want := feed(a, Int(3), Float(-1.5), Null).Mergeable(), (Mergeable{Count: 2, Min: -1.5, Max: 3, HasMin: true}); got != want {
		t.Errorf("numbers = %+v, want %+v", got, want)
	}
	if got, want := feed(a, Int(3), String("z")).Mergeable(), (Mergeable{Count: 2}); got != want {
		t.Errorf("mixed = %+v, want %+v", got, want)
	}
	// A min state merges into a max state: same data.
	s := feed(a, Int(1))
	if err := s.Merge(feed(mustAgg(t, "min", AggArgs{}), Int(5))); err != nil {
		t.Fatal(err)
	}
	if got := s.Result(); got != Int(5) {
		t.Errorf("max after merge = %v", got)
	}
	s.Reset()
	if got := s.Result(); got != Null {
		t.Errorf("after Reset = %v", got)
	}
	s.Add(Int(-1), 0)
	if got := s.Result(); got != Int(-1) {
		t.Errorf("reused after Reset = %v", got)
	}
}

func TestCompareValuesTotalOrder(t *testing.T) {
	vs := []Value{Null, Int(math.MinInt64), Float(-0x1p63), Float(math.Inf(-1)), Int(-1), Float(-1), Float(-0.5),
		Float(math.Copysign(0, -1)), Float(0), Int(0), Bool(false), Bool(true), Int(1), Float(1), Float(1.5),
		Int(1<<53 + 1), Float(1 << 53), Int(math.MaxInt64), Float(0x1p63), Float(math.Inf(1)),
		String(""), String("a"), String("b")}
	for _, a := range vs {
		if c := compareValues(a, a); c != 0 {
			t.Errorf("compare(%v,%v) = %d", a, a, c)
		}
		for _, b := range vs {
			ab, ba := compareValues(a, b), compareValues(b, a)
			if ab != -ba {
				t.Errorf("compare(%v,%v)=%d but compare(%v,%v)=%d", a, b, ab, b, a, ba)
			}
			if ab == 0 && !sameValue(a, b) {
				t.Errorf("distinct %v (%v) and %v (%v) compare equal", a, a.Kind, b, b.Kind)
			}
			for _, c := range vs {
				if ab < 0 && compareValues(b, c) < 0 && compareValues(a, c) >= 0 {
					t.Errorf("not transitive: %v < %v < %v", a, b, c)
				}
			}
		}
	}
}
