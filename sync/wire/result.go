package wire

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/eddy-iot/eddy/windows"
)

// Column is one named value of a result row.
type Column struct {
	Name  string
	Value windows.Value
}

// Agg is one aggregate output column with its mergeable columns and, when
// its partial state cannot be derived from those, the encoded state.
type Agg struct {
	Name  string
	Func  string // the aggregate function (windows.Aggregate.Name); "" writes no mergeable columns
	Value windows.Value
	Merge windows.Mergeable
	State []byte // emitted as name__state (base64) when non-nil
}

// AggOf returns the Agg of state s of function fn under column name: its
// value, its mergeable summary and, when CarriesState(fn), its encoded state,
// appended to buf (returned, for reuse: Agg.State points into it).
func AggOf(name, fn string, s windows.State, buf []byte) (Agg, []byte) {
	a := Agg{Name: name, Func: fn, Value: s.Result(), Merge: s.Mergeable()}
	if CarriesState(fn) {
		start := len(buf)
		buf = s.AppendBinary(buf)
		a.State = buf[start:len(buf):len(buf)]
	}
	return a, buf
}

// columns are the mergeable columns a row carries for an aggregate.
type columns uint8

const (
	colCount  columns = 1 << iota // name__count
	colSum                        // name__sum
	colSumSq                      // name__sumsq
	colMinMax                     // name__min, name__max
	colState                      // name__state
)

// aggColumns says which mergeable columns the rows of each aggregate
// function carry: those a consumer needs to merge partials with SUM, MIN and
// MAX (or, for sketches, the state only Eddy decodes), and no other that
// repeats the aggregate's own value (a min's minimum). Each carries
// __count or __state: that is what tells a reader of the self-describing
// row an aggregate column from a group-key column. It names every function
// of windows.AggregateNames (a test holds both).
var aggColumns = map[string]columns{
	"count": colCount, "count_star": colCount, // merge: SUM(value)
	"min": colCount, "max": colCount, // merge: MIN(value), MAX(value)
	"sum": colCount | colSum, "avg": colCount | colSum, // merge: SUM(__sum) [/ SUM(__count)]
	"var_pop": colCount | colSum | colSumSq | colState, "var_samp": colCount | colSum | colSumSq | colState,
	"variance": colCount | colSum | colSumSq | colState, "stddev_pop": colCount | colSum | colSumSq | colState,
	"stddev_samp": colCount | colSum | colSumSq | colState, "stddev": colCount | colSum | colSumSq | colState,
	"approx_percentile": colCount | colMinMax | colState, "percentile_cont": colCount | colMinMax | colState,
	"percentile_disc": colCount | colMinMax | colState, "histogram": colCount | colMinMax | colState,
	"approx_count_distinct": colCount | colState, "count_distinct": colCount | colState,
	"first_value": colState, "last_value": colState,
}

func columnsOf(fn string) columns { return aggColumns[fn] }

// CarriesState reports whether the rows of function fn carry its partial
// state as name__state: its mergeable columns cannot rebuild it.
func CarriesState(fn string) bool { return columnsOf(fn)&colState != 0 }

// Result is one result row of a view.
type Result struct {
	Agent       string
	View        string
	Windowed    bool  // false for an unbounded (continuously updated) view
	WindowStart int64 // Unix ms
	WindowEnd   int64 // Unix ms
	Revision    uint32
	Final       bool
	Keys        []Column
	Aggs        []Agg
}

// Reserved are the field names a view may not use for its own columns.
var Reserved = map[string]bool{
	"agent": true, "view": true, "window_start": true, "window_end": true, "revision": true, "final": true,
}

// AppendJSON appends r as one JSON object. Field order is fixed (see the
// package doc), so equal rows encode to equal bytes.
func AppendJSON(dst []byte, r *Result) []byte {
	dst = append(dst, `{"agent":`...)
	dst = appendString(dst, r.Agent)
	dst = append(dst, `,"view":`...)
	dst = appendString(dst, r.View)
	if r.Windowed {
		dst = append(dst, `,"window_start":"`...)
		dst = AppendTime(dst, r.WindowStart)
		dst = append(dst, `","window_end":"`...)
		dst = AppendTime(dst, r.WindowEnd)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"revision":`...)
	dst = strconv.AppendUint(dst, uint64(r.Revision), 10)
	dst = append(dst, `,"final":`...)
	dst = strconv.AppendBool(dst, r.Final)
	for _, c := range r.Keys {
		dst = appendField(dst, c.Name, "", c.Value)
	}
	for i := range r.Aggs {
		dst = appendField(dst, r.Aggs[i].Name, "", r.Aggs[i].Value)
	}
	for i := range r.Aggs {
		a := &r.Aggs[i]
		cols, m := columnsOf(a.Func), &a.Merge
		if cols&colCount != 0 {
			dst = appendField(dst, a.Name, "__count", windows.Int(m.Count))
		}
		if m.HasSum && cols&colSum != 0 {
			dst = appendField(dst, a.Name, "__sum", windows.Float(m.Sum))
		}
		if m.HasSum && cols&colSumSq != 0 {
			dst = appendField(dst, a.Name, "__sumsq", windows.Float(m.SumSq))
		}
		if m.HasMin && cols&colMinMax != 0 {
			dst = appendField(dst, a.Name, "__min", windows.Float(m.Min))
			dst = appendField(dst, a.Name, "__max", windows.Float(m.Max))
		}
		if a.State != nil {
			dst = append(dst, ',')
			dst = appendString2(dst, a.Name, "__state")
			dst = append(dst, `:"`...)
			dst = base64.StdEncoding.AppendEncode(dst, a.State)
			dst = append(dst, '"')
		}
	}
	return append(dst, '}')
}

// AppendTime appends ms as RFC 3339 UTC with exactly three fractional digits.
func AppendTime(dst []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
}

func appendField(dst []byte, name, suffix string, v windows.Value) []byte {
	dst = append(dst, ',')
	dst = appendString2(dst, name, suffix)
	dst = append(dst, ':')
	return AppendValue(dst, v)
}

// AppendValue appends v as a JSON value. Non-finite floats, which JSON cannot
// carry, become null (the engine rejects them upstream, so this is a guard).
func AppendValue(dst []byte, v windows.Value) []byte {
	switch v.Kind {
	case windows.KindInt:
		return strconv.AppendInt(dst, v.I, 10)
	case windows.KindFloat:
		if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, v.F, 'g', -1, 64)
	case windows.KindString:
		return appendString(dst, v.S)
	case windows.KindBool:
		return strconv.AppendBool(dst, v.I != 0)
	}
	return append(dst, "null"...)
}

func appendString(dst []byte, s string) []byte { return appendString2(dst, s, "") }

// appendString2 appends the JSON string a+b, escaping as encoding/json does
// for control characters, quotes and backslashes, and replacing invalid UTF-8.
func appendString2(dst []byte, a, b string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, a)
	dst = appendEscaped(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
