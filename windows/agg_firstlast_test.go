package windows

import "testing"

type tv struct {
	v  Value
	ts int64
}

func TestFirstLastValue(t *testing.T) {
	f := func(in []tv, wantFirst, wantLast Value) {
		t.Helper()
		for _, c := range []struct {
			name string
			want Value
		}{{"first_value", wantFirst}, {"last_value", wantLast}} {
			a := mustAgg(t, c.name, AggArgs{})
			s := a.NewState()
			for _, e := range in {
				s.Add(e.v, e.ts)
			}
			if got := s.Result(); !sameValue(got, c.want) {
				t.Errorf("%s%v = %v, want %v", c.name, in, got, c.want)
			}
			// Reversed arrival must give the same winner.
			r := a.NewState()
			for i := len(in) - 1; i >= 0; i-- {
				r.Add(in[i].v, in[i].ts)
			}
			if got := r.Result(); !sameValue(got, c.want) {
				t.Errorf("%s reversed%v = %v, want %v", c.name, in, got, c.want)
			}
			roundTrip(t, a, s)
		}
	}
	f(nil, Null, Null)
	f([]tv{{Null, 5}}, Null, Null)
	f([]tv{{Int(1), 5}}, Int(1), Int(1))
	f([]tv{{Int(1), 5}, {Int(2), 3}, {Int(3), 9}, {Null, 1}, {Null, 10}}, Int(2), Int(3))
	f([]tv{{Int(-1), -100}, {Int(2), 0}}, Int(-1), Int(2)) // negative event times
	// Ties at the same event time: first keeps the least, last the greatest.
	f([]tv{{Int(5), 7}, {Int(3), 7}, {Int(9), 7}}, Int(3), Int(9))
	f([]tv{{String("b"), 1}, {String("a"), 1}, {Float(2.5), 2}}, String("a"), Float(2.5))
	f([]tv{{Int(1), 1}, {Float(1), 1}}, Int(1), Float(1))
}

func TestFirstLastMerge(t *testing.T) {
	a := mustAgg(t, "first_value", AggArgs{})
	s1, s2 := a.NewState(), a.NewState()
	s1.Add(Int(10), 100)
	s2.Add(Int(20), 50)
	if err := s1.Merge(s2); err != nil {
		t.Fatal(err)
	}
	if got := s1.Result(); got != Int(20) {
		t.Errorf("first after merge = %v, want 20", got)
	}
	if err := s1.Merge(a.NewState()); err != nil || s1.Result() != Int(20) {
		t.Errorf("merging an empty state changed the result: %v, %v", s1.Result(), err)
	}
	if err := s1.Merge(mustAgg(t, "last_value", AggArgs{}).NewState()); err == nil {
		t.Error("first_value merged a last_value state")
	}
	s1.Reset()
	if got := s1.Result(); got != Null {
		t.Errorf("after Reset = %v", got)
	}
}

func TestVariance(t *testing.T) {
	f := func(name string, in []Value, want Value) {
		t.Helper()
		a := mustAgg(t, name, AggArgs{})
		s := feed(a, in...)
		if got := s.Result(); !closeValue(got, want, 1e-12) {
			t.Errorf("%s%v = %v, want %v", name, in, got, want)
		}
		roundTrip(t, a, s)
	}
	ints := []Value{Int(2), Int(4), Int(4), Int(4), Int(5), Int(5), Int(7), Int(9)} // mean 5, M2 32
	f("var_pop", ints, Float(4))
	f("stddev_pop", ints, Float(2))
	f("var_samp", ints, Float(32.0/7))
	f("variance", ints, Float(32.0/7))
	f("stddev", ints, Float(2.1380899352993950))
	f("stddev_samp", append(ints, Null, String("x")), Float(2.1380899352993950))
	for _, n := range []string{"var_pop", "var_samp", "stddev_pop", "stddev_samp"} {
		f(n, nil, Null)
		f(n, []Value{Null}, Null)
	}
	f("var_pop", []Value{Float(-3.5)}, Float(0))
	f("var_samp", []Value{Float(-3.5)}, Null)
	f("var_samp", []Value{Float(-1), Float(1)}, Float(2))
	// Large offset, small spread: the textbook formula loses every digit here.
	f("var_samp", []Value{Float(1e9 + 4), Float(1e9 + 7), Float(1e9 + 13), Float(1e9 + 16)}, Float(30))
}

func TestVarianceMergeAndMergeable(t *testing.T) {
	a := mustAgg(t, "var_samp", AggArgs{})
	s1 := feed(a, Float(1e9+4), Float(1e9+7))
	s2 := feed(mustAgg(t, "stddev_pop", AggArgs{}), Float(1e9+13), Float(1e9+16))
	if err := s1.Merge(s2); err != nil {
		t.Fatal(err)
	}
	if got := s1.Result(); !closeValue(got, Float(30), 1e-12) {
		t.Errorf("merged var_samp = %v, want 30", got)
	}
	m := feed(a, Int(1), Int(2), Int(3)).Mergeable()
	if m.Count != 3 || !relClose(m.Sum, 6, 1e-15) || !relClose(m.SumSq, 14, 1e-15) || !m.HasSum || m.HasMin {
		t.Errorf("Mergeable = %+v, want Count 3 Sum 6 SumSq 14", m)
	}
	if err := s1.Merge(feed(mustAgg(t, "avg", AggArgs{}))); err == nil {
		t.Error("variance merged an avg state")
	}
}
