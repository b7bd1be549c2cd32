package sql

import (
	"slices"
	"strconv"
	"strings"
)

// legacyBounds are Flink's group-window auxiliary functions.
var legacyBounds = map[string]struct {
	kind WindowKind
	end  bool
}{
	"tumble_start": {Tumble, false}, "tumble_end": {Tumble, true},
	"hop_start": {Hop, false}, "hop_end": {Hop, true},
	"session_start": {Session, false}, "session_end": {Session, true},
}

// call binds a scalar function or an aggregate call.
func (b *binder) call(e *CallExpr) BoundExpr {
	name := strings.ToLower(e.Name.Name)
	if a, ok := aggregateAliases[name]; ok {
		name = a
	}
	if _, ok := aggregateFuncs[name]; ok {
		return b.aggregate(e, name)
	}
	if lb, ok := legacyBounds[name]; ok {
		if b.scope.legacy != lb.kind {
			b.errorf(e.Name.At, ErrWindow, name+" needs GROUP BY "+lb.kind.String()+"(time_column, ...); with FROM "+
				lb.kind.String()+"(...) select window_start and window_end")
			return bad()
		}
		return b.windowRef(Ident{Name: map[bool]string{false: "window_start", true: "window_end"}[lb.end], At: e.Name.At})
	}
	if a, ok := scalarAliases[name]; ok {
		name = a
	}
	fn, ok := scalarFuncs[name]
	if !ok {
		msg := "unknown function " + strconv.Quote(e.Name.Name)
		switch name {
		case "tumble", "hop", "session", "cumulate":
			msg = strings.ToUpper(name) + " is a table function: use it in FROM, as in FROM " +
				strings.ToUpper(name) + "(source, ts, INTERVAL '1' MINUTE)"
		case "now", "current_timestamp", "localtimestamp":
			msg += ": a view's result must not depend on when it is computed; use the event time, or PROCTIME() in the source"
		default:
			msg += didYouMean(name, functionNames())
		}
		b.errorf(e.Name.At, ErrUnknownFunction, msg)
		return bad()
	}
	switch {
	case e.Star:
		b.errorf(e.Name.At, ErrSyntax, name+"(*) is not valid: * is an argument of count only")
		return bad()
	case e.Distinct:
		b.errorf(e.Name.At, ErrSyntax, "DISTINCT is only allowed in count(DISTINCT x), not in "+name)
		return bad()
	case e.WithinGroup != nil:
		b.errorf(e.WithinGroup.At, ErrSyntax, "WITHIN GROUP belongs to percentile aggregates, not "+name)
		return bad()
	case e.Filter != nil:
		b.errorf(e.Filter.Pos(), ErrSyntax, "FILTER belongs to aggregates, not "+name)
		return bad()
	case len(e.Args) < fn.min || fn.max >= 0 && len(e.Args) > fn.max:
		b.errorf(e.Name.At, ErrType, "wrong number of arguments to "+name+": "+strconv.Itoa(len(e.Args))+
			" given; the form is "+fn.usage)
		return bad()
	}
	if name == "proctime" && b.ctx != "a computed column" {
		b.errorf(e.Name.At, ErrType, "PROCTIME() defines a processing-time column: write it in the source, as in proc AS PROCTIME()")
		return bad()
	}
	args := make([]BoundExpr, len(e.Args))
	types := make([]Type, len(e.Args))
	for i, a := range e.Args {
		args[i] = b.bind(a)
		types[i] = args[i].Type()
		if b.isBad(args[i]) {
			return bad()
		}
	}
	t, msg := fn.result(types)
	if msg != "" {
		b.errorf(e.Name.At, ErrType, msg)
		return bad()
	}
	switch name {
	case "date_trunc":
		if c, ok := args[0].(*Const); !ok || timeUnits[strings.ToLower(c.V.S)] == 0 {
			b.errorf(e.Args[0].Pos(), ErrType, "date_trunc's unit must be one of 'millisecond', 'second', 'minute', 'hour', 'day', 'week'")
			return bad()
		}
	case "extract", "date_part":
		if c, ok := args[0].(*Const); !ok || !slices.Contains(extractFields, strings.ToLower(c.V.S)) {
			b.errorf(e.Args[0].Pos(), ErrType, "the field of "+strings.ToUpper(name)+" must be one of "+strings.Join(extractFields, ", "))
			return bad()
		}
		name = "extract"
	}
	return &FuncExpr{Name: name, Args: args, T: t}
}

// aggregate binds an aggregate call and returns a reference to it.
func (b *binder) aggregate(e *CallExpr, name string) BoundExpr {
	at := e.Name.At
	if !b.allowAgg {
		switch {
		case b.inAgg:
			b.errorf(at, ErrAggregate, "aggregate calls cannot be nested: "+e.String()+" is inside another aggregate")
		case b.ctx == "WHERE":
			b.errorf(at, ErrAggregate, "aggregate function "+name+" is not allowed in WHERE: filter groups with HAVING")
		default:
			b.errorf(at, ErrAggregate, "aggregate function "+name+" is not allowed in "+b.ctx)
		}
		return bad()
	}
	info := aggregateFuncs[name]
	call := &AggCall{Func: name, Pos: at}
	b.allowAgg, b.inAgg = false, true
	defer func() { b.allowAgg, b.inAgg = true, false }()
	usage := func(msg string) BoundExpr {
		b.errorf(at, ErrAggregate, msg+"; the form is "+info.usage)
		return bad()
	}
	if e.Distinct && info.form != aggCount {
		return usage("DISTINCT is only supported in count(DISTINCT x)")
	}
	if e.Star && info.form != aggCount {
		return usage(name + "(*) is not valid")
	}
	if e.WithinGroup != nil && info.form != aggQuantile && info.form != aggOrdered {
		b.errorf(e.WithinGroup.At, ErrAggregate, "WITHIN GROUP belongs to percentile aggregates, not "+name)
		return bad()
	}
	var argExpr Expr
	switch info.form {
	case aggCount:
		switch {
		case e.Star:
			call.Star = true
		case len(e.Args) != 1:
			return usage("count takes one argument")
		default:
			argExpr = e.Args[0]
			call.Distinct = e.Distinct
		}
	case aggValue:
		if len(e.Args) != 1 {
			return usage(name + " takes one argument")
		}
		argExpr = e.Args[0]
	case aggQuantile, aggOrdered:
		var params []Expr
		switch {
		case e.WithinGroup != nil:
			if len(e.Args) < 1 || len(e.Args) > 2 || info.form == aggOrdered && len(e.Args) != 1 {
				return usage("wrong parameters")
			}
			params, argExpr = e.Args, e.WithinGroup.X
		case info.form == aggOrdered:
			return usage(name + " needs WITHIN GROUP (ORDER BY x)")
		default:
			if len(e.Args) != 2 {
				return usage("wrong arguments")
			}
			argExpr, params = e.Args[0], e.Args[1:]
		}
		q, ok := constNumber(params[0])
		if !ok || q < 0 || q > 1 {
			b.errorf(params[0].Pos(), ErrAggregate, "the quantile of "+name+" must be a constant between 0 and 1, such as 0.99")
			return bad()
		}
		if e.WithinGroup != nil && e.WithinGroup.Desc {
			q = complement(q)
		}
		call.Quantiles = []float64{q}
		if len(params) == 2 {
			acc, ok := constNumber(params[1])
			if !ok || acc <= 0 || acc >= 0.5 {
				b.errorf(params[1].Pos(), ErrAggregate, "the relative accuracy of "+name+" must be a constant in (0, 0.5), such as 0.01")
				return bad()
			}
			call.RelativeAccuracy = acc
		}
	}
	argType := TypeNull
	if argExpr != nil {
		call.Arg = b.bind(argExpr)
		if b.isBad(call.Arg) {
			return bad()
		}
		argType = call.Arg.Type()
		if info.numeric && !argType.numeric() {
			b.errorf(argExpr.Pos(), ErrType, name+" needs a number, got "+argType.String()+
				"; convert it, e.g. CAST(x AS DOUBLE) or (payload->>'field')::DOUBLE")
			return bad()
		}
		if argType == TypeBool && (name == "min" || name == "max") {
			b.errorf(argExpr.Pos(), ErrType, name+" of a BOOLEAN is not supported: use bool_or-like logic with max(CASE WHEN x THEN 1 ELSE 0 END)")
			return bad()
		}
	}
	if e.Filter != nil {
		ctx := b.ctx
		b.ctx = "FILTER"
		call.Filter = b.bind(e.Filter)
		b.ctx = ctx
		if !boolish(call.Filter.Type()) {
			b.errorf(e.Filter.Pos(), ErrType, "FILTER (WHERE ...) needs a condition, got "+call.Filter.Type().String())
		}
	}
	call.T = info.result(argType)
	key := call.String()
	for i, a := range b.aggs {
		if a.String() == key {
			return &AggRef{Index: i, Call: key, T: a.T}
		}
	}
	b.aggs = append(b.aggs, call)
	return &AggRef{Index: len(b.aggs) - 1, Call: key, T: call.T}
}

// hasAggregate reports whether e calls an aggregate outside of nothing:
// any aggregate call anywhere in the tree.
func hasAggregate(e Expr) bool {
	if e == nil {
		return false
	}
	if c, ok := e.(*CallExpr); ok && isAggregate(c.Name.Name) {
		return true
	}
	for _, c := range children(e) {
		if hasAggregate(c) {
			return true
		}
	}
	return false
}

// grouped rewrites a bound select item or HAVING of an aggregating query
// over the group: subexpressions equal to a GROUP BY key become GroupRefs,
// and a column outside any key or aggregate is an error naming it.
func (b *binder) grouped(e BoundExpr, keys []BoundExpr, keyStrs []string, reported map[string]bool) BoundExpr {
	s := e.String()
	for i, k := range keyStrs {
		if s == k {
			return &GroupRef{Index: i, Key: k, T: keys[i].Type()}
		}
	}
	switch e := e.(type) {
	case *ColumnRef:
		if !reported[e.Name] {
			reported[e.Name] = true
			b.errorf(e.At, ErrAggregate, "column "+strconv.Quote(e.Name)+" must appear in GROUP BY or be used in an aggregate function: add it to GROUP BY, or aggregate it, e.g. max("+quoteName(e.Name)+")")
		}
		return bad()
	case *OpExpr:
		return &OpExpr{Op: e.Op, Args: b.groupedList(e.Args, keys, keyStrs, reported), T: e.T}
	case *FuncExpr:
		return &FuncExpr{Name: e.Name, Args: b.groupedList(e.Args, keys, keyStrs, reported), T: e.T}
	case *BoundCast:
		return &BoundCast{X: b.grouped(e.X, keys, keyStrs, reported), To: e.To}
	case *JSONGet:
		return &JSONGet{X: b.grouped(e.X, keys, keyStrs, reported), Key: e.Key, Text: e.Text}
	case *CaseWhen:
		out := &CaseWhen{T: e.T}
		for _, w := range e.Whens {
			out.Whens = append(out.Whens, BoundWhen{
				Cond:   b.grouped(w.Cond, keys, keyStrs, reported),
				Result: b.grouped(w.Result, keys, keyStrs, reported),
			})
		}
		if e.Else != nil {
			out.Else = b.grouped(e.Else, keys, keyStrs, reported)
		}
		return out
	}
	return e // AggRef, WindowRef, Const
}

func (b *binder) groupedList(list, keys []BoundExpr, keyStrs []string, reported map[string]bool) []BoundExpr {
	out := make([]BoundExpr, len(list))
	for i, x := range list {
		out[i] = b.grouped(x, keys, keyStrs, reported)
	}
	return out
}
