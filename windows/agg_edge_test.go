package windows

import (
	"fmt"
	"math"
	"testing"
)

// Edge cases of every aggregate in the catalog: the result of an empty
// state (a window whose events were all NULL), of one event, and NaN, which
// sources reject upstream (Value.Finite) but which must not poison a state
// if one slips through: every aggregate but count skips it, so a state fed
// NaN among other values encodes exactly like one fed the others only.
func TestEveryAggregateEdgeCases(t *testing.T) {
	want := map[string][2]string{ // name: empty, one event of 2.5
		"approx_count_distinct": {"0", "1"},
		"approx_percentile":     {"NULL", "2.5"},
		"avg":                   {"NULL", "2.5"},
		"count":                 {"0", "1"},
		"count_distinct":        {"0", "1"},
		"count_star":            {"0", "1"},
		"first_value":           {"NULL", "2.5"},
		"histogram":             {`"[0,0,0]"`, `"[0,1,0]"`},
		"last_value":            {"NULL", "2.5"},
		"max":                   {"NULL", "2.5"},
		"min":                   {"NULL", "2.5"},
		"percentile_cont":       {"NULL", "2.5"},
		"percentile_disc":       {"NULL", "2.5"},
		"stddev":                {"NULL", "NULL"}, // sample: one value has none
		"stddev_pop":            {"NULL", "0"},
		"stddev_samp":           {"NULL", "NULL"},
		"sum":                   {"NULL", "2.5"},
		"var_pop":               {"NULL", "0"},
		"var_samp":              {"NULL", "NULL"},
		"variance":              {"NULL", "NULL"},
	}
	vals := []Value{Int(3), Float(-2.5), Null, Float(1e9), Int(-7)}
	for _, name := range AggregateNames() {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no expected edge results: add it to the table", name)
			continue
		}
		a := mustAgg(t, name, catalogTestArgs(name))
		if got := a.NewState().Result().String(); got != w[0] {
			t.Errorf("%s: empty state gives %s, want %s", name, got, w[0])
		}
		if got := feed(a, Float(2.5)).Result().String(); got != w[1] {
			t.Errorf("%s: one event gives %s, want %s", name, got, w[1])
		}
		if got := roundTrip(t, a, feed(a, Float(2.5))).Result().String(); got != w[1] {
			t.Errorf("%s: one event after a round trip gives %s, want %s", name, got, w[1])
		}

		counts := name == "count" || name == "count_star" // NaN is not NULL
		clean, dirty := a.NewState(), a.NewState()
		for i, v := range vals {
			clean.Add(v, int64(i))
			dirty.Add(Float(math.NaN()), int64(i))
			dirty.Add(v, int64(i))
		}
		dirty.Add(Float(math.NaN()), -100) // earliest and latest event times
		dirty.Add(Float(math.NaN()), 100)
		onlyNaN := feed(a, Float(math.NaN()))
		if counts { // 5 values (one NULL) and 7 NaN
			want := map[string]Value{"count": Int(11), "count_star": Int(12)}[name]
			if got := dirty.Result(); got != want {
				t.Errorf("%s: with NaN gives %v, want %v", name, got, want)
			}
			continue
		}
		if got, want := string(dirty.AppendBinary(nil)), string(clean.AppendBinary(nil)); got != want {
			t.Errorf("%s: NaN changed the state: %v, without NaN %v", name, dirty.Result(), clean.Result())
		}
		if got, want := string(onlyNaN.AppendBinary(nil)), string(a.NewState().AppendBinary(nil)); got != want {
			t.Errorf("%s: a NaN-only state differs from an empty one: %v", name, onlyNaN.Result())
		}
	}
}

// NaN through the operator: the window's result is that of the other
// events.
func TestOperatorNaNDoesNotPoison(t *testing.T) {
	o, s := newOp(t, Spec{Window: Tumbling{Size: 10}, Aggregates: propAggs(t)})
	o.Advance(0)
	rec := Record{Key: AppendKey(nil, String("a")), Partition: []byte("d")}
	for i, v := range []Value{Float(math.NaN()), Int(4), Float(math.NaN()), Int(-2)} {
		rec.Time = int64(i)
		rec.Values = []Value{v, v, v, v, v}
		if err := o.Process(&rec); err != nil {
			t.Fatal(err)
		}
	}
	rec.Time, rec.Values = 10, []Value{Int(0), Int(0), Int(0), Int(0), Int(0)}
	if err := o.Process(&rec); err != nil {
		t.Fatal(err)
	}
	o.Advance(1)
	// count(*) counts every row; sum, min, max, avg see 4 and -2.
	wantRows(t, s.take(), `"a" [0,10) r0 final 4 2 -2 4 1`)
}

// The codec tests and FuzzAggStateDecode run over codecAggs: it must hold
// every state type of the catalog, so that every decoder is fuzzed.
func TestCodecAggsCoverEveryStateType(t *testing.T) {
	have := map[string]bool{}
	for _, c := range codecAggs {
		have[fmt.Sprintf("%T", mustAgg(t, c.name, c.args).NewState())] = true
	}
	for _, name := range AggregateNames() {
		if typ := fmt.Sprintf("%T", mustAgg(t, name, catalogTestArgs(name)).NewState()); !have[typ] {
			t.Errorf("%s: state type %s is not in codecAggs", name, typ)
		}
	}
}
