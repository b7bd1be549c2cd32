package windows

import "math"

// var_pop, var_samp (alias variance), stddev_pop and stddev_samp (alias
// stddev) over numeric inputs (see numberOf). All four keep the same state:
// the count, the mean and M2, the sum of squared deviations from the mean,
// updated with Welford's algorithm on Add and with the pairwise formula of
// Chan, Golub and LeVeque on Merge:
//
//	n = na + nb,  δ = mean_b − mean_a
//	mean = (na·mean_a + nb·mean_b) / n
//	M2 = M2a + M2b + δ²·na·nb / n
//
// Both avoid the cancellation of the textbook Σx² − (Σx)²/n, and the merge is
// written with commutative operations only, so merge(a, b) and merge(b, a)
// give the same bits; merges in different groupings agree to rounding (the
// property test checks 1e-9 relative).
//
// Results are Float: var_pop and stddev_pop are NULL for an empty state and
// 0 for one value; var_samp and stddev_samp are NULL below two values
// (PostgreSQL). Mergeable exposes Count, Sum = n·mean and SumSq = M2 + n·mean²
// so an external engine can merge with SUM; recomputing a variance from those
// is the textbook formula, with its cancellation.
//
// Encoding: header, uvarint n, and when n > 0 the mean and M2 as 8-byte
// floats (19 bytes below 128 values).

type varianceAgg struct {
	name   string
	sample bool // divide by n−1
	sqrt   bool // standard deviation
}

func (a varianceAgg) Name() string    { return a.name }
func (a varianceAgg) NewState() State { return &varianceState{sample: a.sample, sqrt: a.sqrt} }

type varianceState struct {
	n            int64
	mean, m2     float64
	sample, sqrt bool
}

func (s *varianceState) Add(v Value, _ int64) {
	x, ok := numberOf(v)
	if !ok {
		return
	}
	s.n++
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (x - s.mean)
}

// Merge accepts the state of any of the four functions: they hold the same
// data.
func (s *varianceState) Merge(o State) error {
	ob, ok := o.(*varianceState)
	if !ok {
		return mismatch("variance", o)
	}
	switch {
	case ob.n == 0:
		return nil
	case s.n == 0:
		s.n, s.mean, s.m2 = ob.n, ob.mean, ob.m2
		return nil
	}
	na, nb := float64(s.n), float64(ob.n)
	n := na + nb
	d := ob.mean - s.mean
	s.mean = (na*s.mean + nb*ob.mean) / n
	s.m2 = (s.m2 + ob.m2) + d*d*(na*nb)/n
	s.n += ob.n
	return nil
}

func (s *varianceState) Result() Value {
	div := s.n
	if s.sample {
		div--
	}
	if div <= 0 {
		return Null
	}
	v := max(s.m2, 0) / float64(div)
	if s.sqrt {
		v = math.Sqrt(v)
	}
	return Float(v)
}

func (s *varianceState) Mergeable() Mergeable {
	n := float64(s.n)
	return Mergeable{Count: s.n, Sum: n * s.mean, SumSq: s.m2 + n*s.mean*s.mean, HasSum: true}
}

func (s *varianceState) Reset() { s.n, s.mean, s.m2 = 0, 0, 0 }

func (s *varianceState) AppendBinary(dst []byte) []byte {
	dst = appendUvarint(appendHeader(dst, tagVariance), uint64(s.n))
	if s.n > 0 {
		dst = appendFloat(dst, s.mean)
		dst = appendFloat(dst, s.m2)
	}
	return dst
}

func (s *varianceState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagVariance, "variance")
	n := r.count()
	var mean, m2 float64
	if n > 0 {
		mean, m2 = r.float(), r.float()
		if r.err == nil && (math.IsNaN(mean) || math.IsNaN(m2) || m2 < 0) {
			r.fail("NaN or negative M2")
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	s.n, s.mean, s.m2 = n, mean, m2
	return nil
}
