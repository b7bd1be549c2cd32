package windows

// avg is the mean of numeric inputs (see numberOf), a Float, NULL when the
// state is empty. Its state is sum's (exact integer total plus compensated
// float total, and the count), so avg merges as exactly as sum does and
// exposes Count and Sum for SQL merging: avg = sum(Sum) / sum(Count).

type avgAgg struct{}

func (avgAgg) Name() string    { return "avg" }
func (avgAgg) NewState() State { return &avgState{} }

type avgState struct{ c sumCore }

func (s *avgState) Add(v Value, _ int64) { s.c.add(v) }
func (s *avgState) Reset()               { s.c = sumCore{} }

func (s *avgState) Result() Value {
	if s.c.n == 0 {
		return Null
	}
	return Float(s.c.total() / float64(s.c.n))
}

func (s *avgState) Mergeable() Mergeable {
	return Mergeable{Count: s.c.n, Sum: s.c.total(), HasSum: true}
}

func (s *avgState) Merge(o State) error {
	ob, ok := o.(*avgState)
	if !ok {
		return mismatch("avg", o)
	}
	s.c.merge(&ob.c)
	return nil
}

func (s *avgState) AppendBinary(dst []byte) []byte {
	return s.c.appendTo(appendHeader(dst, tagAvg))
}

func (s *avgState) UnmarshalBinary(b []byte) error {
	r := newStateReader(b, tagAvg, "avg")
	c := readSumCore(&r)
	if err := r.end(); err != nil {
		return err
	}
	s.c = c
	return nil
}
