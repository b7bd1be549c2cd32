package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

func TestAppendJSONIsPlainJSON(t *testing.T) {
	r := &Result{
		Agent: "gw-1", View: "temp_1m", Windowed: true,
		WindowStart: 1732406400000, WindowEnd: 1732406460000, Revision: 2, Final: true,
		Keys: []Column{{"site", windows.String("a\"b")}, {"device", windows.String("d\n1")}},
		Aggs: []Agg{
			{Name: "avg_temp", Func: "avg", Value: windows.Float(21.5),
				Merge: windows.Mergeable{Count: 2, Sum: 43, SumSq: 925, Min: 20.5, Max: 22.5, HasSum: true, HasMin: true}},
			{Name: "sd", Func: "stddev", Value: windows.Float(1),
				Merge: windows.Mergeable{Count: 2, Sum: 43, SumSq: 925, Min: 20.5, Max: 22.5, HasSum: true, HasMin: true}},
			{Name: "lo", Func: "min", Value: windows.Float(20.5),
				Merge: windows.Mergeable{Count: 2, Min: 20.5, Max: 22.5, HasMin: true}},
			{Name: "n", Func: "count_star", Value: windows.Int(2), Merge: windows.Mergeable{Count: 2}},
			{Name: "p95", Value: windows.Float(22.5), State: []byte{1, 2, 3}},
			{Name: "bad", Value: windows.Float(math.NaN())},
		},
	}
	b := AppendJSON(nil, r)
	var got map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	want := map[string]string{
		"agent": "gw-1", "view": "temp_1m", "window_start": "2024-11-24T00:00:00.000Z",
		"window_end": "2024-11-24T00:01:00.000Z", "revision": "2", "final": "true",
		"site": "a\"b", "device": "d\n1", "avg_temp": "21.5", "n": "2",
		"avg_temp__count": "2", "avg_temp__sum": "43",
		"sd": "1", "sd__count": "2", "sd__sum": "43", "sd__sumsq": "925",
		"lo": "20.5", "lo__count": "2", "n__count": "2",
		"p95": "22.5", "p95__state": "AQID", "bad": "<nil>",
	}
	for k, v := range want {
		if g := fmt.Sprint(got[k]); g != v {
			t.Errorf("%s = %s, want %s", k, g, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d fields, want %d: %s", len(got), len(want), b)
	}
	// No column but __count repeats the aggregate's value, and none is
	// written that the aggregate does not track: min is its own minimum,
	// avg keeps no sum of squares.
	for _, k := range []string{"n__sum", "lo__min", "lo__max", "avg_temp__sumsq", "avg_temp__min"} {
		if _, ok := got[k]; ok {
			t.Errorf("row carries %s: %s", k, b)
		}
	}
}

// Every aggregate function of the engine has its mergeable columns decided,
// and those whose columns cannot rebuild the state carry it.
func TestEveryAggregateHasColumns(t *testing.T) {
	names := windows.AggregateNames()
	for _, fn := range names {
		if _, ok := aggColumns[fn]; !ok {
			t.Errorf("aggregate %s: no entry in aggColumns (which mergeable columns do its rows carry?)", fn)
		}
	}
	if len(aggColumns) != len(names) {
		t.Errorf("aggColumns has %d functions, the engine %d: %v", len(aggColumns), len(names), names)
	}
	for fn, cols := range aggColumns {
		exact := fn == "count" || fn == "count_star" || fn == "sum" || fn == "avg" || fn == "min" || fn == "max"
		if CarriesState(fn) == exact {
			t.Errorf("%s: CarriesState = %v; columns %b", fn, CarriesState(fn), cols)
		}
		if cols&(colCount|colState) == 0 {
			t.Errorf("%s: neither __count nor __state: a reader would take the column for a group key", fn)
		}
	}
}

func TestUnboundedOmitsWindow(t *testing.T) {
	b := AppendJSON(nil, &Result{Agent: "a", View: "v", Keys: []Column{{"m", windows.String("x")}}})
	if bytes.Contains(b, []byte("window_start")) {
		t.Fatalf("unbounded row has window bounds: %s", b)
	}
}

func TestAppendJSONInvalidUTF8(t *testing.T) {
	b := AppendJSON(nil, &Result{Agent: "a\xff", View: "v\x01"})
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if got["agent"] != "a\ufffd" || got["view"] != "v\x01" {
		t.Fatalf("got %q %q", got["agent"], got["view"])
	}
}

func TestBatchRoundTrip(t *testing.T) {
	var e BatchEncoder
	for round := 0; round < 2; round++ {
		e.Reset()
		var want [][]byte
		for i := 0; i < 100+round; i++ {
			row := AppendJSON(nil, &Result{Agent: "gw", View: "v", Revision: uint32(i)})
			want = append(want, row)
			e.Add(row)
		}
		entry := e.Encode()
		if len(entry) >= e.RawBytes() {
			t.Errorf("batch of %d similar rows did not compress: %d >= %d", e.Rows(), len(entry), e.RawBytes())
		}
		var got [][]byte
		if _, err := DecodeBatch(entry, nil, func(row []byte) error {
			got = append(got, bytes.Clone(row))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("decoded %d rows, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("row %d: %s != %s", i, got[i], want[i])
			}
		}
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	var e BatchEncoder
	e.Add([]byte("hello"))
	good := bytes.Clone(e.Encode())
	f := func(name string, entry []byte, want error) {
		t.Helper()
		_, err := DecodeBatch(entry, nil, func([]byte) error { return nil })
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
	f("empty", nil, ErrCorrupt)
	f("version", append([]byte{9}, good[1:]...), ErrVersion)
	f("truncated", good[:len(good)-1], ErrCorrupt)
	f("more rows than present", append([]byte{1, 2}, good[2:]...), ErrCorrupt)
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := &Checkpoint{Agent: "gw-1", ConfigVersion: 3, Watermarks: map[string]int64{"s": 5}, Dropped: map[string]int64{"malformed_json": 2}}
	b, err := MarshalCheckpoint(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Agent != "gw-1" || got.ConfigVersion != 3 || got.Watermarks["s"] != 5 || got.Dropped["malformed_json"] != 2 {
		t.Fatalf("got %+v", got)
	}
	if _, err := UnmarshalCheckpoint([]byte(`{"config_version":1}`)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("checkpoint without agent: %v", err)
	}
}

func FuzzDecodeBatch(f *testing.F) {
	var e BatchEncoder
	e.Add([]byte(`{"a":1}`))
	e.Add(nil)
	f.Add(bytes.Clone(e.Encode()))
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 255, 255, 255, 255, 15, 0})
	f.Fuzz(func(t *testing.T, entry []byte) {
		n := 0
		_, _ = DecodeBatch(entry, nil, func(row []byte) error { n += len(row); return nil })
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	r := &Result{Agent: "gw-1", View: "temp_1m", Windowed: true, WindowStart: 1732406400000, WindowEnd: 1732406460000,
		Keys: []Column{{"device", windows.String("dev-0042")}},
		Aggs: []Agg{{Name: "avg_temp", Func: "avg", Value: windows.Float(21.53),
			Merge: windows.Mergeable{Count: 60, Sum: 1291.8, SumSq: 27814.3, Min: 20.1, Max: 23.4, HasSum: true, HasMin: true}}}}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendJSON(buf[:0], r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
