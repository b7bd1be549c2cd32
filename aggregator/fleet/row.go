package fleet

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Row is one decoded result row of eddy.results (docs/results-topic.md).
// It points into the Parser that decoded it: valid until that parser's
// next Parse.
type Row struct {
	Agent    string
	View     string
	Windowed bool
	Start    int64 // Unix ms; math.MinInt64 for an unbounded row
	End      int64 // Unix ms; math.MaxInt64 for an unbounded row
	Revision uint32
	Final    bool
	// Key is the row's identity within its view: window start, agent and
	// group-key columns (everything but revision and the aggregates). Rows
	// with equal Key are revisions of one result.
	Key []byte

	obj *fastjson.Object
}

// mergeSuffixes are the columns an aggregate carries besides its value.
var mergeSuffixes = []string{"__count", "__sum", "__sumsq", "__min", "__max", "__state"}

// ParseRow decodes b (one result row) into r with p, reusing r.Key. The
// error wraps ErrRow.
func ParseRow(p *fastjson.Parser, b []byte, r *Row) error {
	v, err := p.ParseBytes(b)
	if err != nil {
		return fmt.Errorf("%w: not JSON: %v", ErrRow, err)
	}
	o, err := v.Object()
	if err != nil {
		return fmt.Errorf("%w: not a JSON object", ErrRow)
	}
	r.obj = o
	r.Agent = string(o.Get("agent").GetStringBytes())
	r.View = string(o.Get("view").GetStringBytes())
	if r.Agent == "" || r.View == "" {
		return fmt.Errorf("%w: no agent or view", ErrRow)
	}
	rev := o.Get("revision")
	if rev == nil || rev.Type() != fastjson.TypeNumber {
		return fmt.Errorf("%w: no revision", ErrRow)
	}
	n, err := rev.Uint()
	if err != nil || n > math.MaxUint32 {
		return fmt.Errorf("%w: revision %s", ErrRow, rev)
	}
	r.Revision = uint32(n)
	r.Final = o.Get("final").GetBool()
	r.Windowed, r.Start, r.End = false, math.MinInt64, math.MaxInt64
	if ws := o.Get("window_start"); ws != nil {
		start, err1 := parseTime(ws)
		end, err2 := parseTime(o.Get("window_end"))
		if err1 != nil || err2 != nil || end <= start {
			return fmt.Errorf("%w: bad window_start/window_end", ErrRow)
		}
		r.Windowed, r.Start, r.End = true, start, end
	}
	// Identity: start, agent, then every key column (name and JSON value)
	// in the row's fixed order. Aggregate columns are those with a
	// mergeable column; everything else that is not a fixed field is a key.
	k := store.TimeKey(r.Key[:0], r.Start)
	k = append(k, r.Agent...)
	k = append(k, 0)
	var aggs [16]string
	names := aggs[:0]
	o.Visit(func(key []byte, _ *fastjson.Value) {
		for _, s := range mergeSuffixes {
			if len(key) > len(s) && strings.HasSuffix(string(key), s) {
				base := string(key[:len(key)-len(s)])
				if len(names) == 0 || names[len(names)-1] != base {
					names = append(names, base)
				}
				return
			}
		}
	})
	o.Visit(func(key []byte, v *fastjson.Value) {
		switch string(key) {
		case "agent", "view", "window_start", "window_end", "revision", "final":
			return
		}
		for _, s := range mergeSuffixes {
			if strings.HasSuffix(string(key), s) {
				return
			}
		}
		for _, n := range names {
			if n == string(key) {
				return
			}
		}
		k = append(k, key...)
		k = append(k, 0)
		k = v.MarshalTo(k)
		k = append(k, 0)
	})
	r.Key = k
	return nil
}

func parseTime(v *fastjson.Value) (int64, error) {
	if v == nil {
		return 0, ErrRow
	}
	switch v.Type() {
	case fastjson.TypeString:
		t, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes()))
		if err != nil {
			return 0, err
		}
		return t.UnixMilli(), nil
	case fastjson.TypeNumber:
		return v.Int64()
	}
	return 0, ErrRow
}

// field returns the row's field name (nil if absent).
func (r *Row) field(name string) *fastjson.Value { return r.obj.Get(name) }

// Fields calls fn for each field of the row, in order.
func (r *Row) Fields(fn func(name string, v *fastjson.Value)) {
	r.obj.Visit(func(k []byte, v *fastjson.Value) { fn(string(k), v) })
}

// value converts a JSON field to a column of type t; NULL when absent,
// null or of another type.
func value(v *fastjson.Value, t sql.Type) windows.Value {
	if v == nil {
		return windows.Null
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return windows.Null
	case fastjson.TypeString:
		s := v.GetStringBytes()
		switch t {
		case sql.TypeTimestamp:
			if ms, err := parseTime(v); err == nil {
				return windows.Int(ms)
			}
			return windows.Null
		case sql.TypeString, sql.TypeJSON:
			return windows.String(string(s))
		}
		return windows.Null
	case fastjson.TypeNumber:
		switch t {
		case sql.TypeInt, sql.TypeTimestamp:
			if i, err := v.Int64(); err == nil {
				return windows.Int(i)
			}
			f := v.GetFloat64()
			if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
				return windows.Int(int64(f))
			}
			return windows.Null
		case sql.TypeFloat:
			return windows.Float(v.GetFloat64())
		case sql.TypeString, sql.TypeJSON:
			return windows.String(v.String())
		}
		if i, err := v.Int64(); err == nil {
			return windows.Int(i)
		}
		return windows.Float(v.GetFloat64())
	case fastjson.TypeTrue, fastjson.TypeFalse:
		if t == sql.TypeBool || t == sql.TypeJSON {
			return windows.Bool(v.GetBool())
		}
	}
	return windows.Null
}
