package compile

import (
	"fmt"
	"time"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/windows"
)

// View is a bound view compiled for the runtime: the windows operator plan
// of an aggregating view, or the filter and projection of a
// non-aggregating one, with the expressions that feed and read them.
//
// A View is immutable after Compile and safe for concurrent use; each
// caller passes its own eval.Env and Record.
type View struct {
	Bound *sql.BoundView
	// Spec is the operator plan of an aggregating view (zero otherwise).
	Spec windows.Spec
	// TimeColumn is the input column holding the event time, or -1 for a
	// processing-time window, an unbounded GROUP BY (which ignores time)
	// and a non-aggregating view.
	TimeColumn int
	// Aggregating reports whether the view is a windows operator at all; a
	// non-aggregating view (filter and project) uses Project only.
	Aggregating bool

	where   *eval.Expr
	keys    []*eval.Expr
	aggs    []aggInput
	nUser   int // aggregates of the bound view; a hidden count(*) follows
	having  *eval.Expr
	outputs []*eval.Expr
}

// aggInput computes the input of one aggregate from a row.
type aggInput struct {
	arg    *eval.Expr // nil: count(*) (any non-NULL input will do)
	filter *eval.Expr // nil: every row
	// one is count(*) FILTER (...): compiled to count(x) whose x is 1 when
	// the filter holds and NULL otherwise, because count(*) counts NULL
	// inputs too.
	one bool
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// Compile plans v. The error wraps ErrPlan.
func Compile(v *sql.BoundView) (*View, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: nil view", ErrPlan)
	}
	out := &View{Bound: v, TimeColumn: -1, Aggregating: v.Aggregating}
	var err error
	expr := func(e sql.BoundExpr, what string) *eval.Expr {
		if e == nil || err != nil {
			return nil
		}
		x, cerr := eval.Compile(e)
		if cerr != nil {
			err = fmt.Errorf("%w %q: %s: %w", ErrPlan, v.Name, what, cerr)
		}
		return x
	}
	out.where = expr(v.Where, "WHERE")
	for _, o := range v.Output {
		out.outputs = append(out.outputs, expr(o.Expr, "column "+o.Name))
	}
	if !v.Aggregating {
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	for i, k := range v.GroupBy {
		out.keys = append(out.keys, expr(k, fmt.Sprintf("GROUP BY key %d", i+1)))
	}
	out.having = expr(v.Having, "HAVING")
	for _, a := range v.Aggregates {
		agg, in, aerr := aggregate(a)
		if aerr != nil && err == nil {
			err = fmt.Errorf("%w %q: %s: %w", ErrPlan, v.Name, a.String(), aerr)
		}
		in.arg = expr(a.Arg, a.String())
		in.filter = expr(a.Filter, a.String()+" FILTER")
		out.Spec.Aggregates = append(out.Spec.Aggregates, agg)
		out.aggs = append(out.aggs, in)
	}
	out.nUser = len(v.Aggregates)
	if len(v.Aggregates) == 0 {
		// The engine folds rows into aggregates: GROUP BY without one
		// (distinct keys) keeps a hidden count(*).
		agg, _ := windows.NewAggregate("count", windows.AggArgs{Star: true})
		out.Spec.Aggregates = append(out.Spec.Aggregates, agg)
		out.aggs = append(out.aggs, aggInput{})
	}
	if err != nil {
		return nil, err
	}
	out.plan()
	if verr := out.Spec.Validate(); verr != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrPlan, v.Name, verr)
	}
	return out, nil
}

// aggregate maps a bound aggregate call to the engine's aggregate.
func aggregate(a *sql.AggCall) (windows.Aggregate, aggInput, error) {
	name := a.Func
	args := windows.AggArgs{
		Star:             a.Star,
		Quantiles:        a.Quantiles,
		RelativeAccuracy: a.RelativeAccuracy,
	}
	var in aggInput
	switch {
	case a.Star && a.Filter != nil:
		args.Star = false
		in.one = true
	case a.Distinct:
		name = "count_distinct"
	}
	agg, err := windows.NewAggregate(name, args)
	return agg, in, err
}

// plan fills the window, time and emission settings of the spec.
func (v *View) plan() {
	b, o := v.Bound, v.Bound.Options
	s := &v.Spec
	s.AllowedLateness = ms(o.AllowedLateness)
	s.OutOfOrderness = ms(o.OutOfOrderness)
	s.IdleTimeout = ms(o.IdleTimeout)
	s.EmitEvery = ms(o.EmitInterval)
	w := b.Window
	if w == nil {
		s.Window = windows.Unbounded{}
		// Watermarks do not apply to an unbounded GROUP BY.
		s.OutOfOrderness, s.AllowedLateness, s.IdleTimeout = 0, 0, 0
		return
	}
	switch w.Kind {
	case sql.Tumble:
		s.Window = windows.Tumbling{Size: ms(w.Size), Offset: ms(w.Offset)}
	case sql.Hop:
		s.Window = windows.Hopping{Size: ms(w.Size), Slide: ms(w.Slide), Offset: ms(w.Offset)}
	case sql.Session:
		s.Window = windows.Session{Gap: ms(w.Gap), MaxDuration: ms(o.SessionMaxDuration)}
	}
	if w.ProcessingTime {
		s.Time = windows.ProcessingTime
		return
	}
	v.TimeColumn = w.TimeColumn
}

// Columns returns the output columns: names and types, for sinks and the
// wire format.
func (v *View) Columns() []sql.OutputColumn { return v.Bound.Output }

// OutputAggregate reports which aggregate output column i is when it is
// exactly one (SELECT avg(x) AS a): the runtime can then also emit that
// aggregate's SQL-mergeable columns and partial state for the central
// aggregator. ok is false for any other column (a key, an expression over
// aggregates, a window bound) and for non-aggregating views.
func (v *View) OutputAggregate(i int) (aggIndex int, ok bool) {
	if !v.Aggregating || i < 0 || i >= len(v.Bound.Output) {
		return 0, false
	}
	if r, isAgg := v.Bound.Output[i].Expr.(*sql.AggRef); isAgg && r.Index >= 0 && r.Index < v.nUser {
		return r.Index, true
	}
	return 0, false
}
