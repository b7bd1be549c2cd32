package sql

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-iot/eddy/windows"
)

// scope is what names mean while binding one query or source.
type scope struct {
	relation string // the relation read (source or view name)
	alias    string // its alias, "" when none
	kind     string // "source" or "view", for messages
	cols     []Column
	// window is set in a windowed view: window_start and window_end name
	// the window being computed.
	window bool
	// legacy is the kind of a Flink GROUP BY TUMBLE(...) window, whose
	// bounds are selected as TUMBLE_START(...) and TUMBLE_END(...).
	legacy WindowKind
}

// lookup returns the index of column name, or -1.
func (s *scope) lookup(name string) int {
	for i, c := range s.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func (s *scope) qualifies(name string) bool {
	if s.alias != "" {
		return name == s.alias
	}
	return name == s.relation
}

func (s *scope) colNames() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.Name
	}
	return out
}

// binder resolves and type-checks expressions. It collects every error and
// returns a placeholder for a bad subexpression, so one mistake is
// reported once and the rest of the statement is still checked.
type binder struct {
	errs  ErrorList
	scope *scope
	// ctx names the clause being bound, for messages ("WHERE", ...).
	ctx string
	// allowAgg is true where aggregate calls may appear (select list,
	// HAVING of an aggregating query); inAgg while binding one's arguments.
	allowAgg bool
	inAgg    bool
	aggs     []*AggCall
	// aliases of the select list, for the hint when WHERE names one.
	aliases []string
}

// bad is the placeholder for a subexpression that had an error: NULL fits
// any type, so it causes no further errors.
func bad() BoundExpr { return &Const{T: TypeNull} }

func (b *binder) errorf(pos Pos, sentinel error, msg string) {
	b.errs = append(b.errs, newError(pos, sentinel, msg))
}

func (b *binder) isBad(e BoundExpr) bool {
	c, ok := e.(*Const)
	return ok && c.T == TypeNull && c.V.IsNull()
}

// bind resolves e in the binder's scope.
func (b *binder) bind(e Expr) BoundExpr {
	switch e := e.(type) {
	case *Literal:
		return b.literal(e)
	case *IntervalLit:
		return &Const{V: windows.Int(e.Dur.Milliseconds()), T: TypeInterval}
	case *TimestampLit:
		return &Const{V: windows.Int(e.Millis), T: TypeTimestamp}
	case *Ref:
		return b.ref(e)
	case *UnaryExpr:
		return b.unary(e)
	case *BinaryExpr:
		return b.binary(e)
	case *IsExpr:
		x := b.bind(e.X)
		op := map[string]Op{"NULL": OpIsNull, "TRUE": OpIsTrue, "FALSE": OpIsFalse}[e.What]
		if e.What != "NULL" && !boolish(x.Type()) {
			b.errorf(e.IsPos, ErrType, "IS "+e.What+" needs a boolean, got "+x.Type().String())
			return bad()
		}
		if e.Not {
			op++ // each NOT form follows its positive one
		}
		return &OpExpr{Op: op, Args: []BoundExpr{x}, T: TypeBool}
	case *BetweenExpr:
		x, lo, hi := b.bind(e.X), b.bind(e.Lo), b.bind(e.Hi)
		lo = b.compatible(x, lo, e.OpPos, "BETWEEN")
		hi = b.compatible(x, hi, e.OpPos, "BETWEEN")
		op := OpBetween
		if e.Not {
			op = OpNotBetween
		}
		return &OpExpr{Op: op, Args: []BoundExpr{x, lo, hi}, T: TypeBool}
	case *InExpr:
		x := b.bind(e.X)
		args := []BoundExpr{x}
		for _, v := range e.List {
			args = append(args, b.compatible(x, b.bind(v), v.Pos(), "IN"))
		}
		op := OpIn
		if e.Not {
			op = OpNotIn
		}
		return &OpExpr{Op: op, Args: args, T: TypeBool}
	case *LikeExpr:
		x, pat := b.bind(e.X), b.bind(e.Pattern)
		for _, t := range []Type{x.Type(), pat.Type()} {
			if t != TypeString && !t.dynamic() {
				b.errorf(e.OpPos, ErrType, "LIKE needs text, got "+t.String()+"; convert it with CAST(x AS VARCHAR)")
				return bad()
			}
		}
		op := map[[2]bool]Op{{false, false}: OpLike, {true, false}: OpNotLike, {false, true}: OpILike, {true, true}: OpNotILike}[[2]bool{e.Not, e.ILike}]
		return &OpExpr{Op: op, Args: []BoundExpr{x, pat}, T: TypeBool}
	case *CaseExpr:
		return b.caseExpr(e)
	case *CastExpr:
		x := b.bind(e.X)
		to := e.Type.T
		from := x.Type()
		if (from == TypeBool && to == TypeTimestamp) || (from == TypeTimestamp && to == TypeBool) ||
			(from == TypeInterval && to != TypeInterval && to != TypeInt && to != TypeString) {
			b.errorf(e.At, ErrType, "cannot cast "+from.String()+" to "+e.Type.String())
			return bad()
		}
		if from == to {
			return x
		}
		return &BoundCast{X: x, To: to}
	case *CallExpr:
		return b.call(e)
	}
	b.errorf(e.Pos(), ErrSyntax, "unexpected expression "+e.String())
	return bad()
}

func (b *binder) literal(e *Literal) BoundExpr {
	switch e.Kind {
	case LitString:
		return &Const{V: windows.String(e.Text), T: TypeString}
	case LitBool:
		return &Const{V: windows.Bool(e.Text == "TRUE"), T: TypeBool}
	case LitNull:
		return &Const{T: TypeNull}
	}
	if !strings.ContainsAny(e.Text, ".e") {
		if n, err := strconv.ParseInt(e.Text, 10, 64); err == nil {
			return &Const{V: windows.Int(n), T: TypeInt}
		}
	}
	f, err := strconv.ParseFloat(e.Text, 64)
	if err != nil || math.IsInf(f, 0) {
		b.errorf(e.At, ErrType, "number "+e.Text+" is out of range")
		return bad()
	}
	return &Const{V: windows.Float(f), T: TypeFloat}
}

// ref resolves a, t.a, payload.a.b, t.payload.a.
func (b *binder) ref(e *Ref) BoundExpr {
	s := b.scope
	parts := e.Parts
	first := parts[0]
	if len(parts) == 1 && s.window && (first.Name == "window_start" || first.Name == "window_end") {
		return b.windowRef(first)
	}
	if len(parts) >= 2 && s.qualifies(first.Name) {
		if i := s.lookup(parts[1].Name); i >= 0 {
			return b.path(b.colRef(i, parts[1].At), parts[2:])
		}
		if len(parts) == 2 && s.window && (parts[1].Name == "window_start" || parts[1].Name == "window_end") {
			return b.windowRef(parts[1])
		}
		if i := s.lookup(first.Name); i < 0 || s.cols[i].Type != TypeJSON {
			b.errorf(parts[1].At, ErrUnknownColumn, "unknown column "+strconv.Quote(parts[1].Name)+
				" in "+s.kind+" "+strconv.Quote(s.relation)+didYouMean(parts[1].Name, s.colNames()))
			return bad()
		}
	}
	i := s.lookup(first.Name)
	if i < 0 {
		b.unknownColumn(e)
		return bad()
	}
	return b.path(b.colRef(i, first.At), parts[1:])
}

func (b *binder) windowRef(id Ident) BoundExpr {
	switch b.ctx {
	case "WHERE", "GROUP BY", "FILTER":
		b.errorf(id.At, ErrWindow, id.Name+" is not known in "+b.ctx+": windows are assigned after rows are filtered; use it in the select list or HAVING")
		return bad()
	}
	if b.inAgg {
		b.errorf(id.At, ErrWindow, id.Name+" cannot be aggregated: it is the same for every row of a window")
		return bad()
	}
	return &WindowRef{End: id.Name == "window_end"}
}

func (b *binder) colRef(i int, at Pos) BoundExpr {
	c := b.scope.cols[i]
	return &ColumnRef{Index: i, Name: c.Name, T: c.Type, At: at}
}

// path applies the JSON field accesses of a dotted reference.
func (b *binder) path(x BoundExpr, rest []Ident) BoundExpr {
	if len(rest) == 0 {
		return x
	}
	if x.Type() != TypeJSON {
		c := x.(*ColumnRef)
		b.errorf(rest[0].At, ErrType, "column "+strconv.Quote(c.Name)+" is "+c.T.String()+
			", not JSONB: "+c.Name+"."+rest[0].Raw+" reads a field of a JSONB column")
		return bad()
	}
	for _, part := range rest {
		// Field names are case-sensitive in JSON: the spelling as written.
		x = &JSONGet{X: x, Key: &Const{V: windows.String(part.Raw), T: TypeString}}
	}
	return x
}

func (b *binder) unknownColumn(e *Ref) {
	s := b.scope
	first := e.Parts[0]
	if len(e.Parts) >= 2 {
		names := append(s.colNames(), s.relation)
		if s.alias != "" {
			names = append(names, s.alias)
		}
		b.errorf(first.At, ErrUnknownColumn, "unknown column or relation "+strconv.Quote(first.Name)+
			" in "+e.String()+": the query reads "+s.kind+" "+strconv.Quote(s.relation)+didYouMean(first.Name, names))
		return
	}
	msg := "unknown column " + strconv.Quote(first.Name) + " in " + s.kind + " " + strconv.Quote(s.relation)
	switch {
	case first.Name == "window_start" || first.Name == "window_end":
		msg += "; window_start and window_end exist in windowed views: read FROM TUMBLE(...), HOP(...) or SESSION(...)"
	case b.ctx == "WHERE" && slices.Contains(b.aliases, first.Name):
		msg += "; WHERE cannot use the select alias " + strconv.Quote(first.Name) + ": repeat the expression"
	default:
		msg += didYouMean(first.Name, s.colNames())
		if len(s.cols) <= 8 {
			msg += " (columns: " + strings.Join(s.colNames(), ", ") + ")"
		}
	}
	b.errorf(first.At, ErrUnknownColumn, msg)
}

func boolish(t Type) bool { return t == TypeBool || t.dynamic() }

func (b *binder) unary(e *UnaryExpr) BoundExpr {
	x := b.bind(e.X)
	t := x.Type()
	switch e.Op {
	case "NOT":
		if !boolish(t) {
			b.errorf(e.At, ErrType, "NOT needs a boolean, got "+t.String())
			return bad()
		}
		return &OpExpr{Op: OpNot, Args: []BoundExpr{x}, T: TypeBool}
	case "+":
		if !t.numeric() && t != TypeInterval {
			b.errorf(e.At, ErrType, "unary + needs a number, got "+t.String())
			return bad()
		}
		return x
	}
	if !t.numeric() && t != TypeInterval {
		b.errorf(e.At, ErrType, "unary - needs a number, got "+t.String())
		return bad()
	}
	if c, ok := x.(*Const); ok && !c.V.IsNull() {
		switch c.V.Kind {
		case windows.KindInt:
			if c.V.I != math.MinInt64 {
				return &Const{V: windows.Int(-c.V.I), T: c.T}
			}
		case windows.KindFloat:
			return &Const{V: windows.Float(-c.V.F), T: c.T}
		}
	}
	return &OpExpr{Op: OpNeg, Args: []BoundExpr{x}, T: arith(t, t)}
}

// arith is the result type of + - * / on numbers.
func arith(a, b Type) Type {
	if a == TypeInt && b == TypeInt {
		return TypeInt
	}
	if a == TypeInterval {
		return TypeInterval
	}
	return TypeFloat
}

var binaryOps = map[string]Op{
	"+": OpAdd, "-": OpSub, "*": OpMul, "/": OpDiv, "%": OpMod, "||": OpConcat,
	"=": OpEq, "<>": OpNe, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe,
	"AND": OpAnd, "OR": OpOr,
}

func (b *binder) binary(e *BinaryExpr) BoundExpr {
	if e.Op == "->" || e.Op == "->>" {
		return b.jsonGet(e)
	}
	l, r := b.bind(e.L), b.bind(e.R)
	if b.isBad(l) || b.isBad(r) {
		return bad()
	}
	lt, rt := l.Type(), r.Type()
	op := binaryOps[e.Op]
	args := []BoundExpr{l, r}
	mismatch := func(what string) BoundExpr {
		b.errorf(e.OpPos, ErrType, "operator "+e.Op+" "+what+", got "+lt.String()+" "+e.Op+" "+rt.String())
		return bad()
	}
	switch op {
	case OpAnd, OpOr:
		if !boolish(lt) || !boolish(rt) {
			return mismatch("needs booleans")
		}
		return &OpExpr{Op: op, Args: args, T: TypeBool}
	case OpConcat:
		return &OpExpr{Op: op, Args: args, T: TypeString}
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		r = b.compatible(l, r, e.OpPos, e.Op)
		l = b.compatible(r, l, e.OpPos, e.Op)
		return &OpExpr{Op: op, Args: []BoundExpr{l, r}, T: TypeBool}
	case OpAdd, OpSub:
		switch {
		case lt == TypeTimestamp && rt == TypeInterval:
			return &OpExpr{Op: op, Args: args, T: TypeTimestamp}
		case lt == TypeInterval && rt == TypeTimestamp && op == OpAdd:
			return &OpExpr{Op: op, Args: []BoundExpr{r, l}, T: TypeTimestamp}
		case lt == TypeInterval && rt == TypeInterval:
			return &OpExpr{Op: op, Args: args, T: TypeInterval}
		case lt == TypeTimestamp && rt == TypeTimestamp && op == OpSub:
			return &OpExpr{Op: op, Args: args, T: TypeInterval}
		case lt == TypeTimestamp || rt == TypeTimestamp:
			return mismatch("on a timestamp takes an INTERVAL, as in ts - INTERVAL '5' SECOND")
		}
	}
	if !lt.numeric() || !rt.numeric() {
		return mismatch("needs numbers")
	}
	if op == OpMod && (lt == TypeFloat || rt == TypeFloat) {
		return &OpExpr{Op: op, Args: args, T: TypeFloat}
	}
	return &OpExpr{Op: op, Args: args, T: arith(lt, rt)}
}

// jsonGet binds x -> key and x ->> key.
func (b *binder) jsonGet(e *BinaryExpr) BoundExpr {
	x, k := b.bind(e.L), b.bind(e.R)
	if b.isBad(x) || b.isBad(k) {
		return bad()
	}
	if x.Type() != TypeJSON && x.Type() != TypeNull {
		b.errorf(e.OpPos, ErrType, "operator "+e.Op+" reads a JSONB value, got "+x.Type().String()+
			"; declare the column JSONB")
		return bad()
	}
	c, ok := k.(*Const)
	if !ok || (c.T != TypeString && c.T != TypeInt) {
		msg := "the key after " + e.Op + " must be a 'field name' or an integer index"
		if cast, isCast := e.R.(*CastExpr); isCast && cast.Colons {
			msg += "; :: binds tighter than " + e.Op + ", so write (x " + e.Op + " " + cast.X.String() + ")::" + cast.Type.String()
		}
		b.errorf(e.R.Pos(), ErrType, msg)
		return bad()
	}
	return &JSONGet{X: x, Key: k, Text: e.Op == "->>"}
}

// compatible checks that y can be compared with x and returns y, converted
// when it is a constant string compared with a timestamp.
func (b *binder) compatible(x, y BoundExpr, pos Pos, op string) BoundExpr {
	xt, yt := x.Type(), y.Type()
	if xt == TypeTimestamp && yt == TypeString {
		if c, ok := y.(*Const); ok {
			ms, msg := parseTimestamp(c.V.S)
			if msg != "" {
				b.errorf(pos, ErrType, msg)
				return bad()
			}
			return &Const{V: windows.Int(ms), T: TypeTimestamp}
		}
	}
	if xt == TypeString && yt == TypeTimestamp {
		if _, ok := x.(*Const); ok {
			return y // the other call of compatible converts x
		}
	}
	if _, ok := unify(xt, yt); !ok {
		b.errorf(pos, ErrType, op+" compares "+xt.String()+" with "+yt.String()+"; convert one with CAST(x AS type)")
		return bad()
	}
	return y
}

// unify returns the common type of a and b, for comparisons, CASE results
// and coalesce.
func unify(a, b Type) (Type, bool) {
	switch {
	case a == b:
		return a, true
	case a == TypeNull:
		return b, true
	case b == TypeNull:
		return a, true
	case a == TypeJSON:
		return b, true
	case b == TypeJSON:
		return a, true
	case (a == TypeInt || a == TypeFloat) && (b == TypeInt || b == TypeFloat):
		return TypeFloat, true
	}
	return 0, false
}

func (b *binder) caseExpr(e *CaseExpr) BoundExpr {
	out := &CaseWhen{T: TypeNull}
	var operand BoundExpr
	if e.Operand != nil {
		operand = b.bind(e.Operand)
	}
	for _, w := range e.Whens {
		var cond BoundExpr
		if operand != nil {
			v := b.compatible(operand, b.bind(w.Cond), w.Cond.Pos(), "CASE")
			cond = &OpExpr{Op: OpEq, Args: []BoundExpr{operand, v}, T: TypeBool}
		} else {
			cond = b.bind(w.Cond)
			if !boolish(cond.Type()) {
				b.errorf(w.Cond.Pos(), ErrType, "WHEN needs a condition, got "+cond.Type().String())
			}
		}
		res := b.bind(w.Result)
		out.Whens = append(out.Whens, BoundWhen{Cond: cond, Result: res})
		b.unifyInto(&out.T, res, w.Result.Pos())
	}
	if e.Else != nil {
		out.Else = b.bind(e.Else)
		b.unifyInto(&out.T, out.Else, e.Else.Pos())
	}
	return out
}

func (b *binder) unifyInto(t *Type, x BoundExpr, pos Pos) {
	u, ok := unify(*t, x.Type())
	if !ok {
		b.errorf(pos, ErrType, "CASE results have different types "+t.String()+" and "+x.Type().String()+"; convert one with CAST")
		return
	}
	*t = u
}

// constNumber returns the value of a numeric literal, possibly negated.
func constNumber(e Expr) (float64, bool) {
	neg := false
	if u, ok := e.(*UnaryExpr); ok && (u.Op == "-" || u.Op == "+") {
		neg = u.Op == "-"
		e = u.X
	}
	l, ok := e.(*Literal)
	if !ok || l.Kind != LitNumber {
		return 0, false
	}
	f, err := strconv.ParseFloat(l.Text, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}
