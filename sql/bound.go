package sql

import (
	"strconv"
	"strings"
	"time"

	"github.com/eddy-iot/eddy/windows"
)

// BoundExpr is a type-checked expression with every name resolved: what a
// compiler turns into an evaluator. Its String is SQL-like and canonical,
// so two bound expressions with the same String compute the same value
// (the binder uses that to match select items against GROUP BY keys).
type BoundExpr interface {
	Type() Type
	String() string
	bound()
}

// ColumnRef reads column Index of the input row (the source's or view's
// columns, in their order).
type ColumnRef struct {
	Index int
	Name  string
	T     Type
	At    Pos // where the query names it, for the compiler's messages
}

// GroupRef reads the Index-th GROUP BY key of the group being emitted.
// It appears only in the output and HAVING of aggregating views.
type GroupRef struct {
	Index int
	Key   string // the key's String, for display
	T     Type
}

// AggRef reads the result of the Index-th aggregate (BoundView.Aggregates).
type AggRef struct {
	Index int
	Call  string // the aggregate's String, for display
	T     Type
}

// WindowRef reads window_start (End false) or window_end (End true) of the
// window being emitted, as a timestamp.
type WindowRef struct {
	End bool
}

// Const is a literal. Timestamps and intervals are Unix / length
// milliseconds in an int Value.
type Const struct {
	V windows.Value
	T Type
}

// OpExpr applies an operator to its Args (one for unary and IS forms, two
// for binary ones, three for BETWEEN, 1+n for IN).
type OpExpr struct {
	Op   Op
	Args []BoundExpr
	T    Type
}

// FuncExpr calls the scalar function Name (lower case, canonical: ceiling
// is ceil, substr is substring, ...).
type FuncExpr struct {
	Name string
	Args []BoundExpr
	T    Type
}

// BoundCast converts X to To.
type BoundCast struct {
	X  BoundExpr
	To Type
}

// CaseWhen is a searched CASE; a simple CASE x WHEN v is bound as WHEN x = v.
type CaseWhen struct {
	Whens []BoundWhen
	Else  BoundExpr // nil means NULL
	T     Type
}

// BoundWhen is one WHEN Cond THEN Result.
type BoundWhen struct {
	Cond, Result BoundExpr
}

// JSONGet reads field Key (a string Const) or element Key (an int Const) of
// the JSON value X: -> (Text false, a JSON result) or ->> (Text true, the
// field as text). payload.a.b is bound as payload -> 'a' -> 'b'.
type JSONGet struct {
	X    BoundExpr
	Key  BoundExpr
	Text bool
}

// Op is an operator of OpExpr.
type Op uint8

const (
	OpAdd Op = iota + 1
	OpSub
	OpMul
	OpDiv // integer division when both operands are integers, as in PostgreSQL
	OpMod
	OpNeg
	OpConcat
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpAnd
	OpOr
	OpNot
	OpIsNull
	OpIsNotNull
	OpIsTrue
	OpIsNotTrue
	OpIsFalse
	OpIsNotFalse
	OpLike
	OpNotLike
	OpILike
	OpNotILike
	OpIn
	OpNotIn
	OpBetween
	OpNotBetween
)

var opNames = map[Op]string{
	OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%", OpNeg: "-", OpConcat: "||",
	OpEq: "=", OpNe: "<>", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpAnd: "AND", OpOr: "OR", OpNot: "NOT",
	OpIsNull: "IS NULL", OpIsNotNull: "IS NOT NULL", OpIsTrue: "IS TRUE", OpIsNotTrue: "IS NOT TRUE",
	OpIsFalse: "IS FALSE", OpIsNotFalse: "IS NOT FALSE",
	OpLike: "LIKE", OpNotLike: "NOT LIKE", OpILike: "ILIKE", OpNotILike: "NOT ILIKE",
	OpIn: "IN", OpNotIn: "NOT IN", OpBetween: "BETWEEN", OpNotBetween: "NOT BETWEEN",
}

// String returns the SQL spelling of o.
func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

func (e *ColumnRef) Type() Type { return e.T }
func (e *GroupRef) Type() Type  { return e.T }
func (e *AggRef) Type() Type    { return e.T }
func (*WindowRef) Type() Type   { return TypeTimestamp }
func (e *Const) Type() Type     { return e.T }
func (e *OpExpr) Type() Type    { return e.T }
func (e *FuncExpr) Type() Type  { return e.T }
func (e *BoundCast) Type() Type { return e.To }
func (e *CaseWhen) Type() Type  { return e.T }
func (e *JSONGet) Type() Type {
	if e.Text {
		return TypeString
	}
	return TypeJSON
}

func (*ColumnRef) bound() {}
func (*GroupRef) bound()  {}
func (*AggRef) bound()    {}
func (*WindowRef) bound() {}
func (*Const) bound()     {}
func (*OpExpr) bound()    {}
func (*FuncExpr) bound()  {}
func (*BoundCast) bound() {}
func (*CaseWhen) bound()  {}
func (*JSONGet) bound()   {}

// Bound expressions print fully parenthesised, so that their String is an
// unambiguous structural key.

func (e *ColumnRef) String() string { return quoteName(e.Name) }
func (e *GroupRef) String() string  { return e.Key }
func (e *AggRef) String() string    { return e.Call }
func (e *WindowRef) String() string {
	if e.End {
		return "window_end"
	}
	return "window_start"
}

func (e *Const) String() string {
	switch {
	case e.V.IsNull():
		return "NULL"
	case e.T == TypeString:
		return quoteString(e.V.S)
	case e.T == TypeTimestamp:
		return "TIMESTAMP " + quoteString(formatMillis(e.V.I))
	case e.T == TypeInterval:
		return "INTERVAL " + quoteString(strconv.FormatInt(e.V.I, 10)) + " MILLISECOND"
	case e.T == TypeBool:
		if e.V.I != 0 {
			return "TRUE"
		}
		return "FALSE"
	}
	return e.V.String()
}

func (e *OpExpr) String() string {
	var b strings.Builder
	b.WriteByte('(')
	switch {
	case e.Op == OpNeg || e.Op == OpNot:
		b.WriteString(e.Op.String())
		if e.Op == OpNot {
			b.WriteByte(' ')
		}
		b.WriteString(e.Args[0].String())
	case e.Op >= OpIsNull && e.Op <= OpIsNotFalse:
		b.WriteString(e.Args[0].String() + " " + e.Op.String())
	case e.Op == OpIn || e.Op == OpNotIn:
		b.WriteString(e.Args[0].String() + " " + e.Op.String() + " (")
		for i, a := range e.Args[1:] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.String())
		}
		b.WriteByte(')')
	case e.Op == OpBetween || e.Op == OpNotBetween:
		b.WriteString(e.Args[0].String() + " " + e.Op.String() + " " + e.Args[1].String() + " AND " + e.Args[2].String())
	default:
		b.WriteString(e.Args[0].String() + " " + e.Op.String() + " " + e.Args[1].String())
	}
	b.WriteByte(')')
	return b.String()
}

func (e *FuncExpr) String() string {
	var b strings.Builder
	b.WriteString(e.Name + "(")
	for i, a := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

func (e *BoundCast) String() string {
	return "CAST(" + e.X.String() + " AS " + e.To.String() + ")"
}

func (e *CaseWhen) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *JSONGet) String() string {
	op := " -> "
	if e.Text {
		op = " ->> "
	}
	return "(" + e.X.String() + op + e.Key.String() + ")"
}

// formatMillis prints Unix milliseconds as a UTC timestamp literal.
func formatMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000")
}

// quoteName prints a bound column name, quoting it unless it is a plain
// lower-case word.
func quoteName(s string) string {
	if s == "" || isReserved(s) || strings.ToLower(s) != s {
		return quoteIdent(s)
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return quoteIdent(s)
		}
	}
	return s
}
