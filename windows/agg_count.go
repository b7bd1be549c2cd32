package windows

// count(*) counts rows, NULL included; count(col) counts non-NULL values.
// Both results are Int, 0 for an empty state (never NULL), and merge by
// addition. Encoding: header, uvarint count (3 bytes below 128 rows).

type countAgg struct{ star bool }

// Name returns "count_star" for count(*) so that NewAggregate(a.Name(), args)
// builds the same aggregate.
func (a countAgg) Name() string {
	if a.star {
		return "count_star"
	}
	return "count"
}

func (a countAgg) NewState() State {
	if a.star {
		return &countStarState{}
	}
	return &countState{}
}

// countStarState is the state of count(*).
type countStarState struct{ n int64 }

func (s *countStarState) Add(Value, int64)     { s.n++ }
func (s *countStarState) Result() Value        { return Int(s.n) }
func (s *countStarState) Mergeable() Mergeable { return Mergeable{Count: s.n} }
func (s *countStarState) Reset()               { s.n = 0 }

func (s *countStarState) Merge(o State) error {
	ob, ok := o.(*countStarState)
	if !ok {
		return mismatch("count(*)", o)
	}
	s.n += ob.n
	return nil
}

func (s *countStarState) AppendBinary(dst []byte) []byte {
	return appendUvarint(appendHeader(dst, tagCountStar), uint64(s.n))
}

func (s *countStarState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagCountStar, "count(*)")
	n := r.count()
	if err := r.end(); err != nil {
		return err
	}
	s.n = n
	return nil
}

// countState is the state of count(col).
type countState struct{ n int64 }

func (s *countState) Add(v Value, _ int64) {
	if v.Kind != KindNull {
		s.n++
	}
}
func (s *countState) Result() Value        { return Int(s.n) }
func (s *countState) Mergeable() Mergeable { return Mergeable{Count: s.n} }
func (s *countState) Reset()               { s.n = 0 }

func (s *countState) Merge(o State) error {
	ob, ok := o.(*countState)
	if !ok {
		return mismatch("count", o)
	}
	s.n += ob.n
	return nil
}

func (s *countState) AppendBinary(dst []byte) []byte {
	return appendUvarint(appendHeader(dst, tagCount), uint64(s.n))
}

func (s *countState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagCount, "count")
	n := r.count()
	if err := r.end(); err != nil {
		return err
	}
	s.n = n
	return nil
}
