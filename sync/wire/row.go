package wire

import (
	"strconv"

	"github.com/eddy-iot/eddy/windows"
)

// RowColumn describes one column of a flat JSON row: its name and how its
// value is written.
type RowColumn struct {
	Name string
	// Time: an Int value is Unix ms, written as an RFC 3339 UTC string with
	// milliseconds ("2026-12-05T10:00:00.000Z").
	Time bool
	// JSON: a String value is JSON text, written inline, not quoted.
	JSON bool
}

// AppendRow writes a view's output row as one flat JSON object, the form
// Flink's and RisingWave's JSON formats read, and the one local sinks, the
// agent's and the aggregator's view tables and their HTTP APIs serve: the
// columns in order, then, for a windowed row (w not Unbounded),
// window_start and window_end unless the columns hold them, and the
// revision. (window_start, keys, revision) identifies a row: a consumer
// that upserts by it is exact.
func AppendRow(dst []byte, cols []RowColumn, vals []windows.Value, w windows.Window, rev uint32) []byte {
	dst = append(dst, '{')
	hasStart, hasEnd := false, false
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendRowValue(appendKey(dst, c.Name), c, vals[i])
		hasStart = hasStart || c.Name == "window_start"
		hasEnd = hasEnd || c.Name == "window_end"
	}
	sep := func() {
		if len(dst) > 1 {
			dst = append(dst, ',')
		}
	}
	if !w.Unbounded() {
		if !hasStart {
			sep()
			dst = appendTimeString(append(dst, `"window_start":`...), w.Start)
		}
		if !hasEnd {
			sep()
			dst = appendTimeString(append(dst, `"window_end":`...), w.End)
		}
	}
	sep()
	dst = append(dst, `"revision":`...)
	dst = strconv.AppendUint(dst, uint64(rev), 10)
	return append(dst, '}')
}

// AppendRowValue writes one value of column c: NULL as null, a Time
// column's Int as a quoted timestamp, a JSON column's text inline, any
// other value as AppendValue does.
func AppendRowValue(dst []byte, c RowColumn, v windows.Value) []byte {
	switch {
	case v.IsNull():
		return append(dst, "null"...)
	case c.Time && v.Kind == windows.KindInt:
		return appendTimeString(dst, v.I)
	case c.JSON && v.Kind == windows.KindString && v.S != "":
		return append(dst, v.S...)
	default:
		return AppendValue(dst, v)
	}
}

// AppendRowField writes "name": and the value, for rows built by hand.
func AppendRowField(dst []byte, c RowColumn, v windows.Value) []byte {
	return AppendRowValue(appendKey(dst, c.Name), c, v)
}

func appendKey(dst []byte, name string) []byte {
	return append(appendString(dst, name), ':')
}

func appendTimeString(dst []byte, ms int64) []byte {
	return append(AppendTime(append(dst, '"'), ms), '"')
}
