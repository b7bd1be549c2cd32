package windows

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

type minMaxState struct {
	n      int64
	lo, hi Value
	max    bool // Result returns hi
}

func (s *minMaxState) Add(v Value, _ int64) {
	// Fast path: a float strictly outside or strictly inside [lo, hi] of
	// floats. NaN and ties (where -0 < +0 matters) take the general path.
	if v.Kind == KindFloat && s.n > 0 && s.lo.Kind == KindFloat && s.hi.Kind == KindFloat {
		switch f := v.F; {
		case f < s.lo.F:
			s.lo.F = f
			s.n++
			return
		case f > s.hi.F:
			s.hi.F = f
			s.n++
			return
		case f > s.lo.F && f < s.hi.F:
			s.n++
			return
		}
	}
	if !orderable(v) {
		return
	}
	if s.n == 0 {
		s.lo, s.hi = v, v
	} else if compareValues(v, s.lo) < 0 {
		s.lo = v
	} else if compareValues(v, s.hi) > 0 {
		s.hi = v
	}
	s.n++
}

func (s *minMaxState) Result() Value {
	if s.max {
		return s.hi
	}
	return s.lo
}

func (s *minMaxState) Mergeable() Mergeable {
	m := Mergeable{Count: s.n}
	lo, okLo := numberOf(s.lo)
	hi, okHi := numberOf(s.hi)
	if okLo && okHi {
		m.Min, m.Max, m.HasMin = lo, hi, true
	}
	return m
}

func (s *minMaxState) Reset() { *s = minMaxState{max: s.max} }

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
		s.lo, s.hi = ob.lo, ob.hi
	default:
		if compareValues(ob.lo, s.lo) < 0 {
			s.lo = ob.lo
		}
		if compareValues(ob.hi, s.hi) > 0 {
			s.hi = ob.hi
		}
	}
	s.n += ob.n
	return nil
}

func (s *minMaxState) AppendBinary(dst []byte) []byte {
	dst = appendUvarint(appendHeader(dst, tagMinMax), uint64(s.n))
	if s.n > 0 {
		dst = appendValue(dst, s.lo)
		dst = appendValue(dst, s.hi)
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
	s.n, s.lo, s.hi = n, lo, hi
	return nil
}
