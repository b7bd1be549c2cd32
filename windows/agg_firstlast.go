package windows

// first_value and last_value return the value with the earliest (latest)
// event time; NULL and NaN inputs are skipped, and an empty state gives NULL.
//
// Ties: among values with the same event time, first_value keeps the least
// and last_value the greatest under compareValues, not the first or last to
// arrive. Arrival order is not something a merge can see: with arrival-order
// ties, merging partial states in another order, or replaying after a
// restore, could change the result. With value-order ties, Add and Merge pick
// the same winner whatever the split and order, so first_value and
// last_value are exact under property (a) of issue 4.
//
// Mergeable is empty: plain SUM/MIN/MAX cannot merge these (an external
// engine needs arg_min/arg_max over the event time).
//
// Encoding: header, a presence byte, and when present the zig-zag varint
// event time and the value (about 10 bytes for an Int at a current Unix
// millisecond time).

type firstLastAgg struct{ last bool }

func (a firstLastAgg) Name() string {
	if a.last {
		return "last_value"
	}
	return "first_value"
}

func (a firstLastAgg) NewState() State {
	if a.last {
		return &lastState{}
	}
	return &firstState{}
}

// timedValue is the winner so far of first_value or last_value.
type timedValue struct {
	ok bool
	ts int64
	v  Value
}

// precedes reports whether (ts, v) orders before t: earlier, or at the same
// time a lesser value.
func (t *timedValue) precedes(ts int64, v Value) bool {
	return ts < t.ts || ts == t.ts && compareValues(v, t.v) < 0
}

func (t *timedValue) appendTo(dst []byte, tag stateTag) []byte {
	dst = appendHeader(dst, tag)
	if !t.ok {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = appendVarint(dst, t.ts)
	return appendValue(dst, t.v)
}

func (t *timedValue) unmarshal(b []byte, tag stateTag, name string) error {
	r := newStateReader(b, tag, name)
	var d timedValue
	switch r.byte() {
	case 0:
	case 1:
		d.ok = true
		d.ts = r.varint()
		d.v = r.value()
		if r.err == nil && d.v.Kind == KindNull {
			r.fail("NULL value")
		}
	default:
		r.fail("bad presence byte")
	}
	if err := r.end(); err != nil {
		return err
	}
	*t = d
	return nil
}

func (t *timedValue) result() Value {
	return t.v // Null when !ok
}

type firstState struct{ t timedValue }

func (s *firstState) Add(v Value, ts int64) {
	if orderable(v) && (!s.t.ok || s.t.precedes(ts, v)) {
		s.t = timedValue{true, ts, v}
	}
}

func (s *firstState) Merge(o State) error {
	ob, ok := o.(*firstState)
	if !ok {
		return mismatch("first_value", o)
	}
	if ob.t.ok && (!s.t.ok || s.t.precedes(ob.t.ts, ob.t.v)) {
		s.t = ob.t
	}
	return nil
}

func (s *firstState) Result() Value                  { return s.t.result() }
func (s *firstState) Mergeable() Mergeable           { return Mergeable{} }
func (s *firstState) Reset()                         { s.t = timedValue{} }
func (s *firstState) AppendBinary(dst []byte) []byte { return s.t.appendTo(dst, tagFirst) }
func (s *firstState) UnmarshalBinary(b []byte) error {
	return s.t.unmarshal(b, tagFirst, "first_value")
}

type lastState struct{ t timedValue }

// after reports whether (ts, v) orders after the current winner.
func (s *lastState) after(ts int64, v Value) bool {
	return ts > s.t.ts || ts == s.t.ts && compareValues(v, s.t.v) > 0
}

func (s *lastState) Add(v Value, ts int64) {
	if orderable(v) && (!s.t.ok || s.after(ts, v)) {
		s.t = timedValue{true, ts, v}
	}
}

func (s *lastState) Merge(o State) error {
	ob, ok := o.(*lastState)
	if !ok {
		return mismatch("last_value", o)
	}
	if ob.t.ok && (!s.t.ok || s.after(ob.t.ts, ob.t.v)) {
		s.t = ob.t
	}
	return nil
}

func (s *lastState) Result() Value                  { return s.t.result() }
func (s *lastState) Mergeable() Mergeable           { return Mergeable{} }
func (s *lastState) Reset()                         { s.t = timedValue{} }
func (s *lastState) AppendBinary(dst []byte) []byte { return s.t.appendTo(dst, tagLast) }
func (s *lastState) UnmarshalBinary(b []byte) error {
	return s.t.unmarshal(b, tagLast, "last_value")
}
