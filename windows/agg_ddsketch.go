package windows

import (
	"math"
	"slices"
)

// ddSketch is DDSketch (Masson, Rim and Lee, "DDSketch: a fast and
// fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019)
// with the logarithmic index mapping and the lowest-collapsing dense stores
// of github.com/DataDog/sketches-go: same gamma, same index and same bin
// value, so it returns the same quantiles as the library for the same data
// (a test checks this against the library).
//
// It is written here instead of imported because the library's mapping and
// store packages import its protobuf package and with it the protobuf
// runtime, which adds 2.5 MB to a stripped linux/arm binary (measured: 1.57 MB
// for a program using math.Log, 4.13 MB for one calling mapping.Index and
// store.Add).
//
// Values above zero and below zero go to two stores indexed by the magnitude;
// values within ±minValue (about 2.3e-308) count as zero. A store keeps at
// most maxBins bins, enough for magnitudes spanning a ratio of 2^60 (1e18):
// 2,080 bins (16 KB) at 1% accuracy, 416 at 5%, 20,795 (166 KB) at 0.1%.
// When the data span more, the bins of the smallest magnitudes collapse into
// one, losing the accuracy guarantee for those values only, as the library's
// LogCollapsingLowestDenseDDSketch does. A store is dense over the span of
// its data, so memory follows the data's range: 1% accuracy over values
// from 20 to 30 takes 21 bins. The collapse is order-independent, so merges
// stay commutative.
type ddSketch struct {
	pos, neg ddStore
	zero     uint64
}

// ddMapping maps a magnitude x to the bin index floor(log_gamma(x)), with
// gamma = (1+α)/(1−α); bin i covers [gamma^i, gamma^(i+1)) and is represented
// by gamma^i·(1+α), within α of every value in the bin.
type ddMapping struct {
	alpha, gamma, multiplier float64
	minValue, maxValue       float64 // indexable magnitudes
	minIndex, maxIndex       int
	maxBins                  int // per store
}

func newDDMapping(alpha float64) ddMapping {
	gamma := (1 + alpha) / (1 - alpha)
	multiplier := 1 / math.Log(gamma)
	m := ddMapping{
		gamma:      gamma,
		multiplier: multiplier,
		minValue: math.Max(math.Exp((math.MinInt32)/multiplier+1),
			2.2250738585072014e-308*gamma),
		maxValue: math.Min(math.Exp((math.MaxInt32)/multiplier-1),
			math.Exp(7.094361393031e+02)/(2*gamma)*(gamma+1)),
	}
	m.alpha = 1 - 2/(1+gamma)
	m.minIndex, m.maxIndex = m.index(m.minValue), m.index(m.maxValue)
	m.maxBins = int(math.Ceil(60 * math.Ln2 * multiplier))
	return m
}

func (m *ddMapping) index(x float64) int {
	i := math.Log(x) * m.multiplier
	if i >= 0 {
		return int(i)
	}
	return int(i) - 1
}

func (m *ddMapping) value(i int) float64 {
	return math.Exp(float64(i)/m.multiplier) * (1 + m.alpha)
}

// indexable reports whether the sketch can count x: any number of magnitude
// up to m.maxValue (1.78e308 at 1%) or near zero.
func (m *ddMapping) indexable(x float64) bool { return x <= m.maxValue && x >= -m.maxValue }

// add counts x; it reports false for a magnitude beyond m.maxValue (above
// 1.78e308 at 1%), which the sketch cannot index.
func (s *ddSketch) add(m *ddMapping, x float64, c uint64) bool {
	switch {
	case x > m.minValue:
		if x > m.maxValue {
			return false
		}
		s.pos.add(m.index(x), c, m.maxBins)
	case x < -m.minValue:
		if x < -m.maxValue {
			return false
		}
		s.neg.add(m.index(-x), c, m.maxBins)
	default:
		s.zero += c
	}
	return true
}

func (s *ddSketch) count() uint64 { return s.neg.n + s.zero + s.pos.n }

// atRank returns the estimate of the value of 0-based rank k in sorted
// order; k < s.count().
func (s *ddSketch) atRank(m *ddMapping, k uint64) float64 {
	if k < s.neg.n {
		return -m.value(s.neg.keyAtRank(s.neg.n - 1 - k))
	}
	k -= s.neg.n
	if k < s.zero {
		return 0
	}
	return m.value(s.pos.keyAtRank(k - s.zero))
}

func (s *ddSketch) merge(o *ddSketch, m *ddMapping) {
	s.pos.merge(&o.pos, m.maxBins)
	s.neg.merge(&o.neg, m.maxBins)
	s.zero += o.zero
}

func (s *ddSketch) reset() {
	s.pos.reset()
	s.neg.reset()
	s.zero = 0
}

// ddStore counts values per bin index in a dense window of bins; zero bins
// may pad either end.
type ddStore struct {
	bins   []uint64 // bins[j] counts index offset+j
	offset int
	n      uint64
}

func (s *ddStore) add(i int, c uint64, limit int) {
	j := i - s.offset
	switch {
	case j < 0 && len(s.bins) == limit && s.bins[limit-1] != 0:
		j = 0 // collapsed and topped out: i folds into the lowest bin
	case j < 0 || j >= len(s.bins):
		j = s.extend(i, limit)
	}
	s.bins[j] += c
	s.n += c
}

// extend re-lays the bins so that they cover index i and returns i's
// position. When the counted indices and i span more than limit bins, the
// lowest ones collapse into the lowest kept bin (i too, if it is below).
func (s *ddStore) extend(i, limit int) int {
	lo, hi := i, i
	nlo := 0
	if s.n > 0 {
		var nhi int
		nlo, nhi = s.nonzeroRange()
		lo, hi = min(lo, nlo), max(hi, nhi)
	}
	if hi-lo+1 > limit {
		lo = hi - limit + 1
	}
	span := hi - lo + 1
	size := min(span+span/2+8, limit)
	offset := lo - (size-span)/2 // center the slack
	switch {
	case cap(s.bins) >= size && s.n == 0:
		s.bins = s.bins[:size]
		clear(s.bins)
	case cap(s.bins) >= size && lo <= nlo:
		// Nothing collapses: move the counted bins within the same memory
		// (copy is a memmove) and clear the rest, so that a state reused
		// window after window stops allocating once it has seen its range.
		a, b := nlo-s.offset, len(s.bins)-1
		for s.bins[b] == 0 {
			b--
		}
		full := s.bins[:size]
		dst := nlo - offset
		n := copy(full[dst:], s.bins[a:b+1])
		clear(full[:dst])
		clear(full[dst+n:])
		s.bins = full
	default:
		// Take the whole size class the allocator hands out anyway, so
		// that a state reused for other keys regrows less often.
		nb := slices.Grow([]uint64(nil), size)[:size]
		for j, c := range s.bins {
			if c != 0 {
				nb[max(s.offset+j, lo)-offset] += c
			}
		}
		s.bins = nb
	}
	s.offset = offset
	return max(i, lo) - offset
}

// nonzeroRange returns the least and greatest counted index (s.n > 0).
func (s *ddStore) nonzeroRange() (lo, hi int) {
	a := slices.IndexFunc(s.bins, func(c uint64) bool { return c != 0 })
	b := len(s.bins) - 1
	for s.bins[b] == 0 {
		b--
	}
	return s.offset + a, s.offset + b
}

// keyAtRank returns the index holding the value of 0-based rank k < s.n.
func (s *ddStore) keyAtRank(k uint64) int {
	var cum uint64
	for j, c := range s.bins {
		cum += c
		if cum > k {
			return s.offset + j
		}
	}
	return s.offset + len(s.bins) - 1 // not reached when k < s.n
}

func (s *ddStore) merge(o *ddStore, limit int) {
	if o.n == 0 {
		return
	}
	for j, c := range o.bins {
		if c != 0 {
			s.add(o.offset+j, c, limit)
		}
	}
}

// reset keeps the bins' memory and position for reuse.
func (s *ddStore) reset() {
	clear(s.bins)
	s.n = 0
}

// appendTo encodes the counted bins: uvarint number of bins, then per bin
// the index (zig-zag varint for the first, uvarint gap−1 after) and the
// uvarint count.
func (s *ddStore) appendTo(dst []byte) []byte {
	var nb uint64
	for _, c := range s.bins {
		if c != 0 {
			nb++
		}
	}
	dst = appendUvarint(dst, nb)
	prev := 0
	first := true
	for j, c := range s.bins {
		if c == 0 {
			continue
		}
		i := s.offset + j
		if first {
			dst = appendVarint(dst, int64(i))
			first = false
		} else {
			dst = appendUvarint(dst, uint64(i-prev-1))
		}
		dst = appendUvarint(dst, c)
		prev = i
	}
	return dst
}

// readDDStore decodes a store, checking that indices ascend within the
// mapping's range and span at most m.maxBins (so the decoded store is no
// larger than a store built by Add), and that counts are positive. It reads
// the bins twice, to check them and find their span, then to fill them:
// one allocation, the bins.
func readDDStore(r *stateReader, m *ddMapping) ddStore {
	var s ddStore
	nb := r.length(2)
	if nb == 0 || r.err != nil {
		return s
	}
	first := *r // the bins start here
	var lo, hi int
	eachBin(r, m, nb, func(i int, c uint64) {
		if s.n == 0 {
			lo = i
		}
		hi = i
		if s.n+c < s.n {
			r.fail("count overflow")
		}
		s.n += c
	})
	if r.err != nil {
		return ddStore{}
	}
	if hi-lo+1 > m.maxBins {
		r.fail("bins span too wide")
		return ddStore{}
	}
	s.offset = lo
	s.bins = make([]uint64, hi-lo+1)
	eachBin(&first, m, nb, func(i int, c uint64) { s.bins[i-lo] = c })
	return s
}

// eachBin reads nb bins (index, count) and calls fn with each, stopping at
// the first error.
func eachBin(r *stateReader, m *ddMapping, nb int, fn func(i int, c uint64)) {
	var i int64
	for k := 0; k < nb && r.err == nil; k++ {
		if k == 0 {
			i = r.varint()
		} else {
			gap := r.uvarint()
			if gap >= uint64(m.maxBins) {
				r.fail("bins span too wide")
				return
			}
			i += int64(gap) + 1
		}
		c := r.uvarint()
		if r.err != nil {
			return
		}
		if i < int64(m.minIndex) || i > int64(m.maxIndex) || c == 0 {
			r.failf("bin index %d or count %d out of range", i, c)
			return
		}
		fn(int(i), c)
	}
}
