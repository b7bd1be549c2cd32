package fleet

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sql/compile"
	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// mode says how an aggregate of a fleet view takes a partial row.
type mode uint8

const (
	// modeValue aggregates the column's value, as over any input. For
	// sum, min, max and count this is also the exact merge: the sum of
	// partial sums (or counts), the least of the minimums.
	modeValue mode = iota
	// modeAvg takes (__count, __sum) of an edge avg or sum column.
	modeAvg
	// modeState decodes the column's __state (sketches, variance,
	// first/last, histogram) and merges it.
	modeState
)

// aggPlan is how one aggregate of a fleet view is fed.
type aggPlan struct {
	agg   windows.Aggregate
	field string // the edge column behind a plain column argument, "" otherwise
	merge mode   // the merge this function does when the row carries its columns
	desc  string // for GET /v1/views
}

// View is one compiled fleet view.
type View struct {
	Name       string
	Source     string // the eddy source it reads
	EdgeView   string // the edge view whose results feed it
	Definition string
	cv         *compile.View
	aggs       []aggPlan
	input      []sql.Column
	cols       []sql.OutputColumn
	rcols      []wire.RowColumn // cols, for wire.AppendRow

	env     eval.Env
	oenv    eval.Env
	rec     windows.Record
	wins    []windows.Window
	scratch []windows.State // one partial state per aggregate, reused
	enc     []byte
	tmp     []byte
	out     []windows.Value
	b64     []byte
	strs    map[string]string // intern: string columns repeat (site, device)
}

// maxInterned bounds View.strs; when full it starts again.
const maxInterned = 1 << 16

// intern returns s as a string, the same one for the same bytes while it
// is remembered: no allocation for a device or site seen before.
func (v *View) intern(s []byte) string {
	if x, ok := v.strs[string(s)]; ok {
		return x
	}
	if v.strs == nil || len(v.strs) >= maxInterned {
		v.strs = make(map[string]string, 1024)
	}
	x := string(s)
	v.strs[x] = x
	return x
}

// Columns are the columns of the view's output rows, as Changed.Row and
// the HTTP API carry them: the view's own columns, then window_start and
// window_end (TIMESTAMP, unless the view selects them; not for a view
// without a window) and revision (BIGINT). Alert rules bind against them.
func (v *View) Columns() []sql.Column {
	out := make([]sql.Column, 0, len(v.cols)+3)
	has := map[string]bool{}
	for _, c := range v.cols {
		out = append(out, sql.Column{Name: c.Name, Type: c.Type})
		has[c.Name] = true
	}
	if _, unbounded := v.cv.Spec.Window.(windows.Unbounded); !unbounded {
		for _, n := range []string{"window_start", "window_end"} {
			if !has[n] {
				out = append(out, sql.Column{Name: n, Type: sql.TypeTimestamp})
			}
		}
	}
	if !has["revision"] {
		out = append(out, sql.Column{Name: "revision", Type: sql.TypeInt})
	}
	return out
}

// Info describes a fleet view for the HTTP API.
type Info struct {
	Name       string   `json:"name"`
	Source     string   `json:"source"`
	EdgeView   string   `json:"edge_view"`
	Window     string   `json:"window"`
	Columns    []string `json:"columns"`
	Aggregates []string `json:"aggregates"`
	Definition string   `json:"definition"`
}

// Info returns the view's description.
func (v *View) Info() Info {
	in := Info{Name: v.Name, Source: v.Source, EdgeView: v.EdgeView, Window: v.cv.Spec.Window.String(), Definition: v.Definition}
	for _, c := range v.cols {
		in.Columns = append(in.Columns, c.Name+" "+c.Type.String())
	}
	for _, a := range v.aggs {
		in.Aggregates = append(in.Aggregates, a.desc)
	}
	return in
}

// newView plans a bound view of the catalog as a fleet view.
func newView(cat *sql.Catalog, b *sql.BoundView) (*View, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w %s (%s): "+format, append([]any{ErrPlan, b.Name, b.Pos}, a...)...)
	}
	if b.FromKind != sql.ObjectSource {
		return nil, fail("reads view %s: a fleet view reads a source with connector = 'eddy' (views over views are not supported yet)", b.From)
	}
	src := cat.Source(b.From)
	if src == nil || src.Connector != "eddy" {
		return nil, fail("reads %s, which is not an eddy source: declare CREATE SOURCE %s (...) WITH (connector = 'eddy', view = '<edge view>')", b.From, b.From)
	}
	if !b.Aggregating {
		return nil, fail("has no aggregate: a fleet view merges partial results with GROUP BY and aggregates")
	}
	cv, err := compile.Compile(b)
	if err != nil {
		return nil, fail("%v", err)
	}
	switch cv.Spec.Window.(type) {
	case windows.Tumbling, windows.Hopping, windows.Unbounded:
	default:
		return nil, fail("window %s: fleet views support TUMBLE, HOP or no window (sessions cannot be rebuilt from partials)", cv.Spec.Window)
	}
	if cv.Spec.Time == windows.ProcessingTime {
		return nil, fail("PROCTIME windows depend on when rows arrive: window on the edge rows' window_start")
	}
	v := &View{Name: b.Name, Source: src.Name, EdgeView: src.Options["view"], Definition: b.Definition + ";" + src.Definition,
		cv: cv, input: b.Input, cols: cv.Columns()}
	for _, c := range v.cols {
		v.rcols = append(v.rcols, wire.RowColumn{Name: c.Name, Time: c.Type == sql.TypeTimestamp, JSON: c.Type == sql.TypeJSON})
	}
	for i, a := range b.Aggregates {
		p := aggPlan{agg: cv.Spec.Aggregates[i], merge: modeValue}
		if ref, ok := a.Arg.(*sql.ColumnRef); ok && !a.Star {
			p.field = b.Input[ref.Index].Field
			if p.field == "" {
				p.field = b.Input[ref.Index].Name
			}
		}
		name := p.agg.Name()
		switch {
		case name == "avg":
			p.agg = avgAgg{}
			if p.field != "" {
				p.merge = modeAvg
				p.desc = fmt.Sprintf("%s: merges %s__sum / %s__count (averages its values when the row lacks them)", a, p.field, p.field)
			}
		case wire.CarriesState(name) && p.field != "":
			p.merge = modeState
			p.desc = fmt.Sprintf("%s: merges %s__state (aggregates its values when the row lacks it)", a, p.field)
		}
		if p.desc == "" {
			p.desc = fmt.Sprintf("%s: over the column values (for sum, min, max and count also the exact merge)", a)
		}
		v.aggs = append(v.aggs, p)
	}
	if len(b.Aggregates) < len(cv.Spec.Aggregates) { // the hidden count(*) of a distinct GROUP BY
		v.aggs = append(v.aggs, aggPlan{agg: cv.Spec.Aggregates[len(b.Aggregates)], desc: "count(*) (hidden)"})
	}
	for _, p := range v.aggs {
		v.scratch = append(v.scratch, p.agg.NewState())
	}
	return v, nil
}

// NewStates returns empty states for a fleet window.
func (v *View) NewStates() []windows.State {
	out := make([]windows.State, len(v.aggs))
	for i, p := range v.aggs {
		out[i] = p.agg.NewState()
	}
	return out
}

// partial computes what row r contributes to the view: the group key, the
// windows it feeds and the partial states (in v.scratch, encoded in v.enc).
// ok is false when WHERE drops the row. The returned slices are reused by
// the next call.
func (v *View) partial(r *Row) (key []byte, wins []windows.Window, ok bool, err error) {
	if cap(v.env.Row) < len(v.input) {
		v.env.Row = make([]windows.Value, len(v.input))
	}
	v.env.Row = v.env.Row[:len(v.input)]
	for i, c := range v.input {
		f := c.Field
		if f == "" {
			f = c.Name
		}
		v.env.Row[i] = value(r.field(f), c.Type, v.intern)
	}
	v.env.Now = 0
	ok, err = v.cv.Record(&v.env, &v.rec)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	v.enc = v.enc[:0]
	for i, p := range v.aggs {
		st := v.scratch[i]
		st.Reset()
		in := v.rec.Values[i]
		if err := v.fill(r, p, st, in); err != nil {
			return nil, nil, false, err
		}
		v.tmp = st.AppendBinary(v.tmp[:0])
		v.enc = binary.AppendUvarint(v.enc, uint64(len(v.tmp)))
		v.enc = append(v.enc, v.tmp...)
	}
	v.wins = v.cv.Spec.Window.Assign(v.wins[:0], v.rec.Time)
	return v.rec.Key, v.wins, true, nil
}

// fill sets st to the partial of one aggregate from row r; in is the
// aggregate's input as the compiled view computed it (NULL when the value
// is NULL or FILTER rejected the row: an empty partial).
func (v *View) fill(r *Row, p aggPlan, st windows.State, in windows.Value) error {
	if in.IsNull() {
		if p.field == "" || p.merge == modeValue {
			st.Add(in, v.rec.Time) // count(*) counts it; the others skip it
		}
		return nil
	}
	switch p.merge {
	case modeAvg:
		c, s := r.field(p.field+"__count"), r.field(p.field+"__sum")
		if c != nil && s != nil {
			n, err := c.Int64()
			if err != nil {
				return fmt.Errorf("%w: %s__count: %v", ErrRow, p.field, err)
			}
			st.(*avgState).setPartial(n, s.GetFloat64())
			return nil
		}
	case modeState:
		if s := r.field(p.field + "__state"); s != nil {
			var err error
			v.b64, err = base64.StdEncoding.AppendDecode(v.b64[:0], s.GetStringBytes())
			if err != nil {
				return fmt.Errorf("%w: %s__state: %v", ErrRow, p.field, err)
			}
			if err := st.UnmarshalBinary(v.b64); err != nil {
				return fmt.Errorf("%w: %s__state does not fit %s: %v", ErrRow, p.field, p.agg.Name(), err)
			}
			return nil
		}
	}
	st.Add(in, v.rec.Time)
	return nil
}

// decodeStates decodes what partial encoded into fresh states.
func (v *View) decodeStates(b []byte, into []windows.State) error {
	for i := range into {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return fmt.Errorf("%w: encoded states of %s", ErrRow, v.Name)
		}
		if err := into[i].UnmarshalBinary(b[w : w+int(n)]); err != nil {
			return err
		}
		b = b[w+int(n):]
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: encoded states of %s: trailing bytes", ErrRow, v.Name)
	}
	return nil
}

// fits reports whether the partial's window lies inside fleet window w: a
// partial that straddles two fleet windows cannot be split, so it is
// counted and skipped (make the fleet window a multiple of the edge one,
// on the same alignment).
func fits(r *Row, w windows.Window) bool {
	return w.Unbounded() || !r.Windowed || (w.Start <= r.Start && r.End <= w.End)
}

// String names the view for logs.
func (v *View) String() string {
	return v.Name + " (over " + v.EdgeView + ": " + strings.Join(v.Info().Aggregates, "; ") + ")"
}
