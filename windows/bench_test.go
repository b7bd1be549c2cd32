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
	keys   [][]byte
	parts  [][]byte
	jitter []int64
	orders [][]int32
	temps  []float64
	period int64
	batch  []Record // events of the current batch
	vals   []Value  // backs the Values of batch
	nagg   int
	round  int64
	i      int

	afterBatch func() // called after each batch and its Advance, if set
}

// benchBatch is the batch size of the benchmarks: what an ingest loop
// collects from MQTT between two commits.
const benchBatch = 256

func newFleet(devices int, period int64, nagg int) *fleet {
	r := rand.New(rand.NewPCG(1, 2))
	f := &fleet{period: period, nagg: nagg, batch: make([]Record, benchBatch), vals: make([]Value, benchBatch*nagg)}
	for i := range f.batch {
		f.batch[i].Values = f.vals[i*nagg : (i+1)*nagg : (i+1)*nagg]
	}
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
	return f
}

// nextBatch fills the batch with the next n events and returns it; at the
// end of each round (every device sent once) it also returns the round's
// processing time to Advance to, or 0.
func (f *fleet) nextBatch(n int) ([]Record, int64) {
	order := f.orders[f.round%int64(len(f.orders))]
	n = min(n, len(order)-f.i, len(f.batch))
	for j := range n {
		d := order[f.i+j]
		r := &f.batch[j]
		r.Key = f.keys[d]
		r.Partition = f.parts[d]
		r.Time = 1_700_000_000_000 + f.round*f.period + f.jitter[d]
		t := Float(f.temps[(int(f.round)*7+int(d))&4095])
		for k := range r.Values {
			r.Values[k] = t
		}
	}
	f.i += n
	if f.i == len(order) {
		f.i = 0
		f.round++
		return f.batch[:n], 1_700_000_000_000 + f.round*f.period
	}
	return f.batch[:n], 0
}

// feed runs n events through o, in batches with ProcessBatch or one by one
// with Process, calling Advance after each round.
func (f *fleet) feed(b testing.TB, o *Operator, n int, batched bool) {
	for n > 0 {
		recs, now := f.nextBatch(min(n, benchBatch))
		n -= len(recs)
		if batched {
			if err := o.ProcessBatch(recs); err != nil {
				b.Fatal(err)
			}
		} else {
			for i := range recs {
				if err := o.Process(&recs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
		if now != 0 {
			o.Advance(now)
		}
		if f.afterBatch != nil {
			f.afterBatch()
		}
	}
}

func opBenchAggs(b *testing.B, names ...string) []Aggregate {
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
func benchTumbling(b *testing.B, aggs []Aggregate, batched bool) {
	benchTumblingCommit(b, aggs, batched, false)
}

// benchTumblingCommit is benchTumbling; with commit it also calls Changes
// after every batch, as the agent does in each transaction, and reports
// the bytes it yields per event.
func benchTumblingCommit(b *testing.B, aggs []Aggregate, batched, commit bool) {
	const devices = 10_000
	out := &discard{}
	f := newFleet(devices, 1000, len(aggs))
	spec := Spec{Window: Tumbling{Size: 10_000}, Aggregates: aggs, OutOfOrderness: 1000, IdleTimeout: 60_000, NoChanges: !commit}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	o, err := New(spec, out)
	if err != nil {
		b.Fatal(err)
	}
	written := 0
	if commit {
		f.afterBatch = func() {
			if err := o.Changes(func(k, v []byte) error { written += len(k) + len(v); return nil }); err != nil {
				b.Fatal(err)
			}
		}
	}
	f.feed(b, o, 30*devices, batched) // three windows: free lists and maps at their steady size
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
	written = 0
	b.ResetTimer()
	start := time.Now()
	f.feed(b, o, b.N, batched)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(snap)/devices, "snapshot-B/key")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/devices, "heap-B/key")
	if out.late != 0 {
		b.Fatalf("%d late events", out.late)
	}
}

// The two benchmarks named in issue 4 feed batches of 256 events with
// ProcessBatch, as the ingest loop does; the ...Process variants feed the
// same events one by one.

func BenchmarkTumblingCountSumAvgMax10kKeys(b *testing.B) {
	benchTumbling(b, opBenchAggs(b, "count", "sum", "avg", "max"), true)
}

func BenchmarkTumblingP99Distinct10kKeys(b *testing.B) {
	benchTumbling(b, opBenchAggs(b, "approx_percentile", "approx_count_distinct"), true)
}

// ...Changes: with an incremental snapshot after every batch of 256.
func BenchmarkTumblingCountSumAvgMax10kKeysChanges(b *testing.B) {
	benchTumblingCommit(b, opBenchAggs(b, "count", "sum", "avg", "max"), true, true)
}

func BenchmarkTumblingCountSumAvgMax10kKeysProcess(b *testing.B) {
	benchTumbling(b, opBenchAggs(b, "count", "sum", "avg", "max"), false)
}

func BenchmarkTumblingP99Distinct10kKeysProcess(b *testing.B) {
	benchTumbling(b, opBenchAggs(b, "approx_percentile", "approx_count_distinct"), false)
}
