package windows

import (
	"math"
	"testing"
)

// mustAgg builds an aggregate from the catalog or fails the test.
func mustAgg(t testing.TB, name string, args AggArgs) Aggregate {
	t.Helper()
	a, err := NewAggregate(name, args)
	if err != nil {
		t.Fatalf("NewAggregate(%q, %+v): %v", name, args, err)
	}
	return a
}

// feed adds vs to a new state of a, with event times 1, 2, 3, ...
func feed(a Aggregate, vs ...Value) State {
	s := a.NewState()
	for i, v := range vs {
		s.Add(v, int64(i+1))
	}
	return s
}

// sameValue reports whether got equals want exactly (same kind, same bits
// for floats).
func sameValue(got, want Value) bool {
	if got.Kind != want.Kind {
		return false
	}
	if got.Kind == KindFloat {
		return math.Float64bits(got.F) == math.Float64bits(want.F)
	}
	return got == want
}

// closeValue reports whether got equals want, floats within relative eps.
func closeValue(got, want Value, eps float64) bool {
	if got.Kind == KindFloat && want.Kind == KindFloat {
		return relClose(got.F, want.F, eps)
	}
	return sameValue(got, want)
}

func relClose(a, b, eps float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= eps*math.Max(math.Abs(a), math.Abs(b))
}

// roundTrip encodes s, decodes into a new state of a, and checks the result
// and the re-encoding are identical.
func roundTrip(t *testing.T, a Aggregate, s State) State {
	t.Helper()
	enc := s.AppendBinary(nil)
	d := a.NewState()
	if err := d.UnmarshalBinary(enc); err != nil {
		t.Fatalf("%s: decode own encoding % x: %v", a.Name(), enc, err)
	}
	if got, want := d.Result(), s.Result(); !sameValue(got, want) {
		t.Fatalf("%s: decoded Result %v, want %v", a.Name(), got, want)
	}
	if enc2 := d.AppendBinary(nil); string(enc2) != string(enc) {
		t.Fatalf("%s: re-encoding differs:\n% x\n% x", a.Name(), enc2, enc)
	}
	return d
}
