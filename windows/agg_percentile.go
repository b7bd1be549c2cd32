package windows

import (
	"fmt"
	"math"
	"strconv"
)

// approx_percentile (alias percentile_disc) and percentile_cont estimate
// quantiles of numeric inputs (see numberOf) with a DDSketch (agg_ddsketch.go)
// of relative accuracy α, 0.01 unless AggArgs.RelativeAccuracy says otherwise
// (rounded to a millionth). Negative values, zero and positive values are all
// tracked.
//
//   - approx_percentile(q), percentile_disc(q): the value of 0-based rank
//     max(⌈q·n⌉−1, 0) in sorted order, as PostgreSQL's percentile_disc,
//     estimated within α relative error: |estimate − x| ≤ α·|x|.
//   - percentile_cont(q): PostgreSQL's interpolation between the values of
//     ranks ⌊q·(n−1)⌋ and ⌈q·(n−1)⌉, computed from their two estimates, so
//     within α·max(|x_lo|, |x_hi|) of the exact result (within α relative when
//     both have the same sign). It is an approximation, unlike PostgreSQL's.
//
// Estimates are clamped to the exact minimum and maximum, which the state
// also keeps, so q = 0 and q = 1 are exact. One quantile gives a Float result;
// several give a JSON array string such as "[12.5,40.1]" in the order asked,
// and Results returns them as Floats. An empty state gives NULL.
//
// States of different quantiles but the same accuracy merge (the quantiles
// are read at Result time only). Mergeable exposes Count, Min and Max.
//
// Encoding: header, uvarint α in millionths, uvarint n, and when n > 0 the
// exact min and max (16 bytes), the zero count and the two stores (about two
// bytes per occupied bin). Measured sizes are in the report of
// TestAggStateBytes.

type percentileAgg struct {
	name    string
	qs      []float64
	cont    bool
	alphaPM uint64 // α in millionths
	m       ddMapping
}

// DefaultRelativeAccuracy is the relative accuracy of quantile sketches when
// AggArgs.RelativeAccuracy is 0.
const DefaultRelativeAccuracy = 0.01

func newPercentileAgg(name string, a AggArgs) (Aggregate, error) {
	if len(a.Quantiles) == 0 {
		return nil, fmt.Errorf("%w: %s needs at least one quantile in [0, 1]", ErrAggregateArgs, name)
	}
	for _, q := range a.Quantiles {
		if !(q >= 0 && q <= 1) {
			return nil, fmt.Errorf("%w: %s quantile %v is not in [0, 1]", ErrAggregateArgs, name, q)
		}
	}
	alpha := a.RelativeAccuracy
	if alpha == 0 {
		alpha = DefaultRelativeAccuracy
	}
	pm := math.Round(alpha * 1e6)
	if !(pm >= 1 && pm < 500000) {
		return nil, fmt.Errorf("%w: %s relative accuracy %v is not in [0.000001, 0.5)", ErrAggregateArgs, name, a.RelativeAccuracy)
	}
	return &percentileAgg{
		name:    name,
		qs:      append([]float64(nil), a.Quantiles...),
		cont:    name == "percentile_cont",
		alphaPM: uint64(pm),
		m:       newDDMapping(pm / 1e6),
	}, nil
}

func (a *percentileAgg) Name() string    { return a.name }
func (a *percentileAgg) NewState() State { return &percentileState{agg: a} }

type percentileState struct {
	agg      *percentileAgg
	n        int64
	min, max float64
	sk       ddSketch
	// buf holds the latest inputs, not yet in sk, as distinctState.buf does:
	// the sketch's bins are a separate object, cold in cache with many keys.
	buf [addBuffer]float64
	nb  int8
}

func (s *percentileState) Add(v Value, _ int64) {
	x, ok := numberOf(v)
	if !ok || !s.agg.m.indexable(x) {
		return
	}
	s.buf[s.nb] = x
	if s.nb++; int(s.nb) == addBuffer {
		s.flush()
	}
	if s.n == 0 {
		s.min, s.max = x, x
	} else {
		s.min, s.max = math.Min(s.min, x), math.Max(s.max, x)
	}
	s.n++
}

// flush adds the buffered inputs to the sketch.
func (s *percentileState) flush() {
	if s.nb == 0 {
		return
	}
	for _, x := range s.buf[:s.nb] {
		s.sk.add(&s.agg.m, x, 1)
	}
	s.nb = 0
}

func (s *percentileState) Merge(o State) error {
	ob, ok := o.(*percentileState)
	if !ok || ob.agg.alphaPM != s.agg.alphaPM {
		return mismatch(s.agg.name, o)
	}
	if ob.n == 0 {
		return nil
	}
	if s.n == 0 {
		s.min, s.max = ob.min, ob.max
	} else {
		s.min, s.max = math.Min(s.min, ob.min), math.Max(s.max, ob.max)
	}
	s.n += ob.n
	s.flush()
	s.sk.merge(&ob.sk, &s.agg.m)
	for _, x := range ob.buf[:ob.nb] {
		s.sk.add(&s.agg.m, x, 1)
	}
	return nil
}

// Quantile returns the estimate for q in [0, 1] by this state's function
// (discrete or interpolated), NULL for an empty state.
func (s *percentileState) Quantile(q float64) Value {
	if s.n == 0 || !(q >= 0 && q <= 1) {
		return Null
	}
	s.flush()
	n := uint64(s.n)
	if !s.agg.cont {
		k := uint64(math.Ceil(q * float64(n))) // ⌈q·n⌉ − 1, at least 0
		if k > 0 {
			k--
		}
		return Float(s.at(min(k, n-1)))
	}
	r := q * float64(n-1)
	lo := math.Floor(r)
	x := s.at(uint64(lo))
	if f := r - lo; f > 0 {
		y := s.at(uint64(lo) + 1)
		x += f * (y - x)
	}
	return Float(x)
}

// at is the estimate of rank k: exact for the first and last rank, clamped
// to [min, max] for the others.
func (s *percentileState) at(k uint64) float64 {
	switch k {
	case 0:
		return s.min
	case uint64(s.n) - 1:
		return s.max
	}
	return math.Min(math.Max(s.sk.atRank(&s.agg.m, k), s.min), s.max)
}

func (s *percentileState) Result() Value {
	if len(s.agg.qs) == 1 {
		return s.Quantile(s.agg.qs[0])
	}
	if s.n == 0 {
		return Null
	}
	b := []byte{'['}
	for i, q := range s.agg.qs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, s.Quantile(q).F, 'g', -1, 64)
	}
	return String(string(append(b, ']')))
}

// Results appends one Float per quantile asked, in order (NULLs when empty).
func (s *percentileState) Results(dst []Value) []Value {
	for _, q := range s.agg.qs {
		dst = append(dst, s.Quantile(q))
	}
	return dst
}

func (s *percentileState) Mergeable() Mergeable {
	if s.n == 0 {
		return Mergeable{}
	}
	return Mergeable{Count: s.n, Min: s.min, Max: s.max, HasMin: true}
}

func (s *percentileState) Reset() {
	s.n, s.min, s.max, s.nb = 0, 0, 0, 0
	s.sk.reset()
}

func (s *percentileState) AppendBinary(dst []byte) []byte {
	dst = appendHeader(dst, tagPercentile)
	dst = appendUvarint(dst, s.agg.alphaPM)
	dst = appendUvarint(dst, uint64(s.n))
	if s.n == 0 {
		return dst
	}
	s.flush()
	dst = appendFloat(dst, s.min)
	dst = appendFloat(dst, s.max)
	dst = appendUvarint(dst, s.sk.zero)
	dst = s.sk.neg.appendTo(dst)
	return s.sk.pos.appendTo(dst)
}

func (s *percentileState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagPercentile, s.agg.name)
	if pm := r.uvarint(); r.err == nil && pm != s.agg.alphaPM {
		r.failf("relative accuracy %d millionths, want %d", pm, s.agg.alphaPM)
	}
	d := percentileState{agg: s.agg, n: r.count()}
	if d.n > 0 {
		d.min, d.max = r.float(), r.float()
		if r.err == nil && !(d.min <= d.max) {
			r.fail("min above max or NaN")
		}
		d.sk.zero = r.uvarint()
		d.sk.neg = readDDStore(&r, &s.agg.m)
		d.sk.pos = readDDStore(&r, &s.agg.m)
		if n := uint64(d.n); r.err == nil && (d.sk.zero > n || d.sk.neg.n > n-d.sk.zero || d.sk.pos.n != n-d.sk.zero-d.sk.neg.n) {
			r.fail("bin counts do not add up to n")
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	*s = d
	return nil
}
