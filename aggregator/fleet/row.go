package fleet

import (
	"bytes"
	"fmt"
	"math"
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

	obj   *fastjson.Object
	cands []keyCol // scratch of ParseRow
	aggs  [][]byte // scratch of ParseRow
}

// mergeSuffixes are the columns an aggregate carries besides its value.
var mergeSuffixes = []string{"__count", "__sum", "__sumsq", "__min", "__max", "__state"}

// keyCol is a candidate group-key column met while walking a row.
type keyCol struct {
	name []byte
	v    *fastjson.Value
}

// ParseRow decodes b (one result row) into r with p, reusing r.Key. The
// error wraps ErrRow.
//
// It walks the row's fields once: the fixed fields are picked up, a
// column with a merge suffix marks its base as an aggregate, and every
// other column is a candidate key; the key is then built from the
// candidates that are not aggregates, in the row's order.
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
	var agent, view, rev, final, ws, we *fastjson.Value
	cands, aggs := r.cands[:0], r.aggs[:0]
	o.Visit(func(key []byte, v *fastjson.Value) {
		// The first of duplicate fields wins, as with Object.Get.
		switch string(key) {
		case "agent":
			agent = first(agent, v)
			return
		case "view":
			view = first(view, v)
			return
		case "revision":
			rev = first(rev, v)
			return
		case "final":
			final = first(final, v)
			return
		case "window_start":
			ws = first(ws, v)
			return
		case "window_end":
			we = first(we, v)
			return
		}
		if len(key) > 2 && bytes.Contains(key, dunder) {
			for _, s := range mergeSuffixes {
				if bytes.HasSuffix(key, []byte(s)) {
					if len(key) > len(s) {
						base := key[:len(key)-len(s)]
						if len(aggs) == 0 || !bytes.Equal(aggs[len(aggs)-1], base) {
							aggs = append(aggs, base)
						}
					}
					return
				}
			}
		}
		cands = append(cands, keyCol{name: key, v: v})
	})
	r.cands, r.aggs = cands, aggs
	r.Agent = intern(r.Agent, agent.GetStringBytes())
	r.View = intern(r.View, view.GetStringBytes())
	if r.Agent == "" || r.View == "" {
		return fmt.Errorf("%w: no agent or view", ErrRow)
	}
	if rev == nil || rev.Type() != fastjson.TypeNumber {
		return fmt.Errorf("%w: no revision", ErrRow)
	}
	n, err := rev.Uint()
	if err != nil || n > math.MaxUint32 {
		return fmt.Errorf("%w: revision %s", ErrRow, rev)
	}
	r.Revision = uint32(n)
	r.Final = final.GetBool()
	r.Windowed, r.Start, r.End = false, math.MinInt64, math.MaxInt64
	if ws != nil {
		start, err1 := parseTime(ws)
		end, err2 := parseTime(we)
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
next:
	for _, c := range cands {
		for _, a := range aggs {
			if bytes.Equal(a, c.name) {
				continue next
			}
		}
		k = append(k, c.name...)
		k = append(k, 0)
		k = c.v.MarshalTo(k)
		k = append(k, 0)
	}
	r.Key = k
	return nil
}

var dunder = []byte("__")

func first(have, v *fastjson.Value) *fastjson.Value {
	if have != nil {
		return have
	}
	return v
}

// intern returns old when it equals b (the agent and view of consecutive
// rows mostly are), else a new string.
func intern(old string, b []byte) string {
	if old == string(b) {
		return old
	}
	return string(b)
}

func parseTime(v *fastjson.Value) (int64, error) {
	if v == nil {
		return 0, ErrRow
	}
	switch v.Type() {
	case fastjson.TypeString:
		return ParseStamp(v.GetStringBytes())
	case fastjson.TypeNumber:
		return v.Int64()
	}
	return 0, ErrRow
}

// ParseStamp parses an RFC 3339 time to Unix ms. The results topic's own
// format, "2006-01-02T15:04:05.000Z", is read by hand; anything else goes
// through time.Parse.
func ParseStamp(s []byte) (int64, error) {
	if len(s) == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		sec, ok6 := digits(s[17:19])
		ms, ok7 := digits(s[20:23])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 &&
			mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(mo, y) && h < 24 && mi < 60 && sec < 60 {
			days := daysFromCivil(y, mo, d)
			return ((days*24+h)*3600+mi*60+sec)*1000 + ms, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

func digits(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func daysIn(m, y int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// field returns the row's field name (nil if absent).
func (r *Row) field(name string) *fastjson.Value { return r.obj.Get(name) }

// Fields calls fn for each field of the row, in order.
func (r *Row) Fields(fn func(name string, v *fastjson.Value)) {
	r.obj.Visit(func(k []byte, v *fastjson.Value) { fn(string(k), v) })
}

// value converts a JSON field to a column of type t; NULL when absent,
// null or of another type. str makes a string of JSON bytes.
func value(v *fastjson.Value, t sql.Type, str func([]byte) string) windows.Value {
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
			return windows.String(str(s))
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
