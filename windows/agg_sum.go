package windows

import (
	"math"
	"math/bits"
)

// sum adds numeric inputs (Int, Bool as 0/1, finite Float; others are
// skipped like NULL, see numberOf).
//
// Result: NULL for an empty state (SQL); Int when every input was an Int or
// Bool and the exact total fits in int64; Float otherwise (some input was a
// Float, or an integer total overflowed int64, where PostgreSQL would switch
// to numeric). Integers are summed exactly in 128 bits, so an integer total is
// the same whatever the order of inputs and merges, even across a transient
// int64 overflow. Floats use Neumaier's compensated sum, whose error does not
// grow with the number of terms for ordinary data; merging two compensated
// sums keeps both compensation terms, so split-and-merge matches one pass to
// about 1e-15 relative, and a merge is bitwise commutative.
//
// Encoding: header, uvarint n; when n > 0 a flags byte, the integer total
// (zig-zag varint, or high and low words when it needs 128 bits) and, when a
// Float was seen, 16 bytes of float sum and compensation. An Int sum of small
// values takes 5 to 7 bytes.

type sumAgg struct{}

func (sumAgg) Name() string    { return "sum" }
func (sumAgg) NewState() State { return &sumState{} }

type sumState struct{ c sumCore }

func (s *sumState) Add(v Value, _ int64) { s.c.add(v) }
func (s *sumState) Reset()               { s.c = sumCore{} }

func (s *sumState) Result() Value {
	switch {
	case s.c.n == 0:
		return Null
	case !s.c.floats && s.c.fitsInt64():
		return Int(int64(s.c.lo))
	}
	return Float(s.c.total())
}

func (s *sumState) Mergeable() Mergeable {
	return Mergeable{Count: s.c.n, Sum: s.c.total(), HasSum: true}
}

func (s *sumState) Merge(o State) error {
	ob, ok := o.(*sumState)
	if !ok {
		return mismatch("sum", o)
	}
	s.c.merge(&ob.c)
	return nil
}

func (s *sumState) AppendBinary(dst []byte) []byte {
	return s.c.appendTo(appendHeader(dst, tagSum))
}

func (s *sumState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagSum, "sum")
	c := readSumCore(&r)
	if err := r.end(); err != nil {
		return err
	}
	s.c = c
	return nil
}

// neumaier is a compensated float sum (Neumaier's variant of Kahan's
// algorithm, which also handles terms larger than the running sum).
type neumaier struct{ sum, comp float64 }

func (k *neumaier) add(x float64) {
	t := k.sum + x
	k.comp += twoSumErr(k.sum, x, t)
	k.sum = t
}

// merge folds o in. The result is the same bits for k.merge(o) and
// o.merge(k): each step is written with commutative operations only.
func (k *neumaier) merge(o neumaier) {
	t := k.sum + o.sum
	e := twoSumErr(k.sum, o.sum, t)
	k.comp = (k.comp + o.comp) + e
	k.sum = t
}

// twoSumErr is the rounding error of t = a + b (Fast2Sum ordered by
// magnitude); symmetric in a and b.
func twoSumErr(a, b, t float64) float64 {
	if math.Abs(a) >= math.Abs(b) {
		return (a - t) + b
	}
	return (b - t) + a
}

func (k neumaier) value() float64 { return k.sum + k.comp }

// sumCore is the state shared by sum and avg: an exact two's-complement
// 128-bit total of integer inputs (hi:lo) and a compensated total of float
// inputs.
type sumCore struct {
	n      int64 // numeric inputs
	hi     int64
	lo     uint64
	floats bool // some input was a Float
	f      neumaier
}

func (c *sumCore) add(v Value) {
	switch v.Kind {
	case KindInt, KindBool:
		lo, carry := bits.Add64(c.lo, uint64(v.I), 0)
		c.hi += v.I>>63 + int64(carry) // sign-extend v.I to 128 bits
		c.lo = lo
	case KindFloat:
		if v.F-v.F != 0 { // NaN or ±Inf
			return
		}
		c.f.add(v.F)
		c.floats = true
	default:
		return
	}
	c.n++
}

func (c *sumCore) merge(o *sumCore) {
	lo, carry := bits.Add64(c.lo, o.lo, 0)
	c.hi += o.hi + int64(carry)
	c.lo = lo
	c.f.merge(o.f)
	c.floats = c.floats || o.floats
	c.n += o.n
}

// fitsInt64 reports whether the integer total fits in int64.
func (c *sumCore) fitsInt64() bool { return c.hi == int64(c.lo)>>63 }

// total is the whole sum as a float64.
func (c *sumCore) total() float64 {
	t := c.f
	if c.fitsInt64() {
		t.add(float64(int64(c.lo)))
	} else {
		t.add(float64(c.hi) * 0x1p64)
		t.add(float64(c.lo))
	}
	return t.value()
}

const (
	sumFlagWide   = 1 << 0 // integer total needs 128 bits
	sumFlagFloats = 1 << 1 // float sum and compensation follow
)

func (c *sumCore) appendTo(dst []byte) []byte {
	dst = appendUvarint(dst, uint64(c.n))
	if c.n == 0 {
		return dst
	}
	var flags byte
	if !c.fitsInt64() {
		flags |= sumFlagWide
	}
	if c.floats {
		flags |= sumFlagFloats
	}
	dst = append(dst, flags)
	if flags&sumFlagWide != 0 {
		dst = appendVarint(dst, c.hi)
		dst = appendUvarint(dst, c.lo)
	} else {
		dst = appendVarint(dst, int64(c.lo))
	}
	if c.floats {
		dst = appendFloat(dst, c.f.sum)
		dst = appendFloat(dst, c.f.comp)
	}
	return dst
}

func readSumCore(r *stateReader) sumCore {
	var c sumCore
	c.n = r.count()
	if c.n == 0 {
		return c
	}
	flags := r.byte()
	if flags&^(sumFlagWide|sumFlagFloats) != 0 {
		r.failf("unknown flags %#x", flags)
	}
	if flags&sumFlagWide != 0 {
		c.hi = r.varint()
		c.lo = r.uvarint()
		if c.fitsInt64() {
			r.fail("128-bit total that fits in 64 bits")
		}
	} else {
		i := r.varint()
		c.lo, c.hi = uint64(i), i>>63
	}
	if flags&sumFlagFloats != 0 {
		c.floats = true
		c.f.sum = r.float()
		c.f.comp = r.float()
	}
	return c
}
