package windows

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzAggStateDecode feeds arbitrary bytes to the decoder of
// codecAggs[which % len]. A decoder must return ErrCorruptState or a state
// that works: its Result, Mergeable and Results do not panic, it encodes to
// bytes that decode to the same state, it merges both ways with a real
// state, and it takes more values.
//
// Seeds are real encodings of every state type (see codecStates).
func FuzzAggStateDecode(f *testing.F) {
	aggs := make([]Aggregate, len(codecAggs))
	for i, c := range codecAggs {
		aggs[i] = mustAgg(f, c.name, c.args)
		for _, s := range codecStates(aggs[i]) {
			f.Add(s.AppendBinary(nil), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		a := aggs[int(which)%len(aggs)]
		s := a.NewState()
		if err := s.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrCorruptState) {
				t.Fatalf("%s: error %v does not wrap ErrCorruptState", a.Name(), err)
			}
			return
		}
		res := s.Result()
		_ = s.Mergeable()
		if m, ok := s.(interface{ Results([]Value) []Value }); ok {
			m.Results(nil)
		}
		enc := s.AppendBinary(nil)
		d := a.NewState()
		if err := d.UnmarshalBinary(enc); err != nil {
			t.Fatalf("%s: re-encoding % x of accepted input does not decode: %v", a.Name(), enc, err)
		}
		if enc2 := d.AppendBinary(nil); !bytes.Equal(enc2, enc) {
			t.Fatalf("%s: encoding not stable:\n% x\n% x", a.Name(), enc, enc2)
		}
		if got := d.Result(); !sameValue(got, res) {
			t.Fatalf("%s: Result %v after re-decode, was %v", a.Name(), got, res)
		}
		real := feed(a, Int(3), Float(-1.25), Int(1000000), String("x"))
		if err := real.Merge(s); err != nil {
			t.Fatalf("%s: merge decoded state: %v", a.Name(), err)
		}
		if err := d.Merge(feed(a, Int(-8), Float(0))); err != nil {
			t.Fatalf("%s: merge into decoded state: %v", a.Name(), err)
		}
		_, _ = real.Result(), d.Result()
		for _, v := range []Value{Int(1), Float(1e300), Float(-1e-300), Float(0), String("y")} {
			s.Add(v, 0)
		}
		_ = s.Result()
		s.Reset()
		_ = s.Result()
	})
}
