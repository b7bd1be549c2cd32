package windows

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
)

// histogram counts numeric inputs (see numberOf) in fixed buckets. Bounds
// b0 < b1 < … < bk−1 (AggArgs.Bounds, finite, strictly increasing, at least
// one) make k+1 buckets:
//
//	0      x < b0            (underflow)
//	i      b(i−1) ≤ x < b(i)
//	k      x ≥ b(k−1)        (overflow)
//
// Lower bounds are inclusive, as in most SQL width_bucket functions (note
// that Prometheus' le buckets are upper-inclusive).
//
// Result: a JSON array string of the k+1 counts, "[0,0,...]" for an empty
// state (a count is never NULL); Results returns them as Ints. Counts merge
// by addition, so the result is exact under any split. Mergeable exposes
// Count and, when numbers were seen, the exact Min and Max.
//
// Encoding: header, uvarint k+1, a 4-byte FNV-1a hash of the bounds (so that
// states of other bounds are rejected), uvarint n, and when n > 0 the min and
// max and the k+1 uvarint counts.

type histogramAgg struct {
	bounds []float64
	sig    uint32 // FNV-1a of the bounds' bits
}

func newHistogramAgg(_ string, a AggArgs) (Aggregate, error) {
	if len(a.Bounds) == 0 {
		return nil, fmt.Errorf("%w: histogram needs at least one bucket bound", ErrAggregateArgs)
	}
	h := fnv.New32a()
	var b [8]byte
	for i, x := range a.Bounds {
		if math.IsNaN(x) || math.IsInf(x, 0) || i > 0 && !(x > a.Bounds[i-1]) {
			return nil, fmt.Errorf("%w: histogram bounds must be finite and strictly increasing, got %v", ErrAggregateArgs, a.Bounds)
		}
		if x == 0 {
			x = 0 // -0 and +0 are one bound
		}
		h.Write(appendFloat(b[:0], x))
	}
	return &histogramAgg{bounds: append([]float64(nil), a.Bounds...), sig: h.Sum32()}, nil
}

func (a *histogramAgg) Name() string { return "histogram" }
func (a *histogramAgg) NewState() State {
	return &histogramState{agg: a, counts: make([]uint64, len(a.bounds)+1)}
}

type histogramState struct {
	agg      *histogramAgg
	n        int64
	min, max float64
	counts   []uint64
}

// bucket returns the number of bounds ≤ x.
func (a *histogramAgg) bucket(x float64) int {
	lo, hi := 0, len(a.bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if a.bounds[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (s *histogramState) Add(v Value, _ int64) {
	x, ok := numberOf(v)
	if !ok {
		return
	}
	s.counts[s.agg.bucket(x)]++
	if s.n == 0 {
		s.min, s.max = x, x
	} else {
		s.min, s.max = math.Min(s.min, x), math.Max(s.max, x)
	}
	s.n++
}

func (s *histogramState) Merge(o State) error {
	ob, ok := o.(*histogramState)
	if !ok || ob.agg.sig != s.agg.sig || len(ob.counts) != len(s.counts) {
		return mismatch("histogram", o)
	}
	if ob.n == 0 {
		return nil
	}
	for i, c := range ob.counts {
		s.counts[i] += c
	}
	if s.n == 0 {
		s.min, s.max = ob.min, ob.max
	} else {
		s.min, s.max = math.Min(s.min, ob.min), math.Max(s.max, ob.max)
	}
	s.n += ob.n
	return nil
}

func (s *histogramState) Result() Value {
	b := []byte{'['}
	for i, c := range s.counts {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, c, 10)
	}
	return String(string(append(b, ']')))
}

// Results appends the k+1 bucket counts as Ints, underflow first.
func (s *histogramState) Results(dst []Value) []Value {
	for _, c := range s.counts {
		dst = append(dst, Int(int64(c)))
	}
	return dst
}

func (s *histogramState) Mergeable() Mergeable {
	if s.n == 0 {
		return Mergeable{}
	}
	return Mergeable{Count: s.n, Min: s.min, Max: s.max, HasMin: true}
}

func (s *histogramState) Reset() {
	clear(s.counts)
	s.n, s.min, s.max = 0, 0, 0
}

func (s *histogramState) AppendBinary(dst []byte) []byte {
	dst = appendHeader(dst, tagHistogram)
	dst = appendUvarint(dst, uint64(len(s.counts)))
	dst = append(dst, byte(s.agg.sig), byte(s.agg.sig>>8), byte(s.agg.sig>>16), byte(s.agg.sig>>24))
	dst = appendUvarint(dst, uint64(s.n))
	if s.n == 0 {
		return dst
	}
	dst = appendFloat(dst, s.min)
	dst = appendFloat(dst, s.max)
	for _, c := range s.counts {
		dst = appendUvarint(dst, c)
	}
	return dst
}

func (s *histogramState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagHistogram, "histogram")
	if k := r.uvarint(); r.err == nil && k != uint64(len(s.counts)) {
		r.failf("%d buckets, want %d", k, len(s.counts))
	}
	sig := uint32(r.byte()) | uint32(r.byte())<<8 | uint32(r.byte())<<16 | uint32(r.byte())<<24
	if r.err == nil && sig != s.agg.sig {
		r.fail("bucket bounds differ")
	}
	n := r.count()
	var lo, hi float64
	counts := make([]uint64, len(s.counts))
	if n > 0 {
		lo, hi = r.float(), r.float()
		if r.err == nil && !(lo <= hi) {
			r.fail("min above max or NaN")
		}
		var sum uint64
		for i := range counts {
			counts[i] = r.uvarint()
			sum += counts[i]
			if sum < counts[i] {
				r.fail("count overflow")
			}
		}
		if r.err == nil && sum != uint64(n) {
			r.fail("bucket counts do not add up to n")
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	s.n, s.min, s.max = n, lo, hi
	copy(s.counts, counts)
	return nil
}
