package windows

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// row is a result as tests compare it: decoded key, window, revision, flag
// and the aggregate results rendered as text.
type row struct {
	Key   string
	Start int64
	End   int64
	Rev   uint32
	Final bool
	Vals  string
}

func (r row) String() string {
	flag := "early"
	if r.Final {
		flag = "final"
	}
	return fmt.Sprintf("%s [%d,%d) r%d %s %s", r.Key, r.Start, r.End, r.Rev, flag, r.Vals)
}

// sink is an Output that records what it is given.
type sink struct {
	t    testing.TB
	rows []row
	late []Record
}

func (s *sink) Result(r *Result) {
	vals, err := DecodeKey(nil, []byte(r.Key))
	if err != nil {
		s.t.Fatalf("result key %q: %v", r.Key, err)
	}
	var ks []string
	for _, v := range vals {
		ks = append(ks, v.String())
	}
	var rs []string
	for _, st := range r.States {
		rs = append(rs, st.Result().String())
	}
	s.rows = append(s.rows, row{Key: strings.Join(ks, ","), Start: r.Window.Start, End: r.Window.End,
		Rev: r.Revision, Final: r.Final, Vals: strings.Join(rs, " ")})
}

func (s *sink) Late(e *LateEvent) {
	c := *e.Record
	c.Key = slices.Clone(c.Key)
	c.Partition = slices.Clone(c.Partition)
	c.Values = slices.Clone(c.Values)
	s.late = append(s.late, c)
}

// take returns the rows recorded since the last take.
func (s *sink) take() []string {
	out := make([]string, len(s.rows))
	for i, r := range s.rows {
		out[i] = r.String()
	}
	s.rows = s.rows[:0]
	return out
}

// countSum returns count(*) and sum, the aggregates most tests use.
func countSum(t testing.TB) []Aggregate {
	t.Helper()
	c, err := NewAggregate("count", AggArgs{Star: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewAggregate("sum", AggArgs{})
	if err != nil {
		t.Fatal(err)
	}
	return []Aggregate{c, s}
}

// newOp builds an operator with count(*) and sum unless spec names
// aggregates, recording into a sink.
func newOp(t testing.TB, spec Spec) (*Operator, *sink) {
	t.Helper()
	if spec.Aggregates == nil {
		spec.Aggregates = countSum(t)
	}
	s := &sink{t: t}
	o, err := New(spec, s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return o, s
}

// ev is a compact event for tests: key and partition as strings, time and
// one numeric value fed to every aggregate.
type ev struct {
	key  string
	part string
	ts   int64
	v    int64
}

// feeder turns evs into Records without allocating per event.
type feeder struct {
	rec  Record
	vals []Value
}

func (f *feeder) process(t testing.TB, o *Operator, e ev) {
	t.Helper()
	f.rec.Key = AppendKey(f.rec.Key[:0], String(e.key))
	f.rec.Partition = append(f.rec.Partition[:0], e.part...)
	f.rec.Time = e.ts
	f.vals = f.vals[:0]
	for range o.spec.Aggregates {
		f.vals = append(f.vals, Int(e.v))
	}
	f.rec.Values = f.vals
	if err := o.Process(&f.rec); err != nil {
		t.Fatalf("Process(%+v): %v", e, err)
	}
}

func (f *feeder) all(t testing.TB, o *Operator, evs ...ev) {
	t.Helper()
	for _, e := range evs {
		f.process(t, o, e)
	}
}

// memStore stands in for bbolt: it applies Changes.
type memStore map[string][]byte

func (s memStore) commit(t testing.TB, o *Operator) int {
	t.Helper()
	n := 0
	err := o.Changes(func(k, v []byte) error {
		n++
		if v == nil {
			delete(s, string(k))
		} else {
			s[string(k)] = slices.Clone(v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	return n
}

func (s memStore) entries(yield func([]byte, []byte) bool) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !yield([]byte(k), s[k]) {
			return
		}
	}
}

func (s memStore) bytes() int {
	n := 0
	for k, v := range s {
		n += len(k) + len(v)
	}
	return n
}

const never = math.MaxInt64

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("results:\n got: %q\nwant: %q", got, want)
	}
}
