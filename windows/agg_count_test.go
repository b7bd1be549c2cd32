package windows

import "testing"

func TestCountAggregates(t *testing.T) {
	f := func(name string, args AggArgs, in []Value, want int64) {
		t.Helper()
		a := mustAgg(t, name, args)
		s := feed(a, in...)
		if got := s.Result(); !sameValue(got, Int(want)) {
			t.Errorf("%s%v over %v = %v, want %d", name, args, in, got, want)
		}
		if got := s.Mergeable(); got != (Mergeable{Count: want}) {
			t.Errorf("%s Mergeable = %+v, want Count %d", name, got, want)
		}
		roundTrip(t, a, s)
	}
	star := AggArgs{Star: true}
	f("count", star, nil, 0)
	f("count", AggArgs{}, nil, 0)
	f("count", star, []Value{Null}, 1)
	f("count", AggArgs{}, []Value{Null}, 0)
	f("count", star, []Value{Int(1), Null, String("a"), Float(2)}, 4)
	f("count", AggArgs{}, []Value{Int(1), Null, String("a"), Float(2), Bool(false)}, 4)
	f("count_star", AggArgs{}, []Value{Null, Null}, 2)
	f("COUNT", AggArgs{}, []Value{Int(-5)}, 1)
}

func TestCountMergeAndReset(t *testing.T) {
	a := mustAgg(t, "count", AggArgs{})
	s1 := feed(a, Int(1), Int(2), Null)
	s2 := feed(a, Int(3))
	if err := s1.Merge(s2); err != nil {
		t.Fatal(err)
	}
	if got := s1.Result(); got != Int(3) {
		t.Fatalf("merged count = %v, want 3", got)
	}
	if err := s1.Merge(feed(mustAgg(t, "count_star", AggArgs{}), Null)); err == nil {
		t.Fatal("count merged a count(*) state")
	}
	s1.Reset()
	if got := s1.Result(); got != Int(0) {
		t.Fatalf("count after Reset = %v, want 0", got)
	}
}
