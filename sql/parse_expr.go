package sql

import (
	"strconv"
	"strings"
)

// Operator precedence, lowest first, as in PostgreSQL: OR < AND < NOT < IS
// < comparisons < BETWEEN/IN/LIKE < other operators (||, ->, ->>) < + - <
// * / % < unary + - < :: .
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precIs
	precCmp
	precLike
	precOther
	precAdd
	precMul
	precUnary
	precCast
	precPrimary
)

// binaryPrec maps infix operators to their precedence.
var binaryPrec = map[string]int{
	"OR": precOr, "AND": precAnd,
	"=": precCmp, "<>": precCmp, "!=": precCmp, "<": precCmp, "<=": precCmp, ">": precCmp, ">=": precCmp,
	"||": precOther, "->": precOther, "->>": precOther,
	"+": precAdd, "-": precAdd,
	"*": precMul, "/": precMul, "%": precMul,
}

// expr parses a whole expression and checks the height of its tree.
func (p *parser) expr() Expr {
	e := p.parseExpr(precLowest)
	if p.err == nil && p.depth == 0 {
		if h, node := height(e); h > maxHeight {
			p.fail(node.Pos(), ErrTooComplex, "expression is more than "+strconv.Itoa(maxHeight)+
				" operators long: split it, or use IN (...) instead of long OR chains")
			return nil
		}
	}
	if p.err != nil {
		return nil
	}
	return e
}

// height returns the height of e's tree and its deepest node, iteratively,
// so that a tree too tall for recursion is measured safely.
func height(e Expr) (int, Expr) {
	type item struct {
		e Expr
		d int
	}
	stack := []item{{e, 1}}
	best, deepest := 0, e
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.d > best {
			best, deepest = it.d, it.e
		}
		if best > maxHeight {
			break
		}
		for _, c := range children(it.e) {
			if c != nil {
				stack = append(stack, item{c, it.d + 1})
			}
		}
	}
	return best, deepest
}

// infix reports the precedence of the current token as an infix or postfix
// operator, or 0.
func (p *parser) infix() (string, int) {
	t := p.tok()
	switch t.kind {
	case tokOp:
		if t.text == "::" {
			return "::", precCast
		}
		if pr, ok := binaryPrec[t.text]; ok {
			return t.text, pr
		}
	case tokWord:
		w := strings.ToUpper(t.text)
		switch w {
		case "AND", "OR":
			return w, binaryPrec[w]
		case "IS":
			return w, precIs
		case "LIKE", "ILIKE", "IN", "BETWEEN":
			return w, precLike
		case "NOT":
			switch n := p.peek(1); {
			case n.is("LIKE"), n.is("ILIKE"), n.is("IN"), n.is("BETWEEN"):
				return "NOT " + strings.ToUpper(n.text), precLike
			}
		}
	}
	return "", 0
}

// parseExpr is precedence climbing: a prefix part, then every infix or
// postfix operator that binds at least as tightly as minPrec.
func (p *parser) parseExpr(minPrec int) Expr {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	x := p.prefix()
	cmpDone := false // comparisons do not chain: a < b < c is an error
	for p.err == nil {
		op, prec := p.infix()
		if prec == 0 || prec < minPrec {
			break
		}
		opTok := p.advance()
		switch {
		case op == "::":
			tn := p.typeName("a type after \"::\"")
			if p.err != nil {
				return nil
			}
			x = &CastExpr{At: x.Pos(), X: x, Type: tn, Colons: true}
		case op == "IS":
			x = p.isTail(x, opTok)
		case prec == precLike:
			x = p.likeTail(x, op, opTok)
		default:
			if prec == precCmp {
				if cmpDone {
					p.fail(opTok.pos, ErrSyntax, "unexpected "+opTok.describe()+
						": comparisons cannot be chained; write a < b AND b < c")
					return nil
				}
				cmpDone = true
			}
			y := p.operand(prec+1, opTok)
			if p.err != nil {
				return nil
			}
			x = &BinaryExpr{Op: op, OpPos: opTok.pos, L: x, R: y}
		}
	}
	if p.err != nil {
		return nil
	}
	return x
}

// operand parses the right operand of opTok, naming the operator when it is
// missing: `unexpected ")": expected an expression after "+"`.
func (p *parser) operand(minPrec int, opTok token) Expr {
	if p.err == nil && !p.startsExpr() {
		p.unexpected("an expression after " + opTok.describe())
		return nil
	}
	return p.parseExpr(minPrec)
}

// startsExpr reports whether the current token can begin an expression.
func (p *parser) startsExpr() bool {
	t := p.tok()
	switch t.kind {
	case tokNumber, tokString, tokQuoted:
		return true
	case tokWord:
		w := strings.ToUpper(t.text)
		switch w {
		case "NOT", "CASE", "CAST", "TRUE", "FALSE", "NULL":
			return true
		}
		return !isReserved(w)
	case tokOp:
		return t.text == "(" || t.text == "-" || t.text == "+"
	}
	return false
}

// prefix parses NOT x, -x, +x or a primary.
func (p *parser) prefix() Expr {
	t := p.tok()
	switch {
	case t.is("NOT"):
		p.advance()
		x := p.operand(precNot, t)
		if p.err != nil {
			return nil
		}
		return &UnaryExpr{At: t.pos, Op: "NOT", X: x}
	case t.isOp("-") || t.isOp("+"):
		p.advance()
		x := p.operand(precUnary, t)
		if p.err != nil {
			return nil
		}
		return &UnaryExpr{At: t.pos, Op: t.text, X: x}
	}
	return p.primary()
}

// isTail parses the rest of x IS [NOT] NULL | TRUE | FALSE.
func (p *parser) isTail(x Expr, isTok token) Expr {
	e := &IsExpr{X: x, IsPos: isTok.pos}
	e.Not = p.accept("NOT")
	switch t := p.tok(); {
	case t.is("NULL"), t.is("TRUE"), t.is("FALSE"):
		p.advance()
		e.What = strings.ToUpper(t.text)
		return e
	case t.is("DISTINCT"):
		p.unsupported("IS [NOT] DISTINCT FROM is not supported: write (a = b OR (a IS NULL AND b IS NULL))")
		return nil
	}
	p.unexpected("NULL, TRUE or FALSE after IS")
	return nil
}

// likeTail parses the rest of x [NOT] LIKE | ILIKE | IN | BETWEEN.
func (p *parser) likeTail(x Expr, op string, opTok token) Expr {
	not := strings.HasPrefix(op, "NOT ")
	if not {
		opTok = p.advance() // the LIKE, IN or BETWEEN after NOT
		op = op[4:]
	}
	switch op {
	case "LIKE", "ILIKE":
		pat := p.operand(precLike+1, opTok)
		if p.err != nil {
			return nil
		}
		if p.tok().is("ESCAPE") {
			p.unsupported("LIKE ... ESCAPE is not supported: the escape character is always \\")
			return nil
		}
		return &LikeExpr{X: x, Pattern: pat, Not: not, ILike: op == "ILIKE", OpPos: opTok.pos}
	case "BETWEEN":
		if p.tok().is("SYMMETRIC") || p.tok().is("ASYMMETRIC") {
			p.unsupported("BETWEEN SYMMETRIC is not supported: order the bounds")
			return nil
		}
		lo := p.operand(precLike+1, opTok)
		if p.err != nil {
			return nil
		}
		if !p.expect("AND", "between the bounds of BETWEEN") {
			return nil
		}
		hi := p.operand(precLike+1, p.prev())
		if p.err != nil {
			return nil
		}
		return &BetweenExpr{X: x, Lo: lo, Hi: hi, Not: not, OpPos: opTok.pos}
	}
	// IN
	if !p.expectOp("(", "and a list of values after IN") {
		return nil
	}
	if p.tok().is("SELECT") {
		p.unsupported("subqueries are not supported: list the values, as in IN (1, 2, 3)")
		return nil
	}
	if p.tok().isOp(")") {
		p.unexpected("at least one value in IN (...)")
		return nil
	}
	e := &InExpr{X: x, Not: not, OpPos: opTok.pos}
	for p.err == nil {
		v := p.parseExpr(precLowest)
		if p.err != nil {
			return nil
		}
		e.List = append(e.List, v)
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.expectOp(")", "or \",\" in the IN list") {
		return nil
	}
	return e
}

// intervalUnitWords may follow INTERVAL 'n'.
var intervalUnitWords = map[string]bool{
	"MILLISECOND": true, "MILLISECONDS": true, "SECOND": true, "SECONDS": true,
	"MINUTE": true, "MINUTES": true, "HOUR": true, "HOURS": true,
	"DAY": true, "DAYS": true, "WEEK": true, "WEEKS": true,
	"MONTH": true, "MONTHS": true, "YEAR": true, "YEARS": true,
}

// primary parses literals, references, calls, CASE, CAST and parentheses.
func (p *parser) primary() Expr {
	t := p.tok()
	switch t.kind {
	case tokNumber:
		p.advance()
		return &Literal{Kind: LitNumber, Text: strings.ToLower(t.text), At: t.pos}
	case tokString:
		p.advance()
		return &Literal{Kind: LitString, Text: t.val, At: t.pos}
	case tokQuoted:
		return p.refOrCall()
	case tokOp:
		switch t.text {
		case "(":
			p.advance()
			if p.tok().is("SELECT") {
				p.unsupported("subqueries are not supported")
				return nil
			}
			x := p.parseExpr(precLowest)
			if p.err != nil {
				return nil
			}
			if p.tok().isOp(",") {
				p.unsupported("row values (a, b) are not supported")
				return nil
			}
			if !p.expectOp(")", "to close \"(\" at "+t.pos.String()) {
				return nil
			}
			return x
		case "*":
			p.unexpected(`an expression; "*" is allowed only in SELECT * and count(*)`)
			return nil
		}
	case tokWord:
		switch w := strings.ToUpper(t.text); w {
		case "TRUE", "FALSE", "NULL":
			p.advance()
			kind := LitBool
			if w == "NULL" {
				kind = LitNull
			}
			return &Literal{Kind: kind, Text: w, At: t.pos}
		case "CASE":
			return p.caseExpr()
		case "CAST":
			return p.castExpr()
		case "TRY_CAST", "SAFE_CAST":
			if p.peek(1).isOp("(") {
				p.unsupported(w + " is not supported: use CAST, and CASE for values that may not convert")
				return nil
			}
		case "EXTRACT":
			if p.peek(1).isOp("(") && p.peek(3).is("FROM") {
				return p.extractExpr()
			}
		case "INTERVAL":
			switch n := p.peek(1); n.kind {
			case tokString:
				return p.intervalLit()
			case tokNumber:
				p.advance()
				p.fail(n.pos, ErrSyntax, "unexpected "+n.describe()+": write the interval's number in quotes, as in INTERVAL '"+n.text+"' SECOND")
				return nil
			}
		case "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP_LTZ":
			if n := p.peek(1); n.kind == tokString {
				p.advance()
				p.advance()
				ms, msg := parseTimestamp(n.val)
				if msg != "" {
					p.fail(n.pos, ErrSyntax, msg)
					return nil
				}
				return &TimestampLit{At: t.pos, Text: n.val, Millis: ms}
			}
		case "ARRAY":
			if n := p.peek(1); n.isOp("[") || n.isOp("(") {
				p.unsupported("ARRAY values are not supported")
				return nil
			}
		case "EXISTS":
			if p.peek(1).isOp("(") {
				p.unsupported("subqueries are not supported")
				return nil
			}
		}
		if !isReserved(t.text) {
			return p.refOrCall()
		}
	}
	if pt := p.prev(); pt.kind == tokOp && pt.text != "(" && pt.text != ")" && pt.text != "," {
		p.unexpected("an expression after " + pt.describe())
	} else {
		p.unexpected("an expression")
	}
	return nil
}

// intervalLit parses INTERVAL 'text' [unit].
func (p *parser) intervalLit() Expr {
	at := p.advance().pos
	s := p.advance()
	e := &IntervalLit{At: at, Text: s.val}
	if t := p.tok(); t.kind == tokWord && intervalUnitWords[strings.ToUpper(t.text)] {
		p.advance()
		e.Unit = strings.ToUpper(t.text)
		if p.tok().is("TO") {
			p.unsupported("interval ranges (" + e.Unit + " TO ...) are not supported: write INTERVAL '90' SECOND or INTERVAL '1 minute 30 seconds'")
			return nil
		}
		if p.tok().isOp("(") {
			p.unsupported("interval precision is not supported: intervals are in milliseconds")
			return nil
		}
	}
	d, msg := parseInterval(e.Text, e.Unit)
	if msg != "" {
		p.fail(s.pos, ErrSyntax, msg)
		return nil
	}
	e.Dur = d
	return e
}

// refOrCall parses a column reference or path (a, t.a, payload.a.b), or a
// function call when a "(" follows the name.
func (p *parser) refOrCall() Expr {
	first := newIdent(p.advance())
	if p.tok().isOp("(") {
		return p.call(first)
	}
	ref := &Ref{Parts: []Ident{first}}
	for p.err == nil && p.tok().isOp(".") {
		p.advance()
		if p.tok().isOp("*") {
			p.unexpected("a column or field name after \".\"; t.* is allowed only as a SELECT item")
			return nil
		}
		id, ok := p.anyWord("a column or field name after \".\"")
		if !ok {
			return nil
		}
		ref.Parts = append(ref.Parts, id)
	}
	if p.tok().isOp("[") {
		p.unsupported("subscripts are not supported: read JSON arrays with -> 0, ->> 1")
		return nil
	}
	return ref
}

// call parses the rest of name(...) [WITHIN GROUP (...)] [FILTER (...)].
func (p *parser) call(name Ident) Expr {
	open := p.advance()
	c := &CallExpr{Name: name}
	switch {
	case p.tok().isOp("*"):
		p.advance()
		c.Star = true
	case p.tok().isOp(")"):
	default:
		if p.accept("DISTINCT") {
			c.Distinct = true
		} else {
			p.accept("ALL")
		}
		for p.err == nil {
			a := p.parseExpr(precLowest)
			if p.err != nil {
				return nil
			}
			c.Args = append(c.Args, a)
			if p.tok().isOp("=>") {
				p.unsupported("named arguments (=>) are not supported: pass the arguments in order")
				return nil
			}
			if !p.acceptOp(",") {
				break
			}
		}
		if p.tok().is("ORDER") {
			p.unsupported("ORDER BY inside a call is not supported; for percentiles write f(q) WITHIN GROUP (ORDER BY x)")
			return nil
		}
	}
	if p.err != nil {
		return nil
	}
	rp := p.tok()
	if !p.expectOp(")", "to close the call of "+name.String()+" at "+open.pos.String()) {
		return nil
	}
	c.Rparen = rp.pos
	if p.tok().is("WITHIN") && p.peek(1).is("GROUP") {
		at := p.advance().pos
		p.advance()
		if !p.expectOp("(", "after WITHIN GROUP") || !p.expect("ORDER", "in WITHIN GROUP (ORDER BY x)") ||
			!p.expect("BY", "after ORDER") {
			return nil
		}
		ob := &OrderBy{At: at}
		ob.X = p.parseExpr(precLowest)
		if p.err != nil {
			return nil
		}
		if p.accept("DESC") {
			ob.Desc = true
		} else {
			p.accept("ASC")
		}
		if !p.expectOp(")", "to close WITHIN GROUP (ORDER BY ...)") {
			return nil
		}
		c.WithinGroup = ob
	}
	if p.tok().is("FILTER") && p.peek(1).isOp("(") {
		p.advance()
		p.advance()
		if !p.expect("WHERE", "in FILTER (WHERE condition)") {
			return nil
		}
		c.Filter = p.parseExpr(precLowest)
		if p.err != nil {
			return nil
		}
		if !p.expectOp(")", "to close FILTER (WHERE ...)") {
			return nil
		}
	}
	if t := p.tok(); t.is("OVER") && (p.peek(1).isOp("(") || p.peek(1).kind == tokWord) {
		p.unsupported("window functions (OVER) are not supported: aggregate over TUMBLE, HOP or SESSION in FROM")
		return nil
	}
	return c
}

// caseExpr parses CASE [x] WHEN a THEN b ... [ELSE c] END.
func (p *parser) caseExpr() Expr {
	at := p.advance().pos
	e := &CaseExpr{At: at}
	if !p.tok().is("WHEN") {
		e.Operand = p.parseExpr(precLowest)
		if p.err != nil {
			return nil
		}
	}
	for p.err == nil && p.tok().is("WHEN") {
		wt := p.advance()
		cond := p.operand(precLowest, wt)
		if p.err != nil || !p.expect("THEN", "after the WHEN condition") {
			return nil
		}
		res := p.operand(precLowest, p.prev())
		if p.err != nil {
			return nil
		}
		e.Whens = append(e.Whens, &When{Cond: cond, Result: res})
	}
	if p.err != nil {
		return nil
	}
	if len(e.Whens) == 0 {
		p.unexpected("WHEN in CASE")
		return nil
	}
	if p.tok().is("ELSE") {
		et := p.advance()
		e.Else = p.operand(precLowest, et)
		if p.err != nil {
			return nil
		}
	}
	if !p.expect("END", "to close CASE at "+at.String()) {
		return nil
	}
	return e
}

// castExpr parses CAST(x AS type).
func (p *parser) castExpr() Expr {
	at := p.advance().pos
	if !p.expectOp("(", "after CAST") {
		return nil
	}
	x := p.parseExpr(precLowest)
	if p.err != nil || !p.expect("AS", "and a type in CAST(x AS type)") {
		return nil
	}
	tn := p.typeName("a type after AS in CAST")
	if p.err != nil || !p.expectOp(")", "to close CAST") {
		return nil
	}
	return &CastExpr{At: at, X: x, Type: tn}
}

// extractExpr parses EXTRACT(field FROM x) into the call extract('field', x).
func (p *parser) extractExpr() Expr {
	name := newIdent(p.advance())
	p.advance() // (
	ft := p.tok()
	if ft.kind != tokWord && ft.kind != tokString {
		p.unexpected("a field such as HOUR or EPOCH in EXTRACT(field FROM x)")
		return nil
	}
	p.advance()
	field := &Literal{Kind: LitString, Text: strings.ToLower(ft.val), At: ft.pos}
	if !p.expect("FROM", "in EXTRACT(field FROM x)") {
		return nil
	}
	x := p.parseExpr(precLowest)
	if p.err != nil {
		return nil
	}
	rp := p.tok()
	if !p.expectOp(")", "to close EXTRACT") {
		return nil
	}
	return &CallExpr{Name: name, Args: []Expr{field, x}, Rparen: rp.pos}
}
