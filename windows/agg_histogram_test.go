package windows

import (
	"errors"
	"math"
	"testing"
)

func TestHistogram(t *testing.T) {
	f := func(bounds []float64, in []Value, want string) {
		t.Helper()
		a := mustAgg(t, "histogram", AggArgs{Bounds: bounds})
		s := feed(a, in...)
		if got := s.Result(); got != String(want) {
			t.Errorf("histogram%v over %v = %v, want %s", bounds, in, got, want)
		}
		roundTrip(t, a, s)
	}
	b := []float64{0, 10, 20}
	f(b, nil, "[0,0,0,0]")
	f(b, []Value{Null, String("x"), Float(math.NaN())}, "[0,0,0,0]")
	f(b, []Value{Float(-1)}, "[1,0,0,0]")
	f(b, []Value{Float(-1), Int(0), Float(9.999), Int(10), Int(20), Float(1e300), Null, Float(math.Copysign(0, -1))}, "[1,3,1,2]")
	f([]float64{5}, []Value{Int(4), Int(5), Int(6)}, "[1,2]")
	f([]float64{-2.5, -1}, []Value{Float(-2.6), Float(-2.5), Float(-1.0000001), Int(-1)}, "[1,2,1]")
}

func TestHistogramResultsMergeable(t *testing.T) {
	a := mustAgg(t, "histogram", AggArgs{Bounds: []float64{0, 1}})
	s := feed(a, Float(0.5), Int(-3), Int(7), Float(0.25))
	got := s.(*histogramState).Results(nil)
	want := []Value{Int(1), Int(2), Int(1)}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("Results = %v, want %v", got, want)
	}
	if got, want := s.Mergeable(), (Mergeable{Count: 4, Min: -3, Max: 7, HasMin: true}); got != want {
		t.Errorf("Mergeable = %+v, want %+v", got, want)
	}
	o := feed(a, Int(1))
	if err := s.Merge(o); err != nil || s.Result() != String("[1,2,2]") {
		t.Errorf("merged = %v, %v", s.Result(), err)
	}
	s.Reset()
	if got := s.Result(); got != String("[0,0,0]") || s.Mergeable() != (Mergeable{}) {
		t.Errorf("after Reset = %v %+v", got, s.Mergeable())
	}
}

func TestHistogramArgsAndMismatch(t *testing.T) {
	for _, b := range [][]float64{nil, {}, {1, 1}, {2, 1}, {0, math.NaN()}, {math.Inf(-1), 0}, {0, math.Inf(1)}} {
		if _, err := NewAggregate("histogram", AggArgs{Bounds: b}); !errors.Is(err, ErrAggregateArgs) {
			t.Errorf("bounds %v: %v", b, err)
		}
	}
	a := mustAgg(t, "histogram", AggArgs{Bounds: []float64{0, 10}})
	other := mustAgg(t, "histogram", AggArgs{Bounds: []float64{0, 11}})
	longer := mustAgg(t, "histogram", AggArgs{Bounds: []float64{0, 10, 20}})
	negZero := mustAgg(t, "histogram", AggArgs{Bounds: []float64{math.Copysign(0, -1), 10}})
	s := feed(a, Int(5))
	for _, o := range []Aggregate{other, longer} {
		if err := s.Merge(feed(o, Int(5))); !errors.Is(err, ErrStateMismatch) {
			t.Errorf("merged histogram of other bounds: %v", err)
		}
		if err := o.NewState().UnmarshalBinary(s.AppendBinary(nil)); !errors.Is(err, ErrCorruptState) {
			t.Errorf("decoded histogram of other bounds: %v", err)
		}
	}
	if err := s.Merge(feed(negZero, Int(5))); err != nil {
		t.Errorf("-0 and 0 bounds are the same histogram: %v", err)
	}
}
