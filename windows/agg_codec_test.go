package windows

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// codecAggs is one aggregate of each state type and configuration, for the
// codec tests and the fuzzer. Append only: the fuzzer's corpus refers to
// entries by index.
var codecAggs = []struct {
	name string
	args AggArgs
}{
	{"count_star", AggArgs{}},
	{"count", AggArgs{}},
	{"sum", AggArgs{}},
	{"avg", AggArgs{}},
	{"min", AggArgs{}},
	{"max", AggArgs{}},
	{"first_value", AggArgs{}},
	{"last_value", AggArgs{}},
	{"var_samp", AggArgs{}},
	{"approx_percentile", AggArgs{Quantiles: []float64{0.5, 0.99}}},
	{"percentile_cont", AggArgs{Quantiles: []float64{0.9}, RelativeAccuracy: 0.05}},
	{"approx_count_distinct", AggArgs{}},
	{"count_distinct", AggArgs{Precision: 4}},
	{"histogram", AggArgs{Bounds: []float64{-1, 0, 1, 10, 100}}},
}

// codecStates returns, for aggregate a, states that cover its encodings:
// empty, one value, a mixed stream, and long streams.
func codecStates(a Aggregate) []State {
	r := rand.New(rand.NewPCG(3, 4))
	mixed := genMixed(true)
	states := []State{a.NewState(), feed(a, Int(42)), feed(a, Float(-0.5)), feed(a, String("s"))}
	for _, n := range []int{20, 3000} {
		s := a.NewState()
		for i := 0; i < n; i++ {
			s.Add(mixed(r), r.Int64N(100))
		}
		states = append(states, s)
	}
	s := a.NewState()
	for i := 0; i < 3000; i++ {
		s.Add(Float(21.5+3*r.NormFloat64()), int64(i))
	}
	return append(states, s)
}

func TestAggCodecRoundTripAndMerge(t *testing.T) {
	for _, c := range codecAggs {
		a := mustAgg(t, c.name, c.args)
		states := codecStates(a)
		for i, s := range states {
			d := roundTrip(t, a, s)
			if d.Mergeable() != s.Mergeable() {
				t.Errorf("%s #%d: decoded Mergeable %+v, want %+v", c.name, i, d.Mergeable(), s.Mergeable())
			}
			// Decode then merge equals merge of the originals.
			o := states[(i+1)%len(states)]
			want := a.NewState()
			for _, p := range []State{s, o} {
				if err := want.Merge(p); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Merge(o); err != nil {
				t.Fatalf("%s #%d: merge into decoded state: %v", c.name, i, err)
			}
			if got, w := d.Result(), want.Result(); !closeValue(got, w, 1e-12) {
				t.Errorf("%s #%d: decoded+merged = %v, want %v", c.name, i, got, w)
			}
		}
	}
}

func TestAggCodecRejects(t *testing.T) {
	type enc struct {
		agg string
		b   []byte
	}
	var all []enc
	for _, c := range codecAggs {
		a := mustAgg(t, c.name, c.args)
		for _, s := range codecStates(a) {
			all = append(all, enc{c.name, s.AppendBinary(nil)})
		}
	}
	reject := func(a Aggregate, b []byte, what string) {
		t.Helper()
		s := feed(a, Int(7))
		before := s.AppendBinary(nil)
		err := s.UnmarshalBinary(b)
		if !errors.Is(err, ErrCorruptState) {
			t.Fatalf("%s: %s % x: err %v, want ErrCorruptState", a.Name(), what, b, err)
		}
		if after := s.AppendBinary(nil); !bytes.Equal(after, before) {
			t.Fatalf("%s: failed decode changed the state", a.Name())
		}
	}
	for _, c := range codecAggs {
		a := mustAgg(t, c.name, c.args)
		own := a.NewState().AppendBinary(nil)
		reject(a, nil, "empty input")
		reject(a, []byte{aggEncVersion + 1, own[1], 0}, "future version")
		for _, e := range all {
			if e.b[1] != own[1] {
				reject(a, e.b, "state of "+e.agg)
				continue
			}
			if e.agg != c.name {
				continue // same state type, another config: covered per type
			}
			for n := 0; n < len(e.b); n++ {
				reject(a, e.b[:n], fmt.Sprintf("prefix %d of %d bytes", n, len(e.b)))
			}
			reject(a, append(bytes.Clone(e.b), 0), "trailing byte")
		}
	}
}

// TestAggCodecCorruptLengths: lengths and counts that announce more than the
// input holds are rejected without allocating for them.
func TestAggCodecCorruptLengths(t *testing.T) {
	huge := appendUvarint(nil, math.MaxUint64>>1)
	f := func(name string, args AggArgs, b []byte) {
		t.Helper()
		a := mustAgg(t, name, args)
		s := a.NewState()
		allocs := testing.AllocsPerRun(10, func() {
			if err := s.UnmarshalBinary(b); !errors.Is(err, ErrCorruptState) {
				t.Fatalf("%s % x: %v", name, b, err)
			}
		})
		if allocs > 10 {
			t.Errorf("%s: %v allocations rejecting % x", name, allocs, b)
		}
	}
	hdr := func(tag stateTag, rest ...[]byte) []byte {
		b := appendHeader(nil, tag)
		for _, r := range rest {
			b = append(b, r...)
		}
		return b
	}
	// min/max with a string value announcing 2^63 bytes
	f("min", AggArgs{}, hdr(tagMinMax, []byte{1, byte(KindString)}, huge))
	// percentile with 2^63 bins
	pct := AggArgs{Quantiles: []float64{0.5}}
	f("approx_percentile", pct, hdr(tagPercentile, appendUvarint(nil, 10000), []byte{1}, appendFloat(nil, 1), appendFloat(nil, 1), []byte{0}, huge))
	// percentile bins spanning the whole index range
	wide := hdr(tagPercentile, appendUvarint(nil, 10000), []byte{2}, appendFloat(nil, 1), appendFloat(nil, 2), []byte{0, 0, 2})
	wide = appendVarint(wide, -30000)
	wide = append(wide, 1)
	wide = appendUvarint(wide, 60000)
	wide = append(wide, 1)
	f("approx_percentile", pct, wide)
	// histogram with 2^63 buckets
	f("histogram", AggArgs{Bounds: []float64{1}}, hdr(tagHistogram, huge))
	// HLL whose header claims precision 18 under a precision-12 state
	f("approx_count_distinct", AggArgs{}, hdr(tagDistinct, []byte{12, 1, 2, 18, 0, 0, 0, 4, 0, 0}))
}

// TestAggResetEqualsNew: after Reset every state encodes, decodes, merges
// and answers as a new one, also after it grew (a dense HLL, a wide sketch).
func TestAggResetEqualsNew(t *testing.T) {
	for _, c := range codecAggs {
		a := mustAgg(t, c.name, c.args)
		fresh := a.NewState()
		for i, s := range codecStates(a) {
			s.Reset()
			if got, want := s.AppendBinary(nil), fresh.AppendBinary(nil); !bytes.Equal(got, want) {
				t.Errorf("%s #%d: after Reset encodes % x, new state % x", c.name, i, got, want)
			}
			if got, want := s.Result(), fresh.Result(); !sameValue(got, want) {
				t.Errorf("%s #%d: after Reset Result %v, new state %v", c.name, i, got, want)
			}
			if s.Mergeable() != fresh.Mergeable() {
				t.Errorf("%s #%d: after Reset Mergeable %+v", c.name, i, s.Mergeable())
			}
			roundTrip(t, a, s)
			s.Add(Int(5), 1)
			if got, want := s.Result(), feed(a, Int(5)).Result(); !sameValue(got, want) {
				t.Errorf("%s #%d: reused state Result %v, want %v", c.name, i, got, want)
			}
		}
	}
}
