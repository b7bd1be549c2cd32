package windows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// sensorValues are temperatures with two decimals around 21.5 °C: the
// typical input of a gateway.
func sensorValues(n int, seed uint64) []Value {
	r := rand.New(rand.NewPCG(seed, 1))
	vs := make([]Value, n)
	for i := range vs {
		vs[i] = Float(math.Round((21.5+3*r.NormFloat64())*100) / 100)
	}
	return vs
}

// deviceIDs are n strings drawn from 100 device names.
func deviceIDs(n int, seed uint64) []Value {
	r := rand.New(rand.NewPCG(seed, 2))
	vs := make([]Value, n)
	for i := range vs {
		vs[i] = String(fmt.Sprintf("gw-17/dev-%03d", r.IntN(100)))
	}
	return vs
}

var benchAggs = []struct {
	name string
	args AggArgs
	in   func(n int, seed uint64) []Value
}{
	{"count_star", AggArgs{}, sensorValues},
	{"count", AggArgs{}, sensorValues},
	{"sum", AggArgs{}, sensorValues},
	{"avg", AggArgs{}, sensorValues},
	{"min", AggArgs{}, sensorValues},
	{"max", AggArgs{}, sensorValues},
	{"first_value", AggArgs{}, sensorValues},
	{"last_value", AggArgs{}, sensorValues},
	{"stddev", AggArgs{}, sensorValues},
	{"approx_percentile", AggArgs{Quantiles: []float64{0.99}}, sensorValues},
	{"approx_count_distinct", AggArgs{}, deviceIDs},
	{"histogram", AggArgs{Bounds: []float64{0, 10, 15, 20, 25, 30, 40}}, sensorValues},
}

// BenchmarkAggAdd measures Add on one state (the operator's per-event cost
// for one aggregate of one key), and reports the encoded size of a state
// that took 1,000 of the same values.
func BenchmarkAggAdd(b *testing.B) {
	for _, c := range benchAggs {
		b.Run(c.name, func(b *testing.B) {
			a := mustAgg(b, c.name, c.args)
			in := c.in(4096, 1)
			s := a.NewState()
			for _, v := range in[:1000] {
				s.Add(v, 0)
			}
			size := len(s.AppendBinary(nil))
			s.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				s.Add(in[i&4095], int64(i))
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64(size), "state-bytes")
		})
	}
}

// BenchmarkAggMergeEncode measures what a checkpoint and the central merge
// do per state: encode, decode, merge; state of 1,000 values.
func BenchmarkAggMergeEncode(b *testing.B) {
	for _, c := range benchAggs {
		b.Run(c.name, func(b *testing.B) {
			a := mustAgg(b, c.name, c.args)
			s := feed(a, c.in(1000, 1)...)
			enc := s.AppendBinary(nil)
			acc, d := a.NewState(), a.NewState()
			buf := make([]byte, 0, 2*len(enc))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf = s.AppendBinary(buf[:0])
				if err := d.UnmarshalBinary(buf); err != nil {
					b.Fatal(err)
				}
				if err := acc.Merge(d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(enc)), "state-bytes")
		})
	}
}

// TestAggStateBytes measures encoded state sizes and checks them against
// ceilings, so that an encoding that grows is noticed. Run with -v for the
// table.
func TestAggStateBytes(t *testing.T) {
	type ceil struct{ empty, one, k1 int }
	ceilings := map[string]ceil{
		"count_star": {3, 3, 4}, "count": {3, 3, 4}, "sum": {3, 21, 22}, "avg": {3, 21, 22},
		"min": {3, 21, 22}, "max": {3, 21, 22}, "first_value": {3, 18, 14}, "last_value": {3, 18, 14},
		"stddev": {3, 19, 20}, "approx_percentile": {5, 30, 130}, "approx_count_distinct": {4, 30, 350},
		"histogram": {8, 32, 36},
	}
	var tab strings.Builder
	fmt.Fprintf(&tab, "%-22s %6s %6s %6s %6s %8s\n", "aggregate", "empty", "1", "100", "1000", "100000")
	for _, c := range benchAggs {
		a := mustAgg(t, c.name, c.args)
		in := c.in(100000, 5)
		size := func(n int) int { return len(feed(a, in[:n]...).AppendBinary(nil)) }
		// a realistic event time for first/last: now in Unix ms
		one := a.NewState()
		one.Add(in[0], time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC).UnixMilli())
		e, o, k1 := size(0), len(one.AppendBinary(nil)), size(1000)
		fmt.Fprintf(&tab, "%-22s %6d %6d %6d %6d %8d\n", c.name, e, o, size(100), k1, size(100000))
		if cl := ceilings[c.name]; e > cl.empty || o > cl.one || k1 > cl.k1 {
			t.Errorf("%s: %d/%d/%d bytes (empty/one/1000) above %+v", c.name, e, o, k1, cl)
		}
	}
	t.Logf("encoded state bytes by events added (sensor floats; distinct: 100 device ids)\n%s", tab.String())
}

// BenchmarkAggStateMemory measures retained heap bytes per state holding
// 100 values (the in-memory cost per key and window of one aggregate,
// besides the operator's own maps), reported as "heap-bytes/state".
func BenchmarkAggStateMemory(b *testing.B) {
	const keys = 20000
	for _, c := range benchAggs {
		b.Run(c.name, func(b *testing.B) {
			a := mustAgg(b, c.name, c.args)
			in := c.in(100, 9)
			var per float64
			for i := 0; i < b.N; i++ {
				states := make([]State, keys)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for k := range states {
					states[k] = feed(a, in...)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				per = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / keys
				runtime.KeepAlive(states)
			}
			b.ReportMetric(per, "heap-bytes/state")
		})
	}
}
