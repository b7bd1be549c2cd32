package sql

import "strings"

// exprPrec is the precedence of e's top operator, for parenthesising.
func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *UnaryExpr:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *BinaryExpr:
		return binaryPrec[e.Op]
	case *IsExpr:
		return precIs
	case *BetweenExpr, *InExpr, *LikeExpr:
		return precLike
	case *CastExpr:
		if e.Colons {
			return precCast
		}
	}
	return precPrimary
}

// writeExpr prints e, in parentheses when it binds more loosely than
// minPrec requires.
func writeExpr(b *strings.Builder, e Expr, minPrec int) {
	if exprPrec(e) < minPrec {
		b.WriteByte('(')
		writeExpr(b, e, precLowest)
		b.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case *Ref:
		for i, part := range e.Parts {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(part.String())
		}
	case *Literal:
		switch e.Kind {
		case LitString:
			b.WriteString(quoteString(e.Text))
		default:
			b.WriteString(e.Text)
		}
	case *IntervalLit:
		b.WriteString("INTERVAL ")
		b.WriteString(quoteString(e.Text))
		if e.Unit != "" {
			b.WriteByte(' ')
			b.WriteString(e.Unit)
		}
	case *TimestampLit:
		b.WriteString("TIMESTAMP ")
		b.WriteString(quoteString(e.Text))
	case *UnaryExpr:
		if e.Op == "NOT" {
			b.WriteString("NOT ")
			writeExpr(b, e.X, precNot)
			return
		}
		b.WriteString(e.Op)
		if u, ok := e.X.(*UnaryExpr); ok && u.Op != "NOT" {
			b.WriteByte(' ') // "- -x", never "--x", which starts a comment
		}
		writeExpr(b, e.X, precUnary)
	case *BinaryExpr:
		p := binaryPrec[e.Op]
		left := p
		if p == precCmp {
			left = p + 1 // comparisons do not chain
		}
		writeExpr(b, e.L, left)
		b.WriteByte(' ')
		b.WriteString(e.Op)
		b.WriteByte(' ')
		writeExpr(b, e.R, p+1)
	case *IsExpr:
		writeExpr(b, e.X, precIs)
		b.WriteString(" IS ")
		if e.Not {
			b.WriteString("NOT ")
		}
		b.WriteString(e.What)
	case *BetweenExpr:
		writeExpr(b, e.X, precLike+1)
		b.WriteString(not(e.Not) + " BETWEEN ")
		writeExpr(b, e.Lo, precLike+1)
		b.WriteString(" AND ")
		writeExpr(b, e.Hi, precLike+1)
	case *InExpr:
		writeExpr(b, e.X, precLike+1)
		b.WriteString(not(e.Not) + " IN (")
		writeList(b, e.List)
		b.WriteByte(')')
	case *LikeExpr:
		writeExpr(b, e.X, precLike+1)
		b.WriteString(not(e.Not))
		if e.ILike {
			b.WriteString(" ILIKE ")
		} else {
			b.WriteString(" LIKE ")
		}
		writeExpr(b, e.Pattern, precLike+1)
	case *CaseExpr:
		b.WriteString("CASE")
		if e.Operand != nil {
			b.WriteByte(' ')
			writeExpr(b, e.Operand, precLowest)
		}
		for _, w := range e.Whens {
			b.WriteString(" WHEN ")
			writeExpr(b, w.Cond, precLowest)
			b.WriteString(" THEN ")
			writeExpr(b, w.Result, precLowest)
		}
		if e.Else != nil {
			b.WriteString(" ELSE ")
			writeExpr(b, e.Else, precLowest)
		}
		b.WriteString(" END")
	case *CastExpr:
		if e.Colons {
			writeExpr(b, e.X, precCast)
			b.WriteString("::")
			b.WriteString(e.Type.String())
			return
		}
		b.WriteString("CAST(")
		writeExpr(b, e.X, precLowest)
		b.WriteString(" AS ")
		b.WriteString(e.Type.String())
		b.WriteByte(')')
	case *CallExpr:
		b.WriteString(e.Name.String())
		b.WriteByte('(')
		switch {
		case e.Star:
			b.WriteByte('*')
		default:
			if e.Distinct {
				b.WriteString("DISTINCT ")
			}
			writeList(b, e.Args)
		}
		b.WriteByte(')')
		if e.WithinGroup != nil {
			b.WriteString(" WITHIN GROUP (ORDER BY ")
			writeExpr(b, e.WithinGroup.X, precLowest)
			if e.WithinGroup.Desc {
				b.WriteString(" DESC")
			}
			b.WriteByte(')')
		}
		if e.Filter != nil {
			b.WriteString(" FILTER (WHERE ")
			writeExpr(b, e.Filter, precLowest)
			b.WriteByte(')')
		}
	}
}

func not(n bool) string {
	if n {
		return " NOT"
	}
	return ""
}

func writeList(b *strings.Builder, list []Expr) {
	for i, x := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, x, precLowest)
	}
}

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, precLowest)
	return b.String()
}

func (e *Ref) String() string          { return exprString(e) }
func (e *Literal) String() string      { return exprString(e) }
func (e *IntervalLit) String() string  { return exprString(e) }
func (e *TimestampLit) String() string { return exprString(e) }
func (e *UnaryExpr) String() string    { return exprString(e) }
func (e *BinaryExpr) String() string   { return exprString(e) }
func (e *IsExpr) String() string       { return exprString(e) }
func (e *BetweenExpr) String() string  { return exprString(e) }
func (e *InExpr) String() string       { return exprString(e) }
func (e *LikeExpr) String() string     { return exprString(e) }
func (e *CaseExpr) String() string     { return exprString(e) }
func (e *CastExpr) String() string     { return exprString(e) }
func (e *CallExpr) String() string     { return exprString(e) }
