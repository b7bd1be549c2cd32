package windows

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// discard is an Output that only counts, so that benchmarks measure the
// operator.
type discard struct{ results, late int }

func (d *discard) Result(*Result)  { d.results++ }
func (d *discard) Late(*LateEvent) { d.late++ }

// fleet simulates devices, each its own group key and watermark partition,
// each sending one reading per period with jitter below the disorder bound,
// in a different order every round.
type fleet struct {
	keys    [][]byte
	parts   [][]byte
	jitter  []int64
	orders  [][]int32
	temps   []float64
	period  int64
	rec     Record
	vals    []Value
	round   int64
	i       int
	advance func(now int64)
}

func newFleet(devices int, period int64, nagg int) *fleet {
	r := rand.New(rand.NewPCG(1, 2))
	f := &fleet{period: period, vals: make([]Value, nagg)}
	// Keys and partition names are packed like the reused decode buffers of
	// a real ingest path, not scattered over the heap.
	var keyArena, partArena []byte
	for d := range devices {
		name := fmt.Sprintf("gw1/dev-%05d", d)
		keyArena = AppendKey(keyArena, String(name))
		partArena = append(partArena, name...)
		f.jitter = append(f.jitter, r.Int64N(period/2))
	}
	kl, pl := len(keyArena)/devices, len(partArena)/devices
	for d := range devices {
		f.keys = append(f.keys, keyArena[d*kl:(d+1)*kl:(d+1)*kl])
		f.parts = append(f.parts, partArena[d*pl:(d+1)*pl:(d+1)*pl])
	}
	for range 16 {
		o := make([]int32, devices)
		for i, p := range r.Perm(devices) {
			o[i] = int32(p)
		}
		f.orders = append(f.orders, o)
	}
	for range 4096 {
		f.temps = append(f.temps, 15+10*r.Float64()+float64(r.IntN(3))*0.1)
	}
	f.rec.Values = f.vals
	return f
}

// next feeds one event to o; at the end of each round it calls Advance with
// the round's processing time.
func (f *fleet) next(b *testing.B, o *Operator) {
	order := f.orders[f.round%int64(len(f.orders))]
	d := order[f.i]
	f.rec.Key = f.keys[d]
	f.rec.Partition = f.parts[d]
	f.rec.Time = 1_700_000_000_000 + f.round*f.period + f.jitter[d]
	t := Float(f.temps[(int(f.round)*7+int(d))&4095])
	for j := range f.vals {
		f.vals[j] = t
	}
	if err := o.Process(&f.rec); err != nil {
		b.Fatal(err)
	}
	f.i++
	if f.i == len(order) {
		f.i = 0
		f.round++
		o.Advance(1_700_000_000_000 + f.round*f.period)
	}
}

func benchAggs(b *testing.B, names ...string) []Aggregate {
	var aggs []Aggregate
	for _, n := range names {
		args := AggArgs{}
		switch n {
		case "count":
			args.Star = true
		case "approx_percentile":
			args.Quantiles = []float64{0.99}
		}
		a, err := NewAggregate(n, args)
		if err != nil {
			b.Skipf("aggregate %s: %v", n, err)
		}
		aggs = append(aggs, a)
	}
	return aggs
}

// benchTumbling runs 10k devices, one reading per second each, into 10 s
// tumbling windows with a 1 s disorder bound; b.N events go through many
// windows. It reports events/s, the encoded snapshot bytes per key and the
// heap bytes per key, measured after a warm-up of three windows.
func benchTumbling(b *testing.B, aggs []Aggregate) {
	const devices = 10_000
	out := &discard{}
	f := newFleet(devices, 1000, len(aggs))
	spec := Spec{Window: Tumbling{Size: 10_000}, Aggregates: aggs, OutOfOrderness: 1000, IdleTimeout: 60_000, NoChanges: true}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	o, err := New(spec, out)
	if err != nil {
		b.Fatal(err)
	}
	for range 30 * devices { // three windows: free lists and maps at their steady size
		f.next(b, o)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	snap := 0
	if err := o.Entries(func(k, v []byte) error { snap += len(k) + len(v); return nil }); err != nil {
		b.Fatal(err)
	}
	if out.results == 0 || out.late != 0 {
		b.Fatalf("warm-up: %d results, %d late", out.results, out.late)
	}

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		f.next(b, o)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(snap)/devices, "snapshot-B/key")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/devices, "heap-B/key")
	if out.late != 0 {
		b.Fatalf("%d late events", out.late)
	}
}

func BenchmarkTumblingCountSumAvgMax10kKeys(b *testing.B) {
	benchTumbling(b, benchAggs(b, "count", "sum", "avg", "max"))
}

func BenchmarkTumblingP99Distinct10kKeys(b *testing.B) {
	benchTumbling(b, benchAggs(b, "approx_percentile", "approx_count_distinct"))
}
