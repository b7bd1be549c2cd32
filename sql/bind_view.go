package sql

import (
	"strconv"
	"strings"
	"time"
)

// EmitMode says when a view's results leave it.
type EmitMode uint8

const (
	// EmitOnUpdate: a continuously updated view (no window) emits the
	// groups that changed, every Options.EmitInterval or on every batch
	// when 0. Also the mode of non-aggregating views: every row.
	EmitOnUpdate EmitMode = iota
	// EmitOnWindowClose: final results of each window when the watermark
	// passes its end, plus early results of open windows every
	// Options.EmitInterval when that is > 0.
	EmitOnWindowClose
)

func (m EmitMode) String() string {
	if m == EmitOnWindowClose {
		return "on window close"
	}
	return "on update"
}

// WindowSpec is the window of a view. Durations are whole milliseconds.
type WindowSpec struct {
	Kind   WindowKind
	Size   time.Duration // TUMBLE, HOP
	Slide  time.Duration // HOP
	Offset time.Duration // TUMBLE, HOP: windows start at epoch + Offset + k*step
	Gap    time.Duration // SESSION
	// TimeColumn is the index of the time column in the input columns.
	TimeColumn     int
	TimeColumnName string
	// ProcessingTime is set when the time column is PROCTIME(): windows
	// follow the wall clock and no event is late.
	ProcessingTime bool
	// PartitionBy is Flink's SESSION(... PARTITION BY k ...): columns that
	// must be among the GROUP BY keys.
	PartitionBy []string
}

func (w *WindowSpec) String() string {
	var b strings.Builder
	b.WriteString(w.Kind.String() + "(" + w.TimeColumnName)
	switch w.Kind {
	case Tumble:
		b.WriteString(", size=" + w.Size.String())
	case Hop:
		b.WriteString(", slide=" + w.Slide.String() + ", size=" + w.Size.String())
	case Session:
		b.WriteString(", gap=" + w.Gap.String())
	}
	if w.Offset != 0 {
		b.WriteString(", offset=" + w.Offset.String())
	}
	if w.ProcessingTime {
		b.WriteString(", processing time")
	}
	b.WriteByte(')')
	return b.String()
}

// OutputColumn is one column of a view's result.
type OutputColumn struct {
	Name string
	Type Type
	// Expr computes the column: in an aggregating view over GroupRef,
	// AggRef, WindowRef and constants; otherwise over the input columns.
	Expr BoundExpr
}

// BoundView is a checked query: a materialized view, or the query of a
// sink (CREATE SINK AS SELECT, CREATE TABLE AS SELECT, INSERT INTO).
//
// An aggregating view is the plan of one windows operator: rows of From
// pass Where, are assigned to Window (none: one unbounded window), grouped
// by GroupBy, and fold into Aggregates; each emitted group is filtered by
// Having and projected by Output. A view with GROUP BY but no aggregate
// (distinct keys) has empty Aggregates; a compiler whose engine needs one
// may add count(*) without exposing it. A non-aggregating view filters and
// projects rows one by one.
type BoundView struct {
	Name string
	Pos  Pos
	// Stmt is the statement that defined the view (*CreateView,
	// *CreateSink, *Insert or *Query under EXPLAIN).
	Stmt       Statement
	Definition string
	// Implicit is set for the query of a CREATE SINK AS SELECT or INSERT
	// INTO: it is not a relation others can read.
	Implicit bool

	From     string     // the source or view read
	FromKind ObjectKind // ObjectSource or ObjectView
	Input    []Column   // its columns; ColumnRef.Index points here

	Window      *WindowSpec // nil: no window
	Where       BoundExpr   // nil: every row
	Aggregating bool
	GroupBy     []BoundExpr // keys over Input; window bounds are implicit
	Aggregates  []*AggCall
	Having      BoundExpr // nil: every group
	Output      []OutputColumn
	Emit        EmitMode
	Options     ViewOptions
}

// Columns returns the view's output as columns, for queries that read it.
func (v *BoundView) Columns() []Column {
	out := make([]Column, len(v.Output))
	for i, o := range v.Output {
		out[i] = Column{Name: o.Name, Type: o.Type, Origin: FromView, Field: o.Name, Pos: v.Pos}
	}
	return out
}

// bindQuery checks q, the query of a view called name. skipped is set,
// with no error, when q reads a relation whose own statement failed.
func (c *Catalog) bindQuery(q *Select, name string, stmt Statement, opts []*Option) (v *BoundView, errs ErrorList, skipped bool) {
	rel := q.From.Relation
	cols, kind, wm, ok := c.relation(rel.Name)
	if !ok {
		if c.failed[rel.Name] {
			return nil, nil, true
		}
		return nil, ErrorList{c.unknownRelation(rel)}, false
	}
	v = &BoundView{
		Name: name, Pos: stmt.Pos(), Stmt: stmt, Definition: stmt.String(),
		From: rel.Name, FromKind: kind, Input: cols,
	}
	sc := &scope{relation: rel.Name, kind: kind.noun(), cols: cols}
	if q.From.Alias != nil {
		sc.alias = q.From.Alias.Name
	}
	b := &binder{scope: sc}
	for _, it := range q.Items {
		if it.Alias != nil {
			b.aliases = append(b.aliases, it.Alias.Name)
		}
	}

	// The window: in FROM, or Flink's legacy GROUP BY TUMBLE(ts, size).
	groupBy := q.GroupBy
	if q.From.Window != NoWindow {
		v.Window = b.window(q.From.Window, *q.From.TimeCol, q.From.Args, q.From.PartitionBy, q.From.At)
	} else {
		groupBy = nil
		for _, g := range q.GroupBy {
			call, isCall := g.(*CallExpr)
			kind := map[string]WindowKind{"tumble": Tumble, "hop": Hop, "session": Session}[strings.ToLower(call.nameIf(isCall))]
			if !isCall || kind == NoWindow {
				groupBy = append(groupBy, g)
				continue
			}
			if v.Window != nil {
				b.errorf(g.Pos(), ErrWindow, "a view has one window; remove the second "+kind.String()+"(...)")
				continue
			}
			tc, isRef := firstArgRef(call)
			if !isRef {
				b.errorf(g.Pos(), ErrWindow, kind.String()+"(time_column, ...) in GROUP BY needs the time column first")
				continue
			}
			v.Window = b.window(kind, tc, call.Args[1:], nil, g.Pos())
			sc.legacy = kind
		}
	}
	sc.window = v.Window != nil

	if q.Where != nil {
		b.ctx = "WHERE"
		v.Where = b.bind(q.Where)
		if !boolish(v.Where.Type()) {
			b.errorf(q.Where.Pos(), ErrType, "WHERE needs a condition, got "+v.Where.Type().String())
		}
	}

	v.Aggregating = len(groupBy) > 0 || q.Having != nil
	for _, it := range q.Items {
		if !it.Star && hasAggregate(it.Expr) {
			v.Aggregating = true
		}
	}
	if v.Window != nil && !v.Aggregating {
		b.errorf(q.From.At, ErrAggregate, "a windowed view must aggregate: add an aggregate such as count(*) and GROUP BY the keys")
	}

	// GROUP BY keys; window_start/window_end are implicit keys.
	var keyStrs []string
	b.ctx = "GROUP BY"
	for _, g := range groupBy {
		if r, ok := g.(*Ref); ok && len(r.Parts) == 1 && sc.window &&
			(r.Parts[0].Name == "window_start" || r.Parts[0].Name == "window_end") {
			continue
		}
		g = b.groupTarget(g, q.Items)
		if g == nil {
			continue
		}
		k := b.bind(g)
		if b.isBad(k) {
			continue
		}
		if _, isConst := k.(*Const); isConst {
			b.errorf(g.Pos(), ErrAggregate, "GROUP BY a constant groups nothing: remove it")
			continue
		}
		s := k.String()
		if !contains(keyStrs, s) {
			v.GroupBy = append(v.GroupBy, k)
			keyStrs = append(keyStrs, s)
		}
	}
	for _, p := range q.From.PartitionBy {
		if i := sc.lookup(p.Name); i >= 0 && !contains(keyStrs, quoteName(p.Name)) {
			b.errorf(p.At, ErrWindow, "session partition column "+strconv.Quote(p.Name)+" must be in GROUP BY: sessions are per group")
		}
	}

	// The select list.
	b.ctx = "the select list"
	b.allowAgg = v.Aggregating
	names := map[string]Pos{}
	for i, it := range q.Items {
		if it.Star {
			if v.Aggregating {
				b.errorf(it.StarPos, ErrAggregate, "SELECT * is not meaningful in an aggregating view: list the GROUP BY columns and the aggregates, as in SELECT device, count(*) ... GROUP BY device")
				continue
			}
			if it.Qualifier != nil && !sc.qualifies(it.Qualifier.Name) {
				b.errorf(it.Qualifier.At, ErrUnknownRelation, "unknown relation "+strconv.Quote(it.Qualifier.Name)+" in "+it.String())
				continue
			}
			for j, col := range cols {
				v.addOutput(b, names, col.Name, it.StarPos, &ColumnRef{Index: j, Name: col.Name, T: col.Type, At: it.StarPos})
			}
			continue
		}
		x := b.bind(it.Expr)
		if v.Aggregating {
			x = b.grouped(x, v.GroupBy, keyStrs, map[string]bool{})
		}
		at := it.Expr.Pos()
		if it.Alias != nil {
			at = it.Alias.At
		}
		v.addOutput(b, names, outputName(it, i), at, x)
	}

	if q.Having != nil {
		b.ctx = "HAVING"
		h := b.bind(q.Having)
		v.Having = b.grouped(h, v.GroupBy, keyStrs, map[string]bool{})
		if !boolish(h.Type()) {
			b.errorf(q.Having.Pos(), ErrType, "HAVING needs a condition, got "+h.Type().String())
		}
	}
	v.Aggregates = b.aggs

	v.bindEmit(b, q, opts, wm)
	if len(b.errs) > 0 {
		return nil, b.errs, false
	}
	return v, nil, false
}

// nameIf returns the call's name when ok.
func (c *CallExpr) nameIf(ok bool) string {
	if !ok {
		return ""
	}
	return c.Name.Name
}

func firstArgRef(c *CallExpr) (Ident, bool) {
	if len(c.Args) == 0 {
		return Ident{}, false
	}
	r, ok := c.Args[0].(*Ref)
	if !ok || len(r.Parts) != 1 {
		return Ident{}, false
	}
	return r.Parts[0], true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// groupTarget resolves GROUP BY 2 (the second select item) and GROUP BY
// alias (a select alias that is not an input column), as PostgreSQL does.
func (b *binder) groupTarget(g Expr, items []*SelectItem) Expr {
	if l, ok := g.(*Literal); ok && l.Kind == LitNumber {
		n, err := strconv.Atoi(l.Text)
		if err != nil || n < 1 || n > len(items) || items[n-1].Star {
			b.errorf(l.At, ErrAggregate, "GROUP BY "+l.Text+" is not a select item position (1 to "+strconv.Itoa(len(items))+")")
			return nil
		}
		g = items[n-1].Expr
	} else if r, ok := g.(*Ref); ok && len(r.Parts) == 1 && b.scope.lookup(r.Parts[0].Name) < 0 {
		for _, it := range items {
			if it.Alias != nil && it.Alias.Name == r.Parts[0].Name {
				g = it.Expr
				break
			}
		}
	}
	if hasAggregate(g) {
		b.errorf(g.Pos(), ErrAggregate, "GROUP BY cannot use an aggregate ("+g.String()+"): filter groups with HAVING")
		return nil
	}
	return g
}

func (v *BoundView) addOutput(b *binder, names map[string]Pos, name string, at Pos, x BoundExpr) {
	if prev, dup := names[name]; dup {
		b.errorf(at, ErrExists, "duplicate output column "+strconv.Quote(name)+" (first at "+prev.String()+"): name one with AS, as in "+name+" AS "+name+"_2")
		return
	}
	names[name] = at
	v.Output = append(v.Output, OutputColumn{Name: name, Type: x.Type(), Expr: x})
}

// outputName names a select item without alias: a column by its name,
// payload.a.b and payload->'b' by their last field, a call by its
// function; anything else exprN (N its position).
func outputName(it *SelectItem, i int) string {
	if it.Alias != nil {
		return it.Alias.Name
	}
	e := it.Expr
	for {
		switch x := e.(type) {
		case *Ref:
			return x.Parts[len(x.Parts)-1].Name
		case *CallExpr:
			return strings.ToLower(x.Name.Name)
		case *CastExpr:
			e = x.X
			continue
		case *BinaryExpr:
			if l, ok := x.R.(*Literal); ok && l.Kind == LitString && (x.Op == "->" || x.Op == "->>") {
				return strings.ToLower(l.Text)
			}
		}
		return "expr" + strconv.Itoa(i+1)
	}
}

// window checks the time column and interval arguments of a window.
func (b *binder) window(kind WindowKind, tc Ident, args []Expr, partition []Ident, at Pos) *WindowSpec {
	w := &WindowSpec{Kind: kind, TimeColumnName: tc.Name}
	ok := true
	i := b.scope.lookup(tc.Name)
	switch {
	case i < 0:
		b.errorf(tc.At, ErrUnknownColumn, "unknown time column "+strconv.Quote(tc.Name)+" in "+b.scope.kind+" "+
			strconv.Quote(b.scope.relation)+didYouMean(tc.Name, b.scope.colNames()))
		ok = false
	case b.scope.cols[i].Type != TypeTimestamp:
		b.errorf(tc.At, ErrWindow, "the time column of "+kind.String()+" must be a TIMESTAMP, but "+
			strconv.Quote(tc.Name)+" is "+b.scope.cols[i].Type.String()+
			"; declare it TIMESTAMP, or add a computed column such as ts AS TO_TIMESTAMP(epoch_seconds)")
		ok = false
	default:
		w.TimeColumn = i
		w.ProcessingTime = b.scope.cols[i].Origin == ProcTime
	}
	for _, p := range partition {
		if b.scope.lookup(p.Name) < 0 {
			b.errorf(p.At, ErrUnknownColumn, "unknown partition column "+strconv.Quote(p.Name)+didYouMean(p.Name, b.scope.colNames()))
			ok = false
		}
		w.PartitionBy = append(w.PartitionBy, p.Name)
	}
	names := map[WindowKind][]string{
		Tumble: {"size", "offset"}, Hop: {"slide", "size", "offset"}, Session: {"gap"},
	}[kind]
	if len(args) > len(names) {
		b.errorf(args[len(names)].Pos(), ErrWindow, "too many arguments to "+kind.String())
		return nil
	}
	durs := make([]time.Duration, len(names))
	ctx := b.ctx
	b.ctx = "a window argument"
	for j, a := range args {
		x := b.bind(a)
		c, isConst := x.(*Const)
		switch {
		case b.isBad(x):
			ok = false
		case !isConst || c.T != TypeInterval:
			hint := ""
			if l, isLit := a.(*Literal); isLit && l.Kind == LitString {
				hint = ": write INTERVAL '" + l.Text + "'"
			}
			b.errorf(a.Pos(), ErrWindow, "the "+names[j]+" of "+kind.String()+" must be an INTERVAL, as in INTERVAL '1' MINUTE"+hint)
			ok = false
		case names[j] != "offset" && c.V.I <= 0:
			b.errorf(a.Pos(), ErrWindow, "the "+names[j]+" of "+kind.String()+" must be positive")
			ok = false
		default:
			durs[j] = time.Duration(c.V.I) * time.Millisecond
		}
	}
	b.ctx = ctx
	if !ok {
		return nil
	}
	switch kind {
	case Tumble:
		w.Size, w.Offset = durs[0], durs[1]
	case Hop:
		w.Slide, w.Size, w.Offset = durs[0], durs[1], durs[2]
		switch {
		case w.Slide > w.Size:
			b.errorf(args[0].Pos(), ErrWindow, "the slide of HOP ("+w.Slide.String()+") must not exceed its size ("+
				w.Size.String()+"): HOP(source, ts, slide, size), events between windows would belong to none")
			return nil
		case w.Size/w.Slide > maxHops:
			b.errorf(args[0].Pos(), ErrWindow, "HOP size/slide is "+strconv.FormatInt(int64(w.Size/w.Slide), 10)+
				" windows per event, more than "+strconv.Itoa(maxHops)+": use a larger slide")
			return nil
		}
	case Session:
		w.Gap = durs[0]
	}
	if w.Offset != 0 && (w.Offset >= w.Size || -w.Offset >= w.Size) {
		b.errorf(args[len(args)-1].Pos(), ErrWindow, "the offset of "+kind.String()+" must be smaller than its size")
		return nil
	}
	return w
}

// maxHops bounds HOP size/slide, the windows one event updates (as the
// engine does).
const maxHops = 1024

// bindEmit sets the emit mode and options, and checks that they fit the
// query.
func (v *BoundView) bindEmit(b *binder, q *Select, opts []*Option, wm *BoundWatermark) {
	o, set := bindViewOptions(opts, v.Name, v.Pos, &b.errs)
	v.Options = o
	optErr := func(key, msg string) {
		b.errorf(set[key].at, ErrOption, "option "+quoteString(key)+" "+msg)
	}
	if !v.Aggregating {
		for _, k := range keys(set) {
			optErr(k, "applies to aggregating views only; this view passes rows through")
		}
		if q.EmitOnWindowClose {
			b.errorf(q.At, ErrWindow, "EMIT ON WINDOW CLOSE needs a windowed aggregate")
		}
		return
	}
	w := v.Window
	if w == nil {
		if q.EmitOnWindowClose && v.Window == nil && b.scope.legacy == NoWindow {
			b.errorf(q.At, ErrWindow, "EMIT ON WINDOW CLOSE needs a window: read FROM TUMBLE(...), HOP(...) or SESSION(...)")
		}
		for _, k := range []string{"allowed_lateness", "out_of_orderness", "idle_timeout", "session_max_duration"} {
			if _, ok := set[k]; ok {
				optErr(k, "applies to windowed views only")
			}
		}
		v.Emit = EmitOnUpdate
		return
	}
	v.Emit = EmitOnWindowClose
	if _, ok := set["emit_interval"]; ok && q.EmitOnWindowClose {
		optErr("emit_interval", "asks for early results, but EMIT ON WINDOW CLOSE asks for final ones only: remove one of them")
	}
	if _, ok := set["session_max_duration"]; ok {
		switch {
		case w.Kind != Session:
			optErr("session_max_duration", "applies to SESSION windows only")
		case o.SessionMaxDuration < w.Gap:
			optErr("session_max_duration", "("+o.SessionMaxDuration.String()+") must be at least the session gap ("+w.Gap.String()+")")
		}
	}
	if w.ProcessingTime {
		for _, k := range []string{"allowed_lateness", "out_of_orderness", "idle_timeout"} {
			if _, ok := set[k]; ok {
				optErr(k, "applies to event time; the window's time column "+w.TimeColumnName+" is processing time")
			}
		}
		return
	}
	if wm != nil && wm.Name != w.TimeColumnName {
		b.errorf(q.From.At, ErrWindow, "the window's time column "+strconv.Quote(w.TimeColumnName)+
			" is not the source's watermark column "+strconv.Quote(wm.Name)+": window on "+wm.Name+", or move the WATERMARK")
		return
	}
	if _, ok := set["out_of_orderness"]; !ok && wm != nil {
		v.Options.OutOfOrderness = wm.OutOfOrderness
	}
}
