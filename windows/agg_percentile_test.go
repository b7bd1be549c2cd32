package windows

import (
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// TestDDSketchMatchesLibrary checks the sketch against
// github.com/DataDog/sketches-go's LogCollapsingLowestDenseDDSketch with the
// same accuracy and bin limit: same bins, same values at every rank.
func TestDDSketchMatchesLibrary(t *testing.T) {
	for _, alpha := range []float64{0.01, 0.02, 0.001} {
		rng := rand.New(rand.NewPCG(1, uint64(alpha*1e6)))
		m := newDDMapping(alpha)
		lib, err := ddsketch.LogCollapsingLowestDenseDDSketch(alpha, m.maxBins)
		if err != nil {
			t.Fatal(err)
		}
		var sk ddSketch
		for i := 0; i < 20000; i++ {
			var x float64
			switch i % 5 {
			case 0:
				x = rng.NormFloat64() * 100
			case 1:
				x = math.Exp(rng.NormFloat64() * 5) // 1e-6 .. 1e6
			case 2:
				x = -rng.ExpFloat64()
			case 3:
				x = float64(rng.IntN(5)) // zeros and small ints
			case 4:
				x = -math.Exp(rng.NormFloat64() * 30) // beyond maxBins: collapses
			}
			if err := lib.Add(x); err != nil {
				t.Fatal(err)
			}
			sk.add(&m, x, 1)
		}
		if got, want := float64(sk.count()), lib.GetCount(); got != want {
			t.Fatalf("α=%v: count %v, library %v", alpha, got, want)
		}
		if got, want := m.alpha, lib.RelativeAccuracy(); got != want {
			t.Fatalf("α=%v: relative accuracy %v, library %v", alpha, got, want)
		}
		// Same bins in both stores, and the same value for each bin.
		for _, c := range []struct {
			name string
			lib  store.Store
			own  *ddStore
		}{{"positive", lib.GetPositiveValueStore(), &sk.pos}, {"negative", lib.GetNegativeValueStore(), &sk.neg}} {
			want := map[int]uint64{}
			c.lib.ForEach(func(i int, n float64) bool {
				if n != 0 {
					want[i] = uint64(n)
				}
				return false
			})
			got := map[int]uint64{}
			for j, n := range c.own.bins {
				if n != 0 {
					got[c.own.offset+j] = n
				}
			}
			if !maps.Equal(got, want) {
				t.Fatalf("α=%v: %s bins differ from the library's:\n%v\n%v", alpha, c.name, got, want)
			}
			for i := range got {
				if lv, ov := lib.Value(i), m.value(i); lv != ov {
					t.Fatalf("α=%v: bin %d value %v, library %v", alpha, i, ov, lv)
				}
			}
		}
		if lo, hi := sk.neg.nonzeroRange(); hi-lo+1 != m.maxBins {
			t.Fatalf("α=%v: negative store spans %d bins, want the limit %d (collapsed)", alpha, hi-lo+1, m.maxBins)
		}
		if got, want := float64(sk.zero), lib.GetZeroCount(); got != want {
			t.Fatalf("α=%v: zero count %v, library %v", alpha, got, want)
		}
		// And the same quantile where the rank is an integer (the library
		// rounds fractional ranks differently for negative values).
		n := sk.count()
		for k := uint64(0); k < n; k += 999 {
			q := float64(k) / float64(n-1)
			if q*float64(n-1) != float64(k) {
				continue
			}
			want, err := lib.GetValueAtQuantile(q)
			if err != nil {
				t.Fatal(err)
			}
			if got := sk.atRank(&m, k); got != want {
				t.Fatalf("α=%v rank %d: %v, library %v", alpha, k, got, want)
			}
		}
	}
}

// TestDDStoreCollapse checks that a store never holds more than its limit
// of bins and folds the lowest indices into the lowest kept bin, whatever
// the order.
func TestDDStoreCollapse(t *testing.T) {
	idx := []int{0, 5000, 10, -3000, 4990, 2953, 2952, 2953}
	want := map[int]uint64{2953: 6, 4990: 1, 5000: 1} // 5000−2047 = 2953
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7}, {7, 6, 5, 4, 3, 2, 1, 0}, {1, 3, 0, 2, 5, 4, 7, 6}} {
		var s ddStore
		for _, o := range order {
			s.add(idx[o], 1, 2048)
		}
		if len(s.bins) > 2048 {
			t.Fatalf("%d bins", len(s.bins))
		}
		got := map[int]uint64{}
		for j, c := range s.bins {
			if c != 0 {
				got[s.offset+j] = c
			}
		}
		if len(got) != len(want) || got[2953] != 6 || got[4990] != 1 || got[5000] != 1 || s.n != 8 {
			t.Fatalf("order %v: bins %v, n %d; want %v", order, got, s.n, want)
		}
	}
}

// trueDisc is the exact percentile_disc of xs (sorted).
func trueDisc(xs []float64, q float64) float64 {
	k := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(k, 0)]
}

// trueCont is the exact percentile_cont of xs (sorted) and the larger
// magnitude of the two values it interpolates.
func trueCont(xs []float64, q float64) (v, scale float64) {
	r := q * float64(len(xs)-1)
	lo := math.Floor(r)
	a, b := xs[int(lo)], xs[int(math.Ceil(r))]
	return a + (r-lo)*(b-a), math.Max(math.Abs(a), math.Abs(b))
}

// checkPercentile checks that a percentile state over xs is within its bound
// of the exact value for each quantile of a.
func checkPercentile(t *testing.T, a *percentileAgg, s State, xs []float64) {
	t.Helper()
	xs = slices.Clone(xs)
	slices.Sort(xs)
	ps := s.(*percentileState)
	alpha := a.m.alpha * (1 + 1e-12) // float rounding of the bin value
	for _, q := range a.qs {
		got := ps.Quantile(q)
		if len(xs) == 0 {
			if got != Null {
				t.Fatalf("%s(%v) of nothing = %v", a.name, q, got)
			}
			continue
		}
		var want, scale float64
		if a.cont {
			want, scale = trueCont(xs, q)
		} else {
			want = trueDisc(xs, q)
			scale = math.Abs(want)
		}
		if got.Kind != KindFloat || math.Abs(got.F-want) > alpha*scale {
			t.Fatalf("%s(%v) over %d values = %v, exact %v, allowed error %v", a.name, q, len(xs), got, want, alpha*scale)
		}
	}
}

func TestPercentileAccuracy(t *testing.T) {
	qs := []float64{0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1}
	gens := map[string]func(r *rand.Rand) float64{
		"uniform":   func(r *rand.Rand) float64 { return 20 + 10*r.Float64() },
		"normal":    func(r *rand.Rand) float64 { return r.NormFloat64() * 50 },
		"lognormal": func(r *rand.Rand) float64 { return math.Exp(3 * r.NormFloat64()) },
		"ints":      func(r *rand.Rand) float64 { return float64(r.IntN(21) - 10) },
		"constant":  func(r *rand.Rand) float64 { return -7.25 },
	}
	for _, name := range []string{"approx_percentile", "percentile_cont"} {
		for _, alpha := range []float64{0, 0.05, 0.001} {
			a := mustAgg(t, name, AggArgs{Quantiles: qs, RelativeAccuracy: alpha}).(*percentileAgg)
			for gname, gen := range gens {
				rng := rand.New(rand.NewPCG(7, 11))
				for _, n := range []int{1, 2, 3, 10, 1000, 30000} {
					s := a.NewState()
					xs := make([]float64, n)
					for i := range xs {
						xs[i] = gen(rng)
						s.Add(Float(xs[i]), 0)
						if i%10 == 0 {
							s.Add(Null, 0)
						}
					}
					t.Run(gname, func(t *testing.T) { checkPercentile(t, a, s, xs) })
				}
			}
		}
	}
}

func TestPercentileResults(t *testing.T) {
	a := mustAgg(t, "approx_percentile", AggArgs{Quantiles: []float64{0.5}})
	if got := feed(a).Result(); got != Null {
		t.Errorf("empty = %v", got)
	}
	if got := feed(a, Null, String("x")).Result(); got != Null {
		t.Errorf("only non-numbers = %v", got)
	}
	if got := feed(a, Float(3.3)).Result(); got != Float(3.3) {
		t.Errorf("one value = %v, want it exactly (clamped to min/max)", got)
	}
	if got := feed(a, Int(-4), Int(1), Int(-4)).Result(); got != Float(-4) {
		t.Errorf("median of -4,1,-4 = %v", got)
	}
	m := mustAgg(t, "percentile_disc", AggArgs{Quantiles: []float64{0, 1, 0.5}})
	s := feed(m, Int(1), Int(2), Int(3), Int(100))
	if got, want := s.Result(), String("[1,100,2]"); got.Kind != KindString || got.S[:7] != "[1,100," {
		t.Errorf("several quantiles = %v, want like %v", got, want)
	}
	vs := s.(*percentileState).Results(nil)
	if len(vs) != 3 || vs[0] != Float(1) || vs[1] != Float(100) || !closeValue(vs[2], Float(2), 0.01) {
		t.Errorf("Results = %v", vs)
	}
	if got := feed(m).(*percentileState).Results(nil); len(got) != 3 || got[0] != Null {
		t.Errorf("empty Results = %v", got)
	}
	c := mustAgg(t, "percentile_cont", AggArgs{Quantiles: []float64{0.5}})
	if got := feed(c, Int(1), Int(2), Int(3), Int(4)).Result(); !closeValue(got, Float(2.5), 0.01) {
		t.Errorf("percentile_cont(0.5) of 1..4 = %v, want 2.5 ± 1%%", got)
	}
	if got, want := feed(c, Int(-1), Float(0), Int(8)).Mergeable(), (Mergeable{Count: 3, Min: -1, Max: 8, HasMin: true}); got != want {
		t.Errorf("Mergeable = %+v, want %+v", got, want)
	}
	roundTrip(t, a, feed(a))
	roundTrip(t, a, feed(a, Int(5)))
	roundTrip(t, m, feed(m, Float(-1e300), Float(0), Float(1e-300), Float(2), Float(-3)))
}

func TestPercentileArgsAndMismatch(t *testing.T) {
	bad := []AggArgs{
		{},
		{Quantiles: []float64{}},
		{Quantiles: []float64{1.5}},
		{Quantiles: []float64{math.NaN()}},
		{Quantiles: []float64{0.5}, RelativeAccuracy: 0.5},
		{Quantiles: []float64{0.5}, RelativeAccuracy: -0.01},
		{Quantiles: []float64{0.5}, RelativeAccuracy: 1e-9},
	}
	for _, args := range bad {
		if _, err := NewAggregate("approx_percentile", args); !errors.Is(err, ErrAggregateArgs) {
			t.Errorf("%+v: err %v", args, err)
		}
	}
	a1 := mustAgg(t, "approx_percentile", AggArgs{Quantiles: []float64{0.5}})
	a2 := mustAgg(t, "approx_percentile", AggArgs{Quantiles: []float64{0.9}, RelativeAccuracy: 0.02})
	a3 := mustAgg(t, "percentile_cont", AggArgs{Quantiles: []float64{0.1, 0.2}})
	s := feed(a1, Int(1))
	if err := s.Merge(feed(a2, Int(2))); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("merged states of another accuracy: %v", err)
	}
	if err := s.Merge(feed(a3, Int(3))); err != nil {
		t.Errorf("states of other quantiles, same accuracy: %v", err)
	}
	if err := a2.NewState().UnmarshalBinary(s.AppendBinary(nil)); !errors.Is(err, ErrCorruptState) {
		t.Errorf("decoded a state of another accuracy: %v", err)
	}
}
