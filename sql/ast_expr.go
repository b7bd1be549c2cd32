package sql

import "time"

// Ref is a column reference or a path: a, t.a, payload.a.b. Which parts
// name the relation, the column and JSON fields is decided by the binder.
type Ref struct {
	Parts []Ident
}

// LitKind is the kind of a Literal.
type LitKind uint8

const (
	LitNumber LitKind = iota + 1
	LitString
	LitBool
	LitNull
)

// Literal is a number, 'string', TRUE, FALSE or NULL. Text is the number as
// written, the string's content, "TRUE"/"FALSE" or "NULL".
type Literal struct {
	Kind LitKind
	Text string
	At   Pos
}

// IntervalLit is INTERVAL 'text' [UNIT]. Dur is its length, computed by the
// parser (whole milliseconds).
type IntervalLit struct {
	At   Pos
	Text string
	Unit string // upper case, as written (SECOND, SECONDS); "" when in Text
	Dur  time.Duration
}

// TimestampLit is TIMESTAMP 'text'; Millis is the Unix time it denotes.
type TimestampLit struct {
	At     Pos
	Text   string
	Millis int64
}

// UnaryExpr is -x, +x or NOT x.
type UnaryExpr struct {
	At Pos
	Op string // "-", "+", "NOT"
	X  Expr
}

// BinaryExpr is x op y for arithmetic (+ - * / %), comparison (= <> != <
// <= > >=), logic (AND OR), concatenation (||) and JSON access (-> ->>).
type BinaryExpr struct {
	Op    string // upper case for AND, OR
	OpPos Pos
	L, R  Expr
}

// IsExpr is x IS [NOT] NULL | TRUE | FALSE.
type IsExpr struct {
	X     Expr
	Not   bool
	What  string // "NULL", "TRUE", "FALSE"
	IsPos Pos
}

// BetweenExpr is x [NOT] BETWEEN lo AND hi.
type BetweenExpr struct {
	X, Lo, Hi Expr
	Not       bool
	OpPos     Pos
}

// InExpr is x [NOT] IN (list).
type InExpr struct {
	X     Expr
	List  []Expr
	Not   bool
	OpPos Pos
}

// LikeExpr is x [NOT] LIKE | ILIKE pattern.
type LikeExpr struct {
	X, Pattern Expr
	Not        bool
	ILike      bool
	OpPos      Pos
}

// CaseExpr is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type CaseExpr struct {
	At      Pos
	Operand Expr // nil for a searched CASE
	Whens   []*When
	Else    Expr
}

// When is one WHEN cond THEN result of a CASE.
type When struct {
	Cond, Result Expr
}

// CastExpr is CAST(x AS type) or x::type.
type CastExpr struct {
	At     Pos
	X      Expr
	Type   *TypeName
	Colons bool // written x::type
}

// CallExpr is a function or aggregate call:
//
//	name(args) | name(*) | name(DISTINCT x)
//	  [WITHIN GROUP (ORDER BY x [ASC|DESC])] [FILTER (WHERE cond)]
type CallExpr struct {
	Name        Ident
	Args        []Expr
	Star        bool
	Distinct    bool
	WithinGroup *OrderBy
	Filter      Expr
	Rparen      Pos
}

// OrderBy is the ORDER BY x [ASC|DESC] of WITHIN GROUP.
type OrderBy struct {
	At   Pos
	X    Expr
	Desc bool
}

func (*Ref) expr()          {}
func (*Literal) expr()      {}
func (*IntervalLit) expr()  {}
func (*TimestampLit) expr() {}
func (*UnaryExpr) expr()    {}
func (*BinaryExpr) expr()   {}
func (*IsExpr) expr()       {}
func (*BetweenExpr) expr()  {}
func (*InExpr) expr()       {}
func (*LikeExpr) expr()     {}
func (*CaseExpr) expr()     {}
func (*CastExpr) expr()     {}
func (*CallExpr) expr()     {}

func (e *Ref) Pos() Pos          { return e.Parts[0].At }
func (e *Literal) Pos() Pos      { return e.At }
func (e *IntervalLit) Pos() Pos  { return e.At }
func (e *TimestampLit) Pos() Pos { return e.At }
func (e *UnaryExpr) Pos() Pos    { return e.At }
func (e *BinaryExpr) Pos() Pos   { return e.L.Pos() }
func (e *IsExpr) Pos() Pos       { return e.X.Pos() }
func (e *BetweenExpr) Pos() Pos  { return e.X.Pos() }
func (e *InExpr) Pos() Pos       { return e.X.Pos() }
func (e *LikeExpr) Pos() Pos     { return e.X.Pos() }
func (e *CaseExpr) Pos() Pos     { return e.At }
func (e *CastExpr) Pos() Pos     { return e.At }
func (e *CallExpr) Pos() Pos     { return e.Name.At }

// children returns the direct subexpressions of e, for walks.
func children(e Expr) []Expr {
	switch e := e.(type) {
	case *UnaryExpr:
		return []Expr{e.X}
	case *BinaryExpr:
		return []Expr{e.L, e.R}
	case *IsExpr:
		return []Expr{e.X}
	case *BetweenExpr:
		return []Expr{e.X, e.Lo, e.Hi}
	case *InExpr:
		return append([]Expr{e.X}, e.List...)
	case *LikeExpr:
		return []Expr{e.X, e.Pattern}
	case *CaseExpr:
		var out []Expr
		if e.Operand != nil {
			out = append(out, e.Operand)
		}
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *CastExpr:
		return []Expr{e.X}
	case *CallExpr:
		out := append([]Expr(nil), e.Args...)
		if e.WithinGroup != nil {
			out = append(out, e.WithinGroup.X)
		}
		if e.Filter != nil {
			out = append(out, e.Filter)
		}
		return out
	}
	return nil
}
