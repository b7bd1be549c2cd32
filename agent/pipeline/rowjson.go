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
		v := vals[i]
		switch {
		case v.IsNull():
			dst = append(dst, "null"...)
		case c.Type == sql.TypeTimestamp && v.Kind == windows.KindInt:
			dst = appendTimeJSON(dst, v.I)
		case c.Type == sql.TypeJSON && v.Kind == windows.KindString && v.S != "":
			dst = append(dst, v.S...)
		default:
			dst = wire.AppendValue(dst, v)
		}
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

func appendTimeJSON(dst []byte, ms int64) []byte {
	return append(wire.AppendTime(append(dst, '"'), ms), '"')
}
