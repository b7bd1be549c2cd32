package pipeline

import (
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// rowColumn says how a column of SQL type t is written in a JSON row.
func rowColumn(name string, t sql.Type) wire.RowColumn {
	return wire.RowColumn{Name: name, Time: t == sql.TypeTimestamp, JSON: t == sql.TypeJSON}
}

// rowColumns are a view's output columns for wire.AppendRow.
func rowColumns(cols []sql.OutputColumn) []wire.RowColumn {
	out := make([]wire.RowColumn, len(cols))
	for i, c := range cols {
		out[i] = rowColumn(c.Name, c.Type)
	}
	return out
}

// lateColumns are a late sink's columns: the view's input columns, then
// sql.LateColumns.
func lateColumns(in []sql.Column) []wire.RowColumn {
	out := make([]wire.RowColumn, 0, len(in)+len(sql.LateColumns))
	for _, c := range append(in[:len(in):len(in)], sql.LateColumns...) {
		out = append(out, rowColumn(c.Name, c.Type))
	}
	return out
}

// appendLateJSON writes the row of a late sink: the view's input row, as
// the source decoded it, then sql.LateColumns (cols is lateColumns).
func appendLateJSON(dst []byte, cols []wire.RowColumn, row []windows.Value, view string, e *windows.LateEvent) []byte {
	dst = append(dst, '{')
	n := len(cols) - len(sql.LateColumns)
	for i, c := range cols[:n] {
		v := windows.Null
		if i < len(row) {
			v = row[i]
		}
		dst = append(wire.AppendRowField(dst, c, v), ',')
	}
	late := cols[n:]
	dst = wire.AppendRowField(dst, late[0], windows.String(view))
	for i, t := range []int64{e.Window.Start, e.Window.End, e.Watermark} {
		dst = wire.AppendRowField(append(dst, ','), late[1+i], windows.Int(t))
	}
	return append(dst, '}')
}
