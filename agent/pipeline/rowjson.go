package pipeline

import (
	"strconv"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// appendRowJSON writes a view's output row as one flat JSON object, the
// form Flink's and RisingWave's JSON formats read: the view's columns in
// order (timestamps as RFC 3339 UTC with milliseconds, JSON columns
// inline), then, for windowed rows, window_start and window_end unless the
// query selected them, and the revision. (window_start, keys, revision)
// identifies a row: a consumer that upserts by it is exact.
func appendRowJSON(dst []byte, cols []sql.OutputColumn, vals []windows.Value, windowed bool, w windows.Window, rev uint32) []byte {
	dst = append(dst, '{')
	hasStart, hasEnd := false, false
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = wire.AppendValue(dst, windows.String(c.Name))
		dst = append(dst, ':')
		dst = appendValueJSON(dst, c.Type, vals[i])
		switch c.Name {
		case "window_start":
			hasStart = true
		case "window_end":
			hasEnd = true
		}
	}
	sep := func() {
		if len(dst) > 1 {
			dst = append(dst, ',')
		}
	}
	if windowed {
		if !hasStart {
			sep()
			dst = append(dst, `"window_start":`...)
			dst = appendTimeJSON(dst, w.Start)
		}
		if !hasEnd {
			sep()
			dst = append(dst, `"window_end":`...)
			dst = appendTimeJSON(dst, w.End)
		}
	}
	sep()
	dst = append(dst, `"revision":`...)
	dst = strconv.AppendUint(dst, uint64(rev), 10)
	return append(dst, '}')
}

// appendValueJSON writes one column value of SQL type t.
func appendValueJSON(dst []byte, t sql.Type, v windows.Value) []byte {
	switch {
	case v.IsNull():
		return append(dst, "null"...)
	case t == sql.TypeTimestamp && v.Kind == windows.KindInt:
		return appendTimeJSON(dst, v.I)
	case t == sql.TypeJSON && v.Kind == windows.KindString && v.S != "":
		return append(dst, v.S...)
	default:
		return wire.AppendValue(dst, v)
	}
}

// appendLateJSON writes the row of a late sink: the view's input row, as
// the source decoded it, then sql.LateColumns.
func appendLateJSON(dst []byte, in []sql.Column, row []windows.Value, view string, e *windows.LateEvent) []byte {
	dst = append(dst, '{')
	for i, c := range in {
		dst = wire.AppendValue(dst, windows.String(c.Name))
		dst = append(dst, ':')
		v := windows.Null
		if i < len(row) {
			v = row[i]
		}
		dst = appendValueJSON(dst, c.Type, v)
		dst = append(dst, ',')
	}
	dst = append(dst, `"late_view":`...)
	dst = wire.AppendValue(dst, windows.String(view))
	dst = append(dst, `,"late_window_start":`...)
	dst = appendTimeJSON(dst, e.Window.Start)
	dst = append(dst, `,"late_window_end":`...)
	dst = appendTimeJSON(dst, e.Window.End)
	dst = append(dst, `,"late_watermark":`...)
	dst = appendTimeJSON(dst, e.Watermark)
	return append(dst, '}')
}

func appendTimeJSON(dst []byte, ms int64) []byte {
	return append(wire.AppendTime(append(dst, '"'), ms), '"')
}
