package windows

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// step is one call of a scripted run: an event, or an Advance when adv is
// set.
type step struct {
	e   ev
	adv bool
	now int64
}

// propKinds are the window kinds the property tests run over.
var propKinds = []Windowing{
	Tumbling{Size: 100},
	Tumbling{Size: 70, Offset: -25},
	Hopping{Size: 100, Slide: 25},
	Session{Gap: 30},
	Session{Gap: 30, MaxDuration: 200},
}

// disorderedStream returns events of nParts partitions feeding nKeys keys,
// each partition's events in arrival order within ooo of the partition's
// largest earlier event time, and also all events sorted by time. Keys are
// fed by several partitions.
func disorderedStream(r *rand.Rand, nParts, nKeys, perPart int, ooo int64) (arrival, sorted []ev) {
	type arr struct {
		e ev
		a int64
	}
	var all []arr
	for p := range nParts {
		ts := int64(r.IntN(50))
		for range perPart {
			ts += int64(r.IntN(20))
			e := ev{key: fmt.Sprintf("k%d", r.IntN(nKeys)), part: fmt.Sprintf("p%d", p), ts: ts, v: int64(r.IntN(1000) - 500)}
			// arriving at ts + d, d in [0, ooo], keeps the event within the
			// bound of everything that arrived before it
			all = append(all, arr{e, ts + r.Int64N(ooo+1)})
		}
	}
	slices.SortStableFunc(all, func(x, y arr) int { return int(x.a - y.a) })
	for _, x := range all {
		arrival = append(arrival, x.e)
	}
	sorted = slices.Clone(arrival)
	slices.SortStableFunc(sorted, func(x, y ev) int { return int(x.ts - y.ts) })
	return arrival, sorted
}

// withAdvances inserts Advance calls at random points.
func withAdvances(r *rand.Rand, evs []ev) []step {
	var steps []step
	now := int64(0)
	for _, e := range evs {
		if r.IntN(8) == 0 {
			now += int64(r.IntN(10))
			steps = append(steps, step{adv: true, now: now})
		}
		steps = append(steps, step{e: e})
	}
	return steps
}

// seeds is the number of fixed seeds a property test runs: fewer with
// -short.
func seeds(n uint64) uint64 {
	if testing.Short() {
		return max(n/5, 2)
	}
	return n
}

func propAggs(t testing.TB) []Aggregate {
	var aggs []Aggregate
	for _, n := range []string{"count", "sum", "min", "max", "avg"} {
		a, err := NewAggregate(n, AggArgs{Star: n == "count"})
		if err != nil {
			t.Fatal(err)
		}
		aggs = append(aggs, a)
	}
	return aggs
}

func runSteps(t testing.TB, o *Operator, steps []step) {
	var f feeder
	for _, s := range steps {
		if s.adv {
			o.Advance(s.now)
		} else {
			f.process(t, o, s.e)
		}
	}
}

// (b) Any reordering within the out-of-orderness bound gives the same
// final results as sorted input.
func TestPropertyReorderingWithinBound(t *testing.T) {
	for seed := range seeds(20) {
		for _, kind := range propKinds {
			if s, ok := kind.(Session); ok && s.MaxDuration > 0 {
				continue // split points depend on arrival order (documented)
			}
			r := rand.New(rand.NewPCG(seed, 4))
			const ooo = 40
			arrival, sorted := disorderedStream(r, 1+r.IntN(6), 1+r.IntN(5), 200, ooo)
			spec := Spec{Window: kind, Aggregates: propAggs(t), OutOfOrderness: ooo, IdleTimeout: 1 << 40}
			final := func(evs []ev) []string {
				o, s := newOp(t, spec)
				runSteps(t, o, withAdvances(r, evs))
				o.Advance(1 << 41) // every partition idle: flush all
				if st := o.Stats(); st.LateAccepted+st.LateDropped != 0 || st.Windows != 0 {
					t.Fatalf("seed %d %v: %+v", seed, kind, st)
				}
				rows := s.take()
				slices.Sort(rows)
				return rows
			}
			want, got := final(sorted), final(arrival)
			if len(want) == 0 {
				t.Fatal("no results")
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d %v: reordered input gives\n%s\nsorted input gives\n%s", seed, kind,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// (c) Snapshot → restore at any point, then continuing, equals an
// uninterrupted run: same results in the same order, same late events, same
// counters. The incremental changes applied to a map equal a full snapshot.
func TestPropertySnapshotRestore(t *testing.T) {
	drops := uint64(0)
	for seed := range seeds(25) {
		for ki, kind := range append(propKinds, Unbounded{}) {
			r := rand.New(rand.NewPCG(seed, uint64(ki)))
			// A disorder bound smaller than the real disorder, so that some
			// events are late and some too late.
			arrival, _ := disorderedStream(r, 1+r.IntN(6), 1+r.IntN(8), 150, 150)
			steps := withAdvances(r, arrival)
			// Some partitions fall silent for a while: long Advance gaps.
			for i := range steps {
				if steps[i].adv && r.IntN(30) == 0 {
					for j := i; j < len(steps); j++ {
						if steps[j].adv {
							steps[j].now += 200
						}
					}
				}
			}
			spec := Spec{Window: kind, Aggregates: propAggs(t), OutOfOrderness: 20,
				AllowedLateness: int64(r.IntN(3)) * 60, IdleTimeout: 150, EmitEvery: int64(r.IntN(2)) * 15,
				KeyTTL: int64(r.IntN(3)) * 40}
			if _, ok := kind.(Unbounded); ok {
				spec.OutOfOrderness, spec.AllowedLateness = 0, 0
			}

			want, wantSink := newOp(t, spec)
			runSteps(t, want, steps)
			want.Advance(1 << 40)

			got, gotSink := newOp(t, spec)
			st := memStore{}
			var f feeder
			for i, s := range steps {
				if s.adv {
					got.Advance(s.now)
				} else {
					f.process(t, got, s.e)
				}
				if r.IntN(15) != 0 && i != len(steps)-1 {
					continue
				}
				st.commit(t, got)
				full := memStore{}
				if err := got.Entries(func(k, v []byte) error { full[string(k)] = slices.Clone(v); return nil }); err != nil {
					t.Fatal(err)
				}
				if diff := diffStores(st, full); diff != "" {
					t.Fatalf("seed %d %v step %d: incremental snapshot differs from full: %s", seed, kind, i, diff)
				}
				fresh, err := New(spec, gotSink)
				if err != nil {
					t.Fatal(err)
				}
				if err := fresh.Restore(st.entries); err != nil {
					t.Fatalf("seed %d %v step %d: Restore: %v", seed, kind, i, err)
				}
				got = fresh
			}
			got.Advance(1 << 40)

			if w, g := wantSink.take(), gotSink.take(); !slices.Equal(w, g) {
				t.Fatalf("seed %d %v: restored run differs:\n got %d rows %q\nwant %d rows %q", seed, kind, len(g), g, len(w), w)
			}
			if !slices.EqualFunc(wantSink.late, gotSink.late, func(a, b Record) bool { return a.Time == b.Time && string(a.Key) == string(b.Key) }) {
				t.Fatalf("seed %d %v: late events differ", seed, kind)
			}
			if w, g := want.Stats(), got.Stats(); w != g {
				t.Fatalf("seed %d %v: stats differ:\n got %+v\nwant %+v", seed, kind, g, w)
			}
			drops += want.Stats().KeysDropped
		}
	}
	if drops == 0 {
		t.Fatal("no key was dropped (KeyTTL): the test does not cover it")
	}
}

func diffStores(a, b memStore) string {
	for k, v := range a {
		if w, ok := b[k]; !ok {
			return fmt.Sprintf("stale entry %q", k)
		} else if string(w) != string(v) {
			return fmt.Sprintf("entry %q: %x, full snapshot has %x", k, v, w)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return fmt.Sprintf("missing entry %q", k)
		}
	}
	return ""
}

// ProcessBatch has the effect of Process on each record, in order.
func TestPropertyProcessBatchEqualsProcess(t *testing.T) {
	for seed := range seeds(10) {
		for ki, kind := range append(propKinds, Unbounded{}) {
			r := rand.New(rand.NewPCG(seed, 100+uint64(ki)))
			arrival, _ := disorderedStream(r, 1+r.IntN(6), 1+r.IntN(8), 150, 150)
			steps := withAdvances(r, arrival)
			spec := Spec{Window: kind, Aggregates: propAggs(t), OutOfOrderness: 20, AllowedLateness: 40, IdleTimeout: 150, EmitEvery: 15}
			want, wantSink := newOp(t, spec)
			runSteps(t, want, steps)
			got, gotSink := newOp(t, spec)
			var batch []Record
			var f feeder
			flush := func() {
				if err := got.ProcessBatch(batch); err != nil {
					t.Fatal(err)
				}
				batch = batch[:0]
			}
			for _, s := range steps {
				if s.adv {
					flush()
					got.Advance(s.now)
					continue
				}
				f.rec = Record{} // a fresh record per event: the batch keeps them
				f.vals = nil
				f.rec.Key = AppendKey(nil, String(s.e.key))
				f.rec.Partition = []byte(s.e.part)
				f.rec.Time = s.e.ts
				for range spec.Aggregates {
					f.vals = append(f.vals, Int(s.e.v))
				}
				f.rec.Values = f.vals
				batch = append(batch, f.rec)
				if r.IntN(20) == 0 {
					flush()
				}
			}
			flush()
			if w, g := wantSink.take(), gotSink.take(); !slices.Equal(w, g) {
				t.Fatalf("seed %d %v: batches differ:\n got %q\nwant %q", seed, kind, g, w)
			}
			if len(wantSink.late) != len(gotSink.late) || want.Stats() != got.Stats() {
				t.Fatalf("seed %d %v: late or stats differ: %+v vs %+v", seed, kind, got.Stats(), want.Stats())
			}
		}
	}
}
