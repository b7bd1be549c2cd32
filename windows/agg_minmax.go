package windows

import "math"

// min and max take any non-NULL value except NaN and order them with
// compareValues: numbers numerically (an Int stays an Int in the result),
// strings bytewise, and numbers before strings when a column mixes them. The
// result is NULL for an empty state.
//
// Both functions keep the same state, the least and the greatest value seen
// and their count, so Mergeable exposes Count, Min and Max for SQL merging
// (HasMin only when both are numbers). A string result keeps a reference to
// the caller's string: strings handed to Add must be immutable, as Go strings
// are unless built with unsafe.
//
// Encoding: header, uvarint n, and when n > 0 the two values (an Int min and
// max of small values take 7 bytes in all, two Floats 21).

type minMaxAgg struct{ max bool }

func (a minMaxAgg) Name() string {
	if a.max {
		return "max"
	}
	return "min"
}

func (a minMaxAgg) NewState() State { return &minMaxState{max: a.max} }

// minMaxState packs the two values: a number or bool in 8 bytes with its
// kind, a string out of line (strs, allocated the first time a state meets
// one and kept across Reset), so that the state is 40 bytes, not the 96 of
// two Values: it sits in every window's block (see windowLayout), and the
// bytes an event touches are what limits the engine with many keys.
type minMaxState struct {
	n        int64
	lo, hi   uint64 // payload: Int and Bool as int64 bits, Float as float64 bits
	loK, hiK Kind
	max      bool       // Result returns hi
	strs     *[2]string // lo and hi of kind String
}

// packValue is the 8-byte payload of a non-string v.
func packValue(v Value) uint64 {
	if v.Kind == KindFloat {
		return math.Float64bits(v.F)
	}
	return uint64(v.I)
}

func (s *minMaxState) value(k Kind, bits uint64, i int) Value {
	switch k {
	case KindFloat:
		return Value{Kind: k, F: math.Float64frombits(bits)}
	case KindString:
		return Value{Kind: k, S: s.strs[i]}
	}
	return Value{Kind: k, I: int64(bits)}
}

func (s *minMaxState) low() Value  { return s.value(s.loK, s.lo, 0) }
func (s *minMaxState) high() Value { return s.value(s.hiK, s.hi, 1) }

func (s *minMaxState) set(i int, v Value) {
	k, bits := v.Kind, uint64(0)
	if k == KindString {
		if s.strs == nil {
			s.strs = new([2]string)
		}
		s.strs[i] = v.S
	} else {
		bits = packValue(v)
		if s.strs != nil {
			s.strs[i] = "" // release the string
		}
	}
	if i == 0 {
		s.loK, s.lo = k, bits
	} else {
		s.hiK, s.hi = k, bits
	}
}

func (s *minMaxState) Add(v Value, _ int64) {
	// Fast path: a float strictly outside or strictly inside [lo, hi] of
	// floats. NaN and ties (where -0 < +0 matters) take the general path.
	if v.Kind == KindFloat && s.n > 0 && s.loK == KindFloat && s.hiK == KindFloat {
		lo, hi := math.Float64frombits(s.lo), math.Float64frombits(s.hi)
		switch f := v.F; {
		case f < lo:
			s.lo = math.Float64bits(f)
			s.n++
			return
		case f > hi:
			s.hi = math.Float64bits(f)
			s.n++
			return
		case f > lo && f < hi:
			s.n++
			return
		}
	}
	if !orderable(v) {
		return
	}
	if s.n == 0 {
		s.set(0, v)
		s.set(1, v)
	} else if compareValues(v, s.low()) < 0 {
		s.set(0, v)
	} else if compareValues(v, s.high()) > 0 {
		s.set(1, v)
	}
	s.n++
}

func (s *minMaxState) Result() Value {
	if s.n == 0 {
		return Null
	}
	if s.max {
		return s.high()
	}
	return s.low()
}

func (s *minMaxState) Mergeable() Mergeable {
	m := Mergeable{Count: s.n}
	lo, okLo := numberOf(s.low())
	hi, okHi := numberOf(s.high())
	if okLo && okHi {
		m.Min, m.Max, m.HasMin = lo, hi, true
	}
	return m
}

func (s *minMaxState) Reset() {
	if s.strs != nil {
		*s.strs = [2]string{}
	}
	*s = minMaxState{max: s.max, strs: s.strs}
}

// Merge accepts a min state into a max state and the reverse: they hold the
// same data.
func (s *minMaxState) Merge(o State) error {
	ob, ok := o.(*minMaxState)
	if !ok {
		return mismatch(minMaxAgg{s.max}.Name(), o)
	}
	switch {
	case ob.n == 0:
		return nil
	case s.n == 0:
		s.set(0, ob.low())
		s.set(1, ob.high())
	default:
		if lo := ob.low(); compareValues(lo, s.low()) < 0 {
			s.set(0, lo)
		}
		if hi := ob.high(); compareValues(hi, s.high()) > 0 {
			s.set(1, hi)
		}
	}
	s.n += ob.n
	return nil
}

func (s *minMaxState) AppendBinary(dst []byte) []byte {
	dst = appendUvarint(appendHeader(dst, tagMinMax), uint64(s.n))
	if s.n > 0 {
		dst = appendValue(dst, s.low())
		dst = appendValue(dst, s.high())
	}
	return dst
}

func (s *minMaxState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagMinMax, minMaxAgg{s.max}.Name())
	n := r.count()
	var lo, hi Value
	if n > 0 {
		lo, hi = r.value(), r.value()
		if r.err == nil && (lo.Kind == KindNull || hi.Kind == KindNull || compareValues(lo, hi) > 0) {
			r.fail("min and max out of order")
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	s.Reset()
	s.n = n
	if n > 0 {
		s.set(0, lo)
		s.set(1, hi)
	}
	return nil
}
