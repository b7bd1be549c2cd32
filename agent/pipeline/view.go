package pipeline

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sql/compile"
	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// view is the runtime of one materialized view (or of the implicit query of
// a sink): its compiled plan, its operator and where its rows go.
type view struct {
	p     *Pipeline
	name  string
	store string // the store's pipeline name of its operator state
	cv    *compile.View
	op    *windows.Operator // nil for a non-aggregating view
	cols  []sql.OutputColumn
	aggOf []int // per output column: its aggregate index, or -1
	rcols []wire.RowColumn

	sinks     []*sinkQueue
	lateSinks []*sinkQueue     // CREATE SINK ... FROM view WITH (stream = 'late')
	lateCols  []wire.RowColumn // the late rows' columns (input columns first)
	table     *table

	env  eval.Env
	oenv eval.Env
	rec  windows.Record
	out  []windows.Value

	wres    wire.Result
	row     []byte
	lateRow []byte
	states  []byte

	// counters since start (the persisted ones are in the store)
	errors      uint64
	lateCounter string // the persisted counter of late events
}

func newView(p *Pipeline, b *sql.BoundView) (*view, error) {
	cv, err := compile.Compile(b)
	if err != nil {
		return nil, fmt.Errorf("view %s: %w", b.Name, err)
	}
	v := &view{p: p, name: b.Name, store: "view:" + b.Name, cv: cv, cols: cv.Columns(), lateCounter: "late." + b.Name}
	v.rcols = rowColumns(v.cols)
	v.aggOf = make([]int, len(v.cols))
	for i := range v.cols {
		v.aggOf[i] = -1
		if a, ok := cv.OutputAggregate(i); ok {
			v.aggOf[i] = a
		}
	}
	if b.Aggregating {
		op, err := windows.New(cv.Spec, v)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", b.Name, err)
		}
		v.op = op
	}
	v.table = newTable(p.st, v.store, b.Window != nil, windowSpan(b), p.opts.TableWindows)
	return v, nil
}

// windowSpan is the length of event time one window covers, for the view
// table's retention.
func windowSpan(b *sql.BoundView) int64 {
	if b.Window == nil {
		return 0
	}
	switch {
	case b.Window.Size > 0:
		return b.Window.Size.Milliseconds()
	default:
		return b.Window.Gap.Milliseconds()
	}
}

// process feeds the source's current row to the view.
func (v *view) process(s *source, part []byte, now int64) error {
	if v.op == nil {
		v.env.Row, v.env.Now, v.env.Err = s.row, now, nil
		out, keep, err := v.cv.Project(&v.env, v.out[:0])
		v.out = out
		if err != nil || !keep {
			return err
		}
		v.emitRow(nil, windows.Window{Start: math.MinInt64, End: math.MaxInt64}, 0, true, nil)
		return nil
	}
	v.env.Row, v.env.Now, v.env.Err = s.row, now, nil
	ok, err := v.cv.Record(&v.env, &v.rec)
	if err != nil || !ok {
		return err
	}
	v.rec.Partition = part
	return v.op.Process(&v.rec)
}

// Result implements windows.Output: one emitted group.
func (v *view) Result(r *windows.Result) {
	v.oenv.Now, v.oenv.Err = v.op.Now(), nil
	out, keep, err := v.cv.Output(&v.oenv, r, v.out[:0])
	v.out = out
	if err != nil {
		v.errors++
		v.p.countError(v.name, "output_error", err)
		return
	}
	if !keep {
		// HAVING turned the group off: a table row it had is gone.
		v.table.remove(r.Key, r.Window)
		return
	}
	v.emitRow([]byte(r.Key), r.Window, r.Revision, r.Final, r.States)
}

// Late implements windows.Output: an event too late for any window. It is
// counted, and its input row goes to the view's late sinks. The operator
// calls it from Process, so v.env.Row is still the row of the event.
func (v *view) Late(e *windows.LateEvent) {
	v.p.pend.add(v.lateCounter, 1)
	v.p.pend.late++
	if len(v.lateSinks) == 0 {
		return
	}
	v.lateRow = appendLateJSON(v.lateRow[:0], v.lateCols, v.env.Row, v.name, e)
	for _, q := range v.lateSinks {
		q.add(v.lateRow)
	}
}

// emitRow sends the current output row v.out to the outbox, the sinks and
// the table.
func (v *view) emitRow(key []byte, w windows.Window, rev uint32, final bool, states []windows.State) {
	windowed := !w.Unbounded()
	v.p.pend.results++
	// The sinks' and the table's row: the view's columns as a flat JSON
	// object, plus the window and revision so that a consumer can upsert.
	v.row = wire.AppendRow(v.row[:0], v.rcols, v.out, w, rev)
	for _, q := range v.sinks {
		q.add(v.row)
	}
	if v.op != nil {
		v.table.put(key, w, v.row) // the latest row of the group and window
	} else {
		v.table.append(v.row) // a filter/projection view: its last rows
	}
	if !v.p.opts.Outbox {
		return
	}
	// The forwarder's row: sync/wire's format with mergeable columns and
	// partial states.
	r := &v.wres
	*r = wire.Result{Agent: v.p.opts.AgentID, View: v.name, Windowed: windowed,
		WindowStart: w.Start, WindowEnd: w.End, Revision: rev, Final: final,
		Keys: r.Keys[:0], Aggs: r.Aggs[:0]}
	v.states = v.states[:0]
	for i, c := range v.cols {
		a := v.aggOf[i]
		if a < 0 || states == nil {
			if windowed && (c.Name == "window_start" || c.Name == "window_end") {
				continue // the wire row's own window fields carry them
			}
			r.Keys = append(r.Keys, wire.Column{Name: c.Name, Value: v.out[i]})
			continue
		}
		var agg wire.Agg
		agg, v.states = wire.AggOf(c.Name, v.cv.Spec.Aggregates[a].Name(), states[a], v.states)
		agg.Value = v.out[i] // the view's output expression over the aggregate
		r.Aggs = append(r.Aggs, agg)
	}
	v.row = wire.AppendJSON(v.row[:0], r)
	v.p.addOutboxRow(v.row)
}

// resultKey is the identity of a result row in the table: the group key
// and the window start.
func resultKey(dst, key []byte, w windows.Window) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(w.Start))
	return append(dst, key...)
}
