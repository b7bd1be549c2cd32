package sql

import (
	"strconv"
	"strings"
)

// Limits that keep the parser and every recursive walk over its trees
// bounded on hostile input.
const (
	// maxDepth bounds the nesting of parentheses, calls, CASE and prefix
	// operators while parsing.
	maxDepth = 100
	// maxHeight bounds the height of one expression tree, which long
	// operator chains (a + a + ... or x::int::int...) grow without
	// nesting.
	maxHeight = 1000
)

// parser is a recursive-descent parser over the whole token slice. Errors
// are sticky: the first one of a statement stops its parse (every parse
// function returns nil once p.err is set), and the statement loop skips to
// the next ";" or statement keyword.
type parser struct {
	toks  []token
	i     int
	depth int
	err   *Error

	// What the statement being parsed creates, for BadStatement.
	curKind ObjectKind
	curName *Ident
}

// Parse parses every statement of src. It returns the statements that
// parsed, plus a *BadStatement for each that did not, and an ErrorList with
// one error per bad statement (nil if none). It never panics and its time
// is linear in len(src).
func Parse(src string) ([]Statement, error) {
	p := &parser{toks: tokenize(src)}
	var stmts []Statement
	var errs ErrorList
	for p.tok().kind != tokEOF {
		if p.acceptOp(";") {
			continue
		}
		start := p.i
		p.curKind, p.curName = 0, nil
		st := p.statement()
		if p.err == nil && !p.atStatementEnd() {
			t := p.tok()
			if t.kind == tokWord && statementStart[strings.ToUpper(t.text)] {
				p.fail(t.pos, ErrSyntax, "missing \";\" before "+t.describe())
				errs = append(errs, p.err)
				p.err = nil
				stmts = append(stmts, st)
				continue
			}
			p.unexpected(`";" or the end of input after the ` + stmtName(st) + ` statement`)
		}
		if p.err != nil {
			errs = append(errs, p.err)
			p.err = nil
			stmts = append(stmts, &BadStatement{At: p.toks[start].pos, Kind: p.curKind, Name: p.curName})
			p.sync(start)
			continue
		}
		stmts = append(stmts, st)
	}
	return stmts, errs.Err()
}

// ParseExpr parses one scalar expression, as in a SELECT list.
func ParseExpr(src string) (Expr, error) {
	p := &parser{toks: tokenize(src)}
	e := p.expr()
	if p.err == nil && p.tok().kind != tokEOF {
		p.unexpected("an operator or the end of the expression")
	}
	if p.err != nil {
		return nil, ErrorList{p.err}
	}
	return e, nil
}

// stmtName names a statement for messages.
func stmtName(st Statement) string {
	switch s := st.(type) {
	case *CreateSource:
		return "CREATE " + s.Keyword
	case *CreateView:
		return "CREATE MATERIALIZED VIEW"
	case *CreateSink:
		return "CREATE " + s.Keyword
	case *Insert:
		return "INSERT"
	case *Drop:
		return "DROP"
	case *Show:
		return "SHOW"
	case *Explain:
		return "EXPLAIN"
	}
	return "previous"
}

func (p *parser) tok() token { return p.toks[p.i] }

// peek returns the token n after the current one (EOF past the end).
func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

// prev returns the token before the current one, or EOF at the start.
func (p *parser) prev() token {
	if p.i == 0 {
		return token{kind: tokEOF}
	}
	return p.toks[p.i-1]
}

func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) atStatementEnd() bool {
	t := p.tok()
	return t.kind == tokEOF || t.isOp(";")
}

// sync skips to just after the next ";", or to the next statement keyword,
// always moving past the start of the failed statement.
func (p *parser) sync(start int) {
	if p.i == start {
		p.advance()
	}
	for {
		t := p.tok()
		switch {
		case t.kind == tokEOF:
			return
		case t.isOp(";"):
			p.advance()
			return
		case t.kind == tokWord && statementStart[strings.ToUpper(t.text)]:
			return
		}
		p.advance()
	}
}

// fail records the first error of the statement.
func (p *parser) fail(pos Pos, sentinel error, msg string) {
	if p.err == nil {
		p.err = newError(pos, sentinel, msg)
	}
}

// unexpected reports the current token: `unexpected ")": expected ...`. An
// illegal token reports the lexer's message instead.
func (p *parser) unexpected(expected string) {
	t := p.tok()
	if t.kind == tokIllegal {
		p.fail(t.pos, ErrSyntax, t.err)
		return
	}
	msg := "unexpected " + t.describe()
	if expected != "" {
		msg += ": expected " + expected
	}
	p.fail(t.pos, ErrSyntax, msg)
}

// unsupported reports the current token as valid SQL that Eddy does not
// run.
func (p *parser) unsupported(msg string) {
	p.fail(p.tok().pos, ErrUnsupported, msg)
}

// enter guards recursion; every enter that returns true needs a leave.
func (p *parser) enter() bool {
	if p.depth >= maxDepth {
		p.fail(p.tok().pos, ErrTooComplex, "expression nested more than "+strconv.Itoa(maxDepth)+" levels deep: simplify it")
		return false
	}
	p.depth++
	return true
}

func (p *parser) leave() { p.depth-- }

// accept consumes the keyword kw if it is next.
func (p *parser) accept(kw string) bool {
	if p.err == nil && p.tok().is(kw) {
		p.advance()
		return true
	}
	return false
}

// acceptOp consumes the operator op if it is next.
func (p *parser) acceptOp(op string) bool {
	if p.err == nil && p.tok().isOp(op) {
		p.advance()
		return true
	}
	return false
}

// expect consumes keyword kw or reports what was expected where.
func (p *parser) expect(kw, where string) bool {
	if p.accept(kw) {
		return true
	}
	p.unexpected(kw + " " + where)
	return false
}

// expectOp consumes op or reports what was expected where.
func (p *parser) expectOp(op, where string) bool {
	if p.acceptOp(op) {
		return true
	}
	p.unexpected(`"` + op + `" ` + where)
	return false
}

// ident consumes an identifier: an unquoted word that is not reserved, or a
// quoted one. what says what the identifier is for.
func (p *parser) ident(what string) (Ident, bool) {
	if p.err != nil {
		return Ident{}, false
	}
	t := p.tok()
	switch {
	case t.kind == tokQuoted:
		p.advance()
		return newIdent(t), true
	case t.kind == tokWord && !isReserved(t.text):
		p.advance()
		return newIdent(t), true
	case t.kind == tokWord:
		p.fail(t.pos, ErrSyntax, "unexpected "+t.describe()+": expected "+what+
			"; "+strings.ToUpper(t.text)+" is a reserved word, write "+quoteIdent(strings.ToLower(t.text))+" to use it as a name")
		return Ident{}, false
	}
	p.unexpected(what)
	return Ident{}, false
}

// anyWord consumes any word, reserved or not, or a quoted identifier: the
// parts after a dot and option keys, where no keyword can follow.
func (p *parser) anyWord(what string) (Ident, bool) {
	if p.err != nil {
		return Ident{}, false
	}
	t := p.tok()
	if t.kind == tokWord || t.kind == tokQuoted {
		p.advance()
		return newIdent(t), true
	}
	p.unexpected(what)
	return Ident{}, false
}

// objectName consumes the name of a created or dropped object and rejects
// qualified names.
func (p *parser) objectName(kind ObjectKind) (Ident, bool) {
	return p.relationName("a " + kind.noun() + " name")
}

// relationName consumes an unqualified name; what says what it names.
func (p *parser) relationName(what string) (Ident, bool) {
	id, ok := p.ident(what)
	if !ok {
		return id, false
	}
	if p.tok().isOp(".") {
		p.unsupported("qualified names (schema.name) are not supported: use a plain name such as " + id.String())
		return id, false
	}
	return id, true
}
