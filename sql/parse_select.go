package sql

import "strings"

// joinWords start a join after a FROM item.
var joinWords = map[string]bool{
	"JOIN": true, "LEFT": true, "RIGHT": true, "FULL": true, "INNER": true,
	"CROSS": true, "NATURAL": true, "OUTER": true,
}

// selectStmt parses SELECT ... FROM ... [WHERE] [GROUP BY] [HAVING] [EMIT ON WINDOW CLOSE].
func (p *parser) selectStmt(after string) *Select {
	if p.err != nil {
		return nil
	}
	if !p.tok().is("SELECT") {
		if p.tok().isOp("(") && p.peek(1).is("SELECT") {
			p.unsupported("a parenthesised query is not supported: remove the parentheses")
			return nil
		}
		p.unexpected(strings.TrimSpace("SELECT " + after))
		return nil
	}
	s := &Select{At: p.advance().pos}
	if p.tok().is("DISTINCT") {
		p.unsupported("SELECT DISTINCT is not supported: GROUP BY the columns instead")
		return nil
	}
	p.accept("ALL")
	for p.err == nil {
		it := p.selectItem()
		if it == nil {
			return nil
		}
		s.Items = append(s.Items, it)
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.tok().is("FROM") {
		p.unexpected(`"," or FROM after the select item`)
		return nil
	}
	p.advance()
	s.From = p.from()
	if p.err != nil {
		return nil
	}
	if p.accept("WHERE") {
		s.Where = p.expr()
	}
	if p.tok().is("GROUP") {
		p.advance()
		if !p.expect("BY", "after GROUP") {
			return nil
		}
		for p.err == nil {
			if t := p.tok(); t.is("GROUPING") || t.is("ROLLUP") || t.is("CUBE") {
				p.unsupported(strings.ToUpper(t.text) + " is not supported: GROUP BY plain expressions")
				return nil
			}
			e := p.expr()
			if p.err != nil {
				return nil
			}
			s.GroupBy = append(s.GroupBy, e)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.accept("HAVING") {
		s.Having = p.expr()
	}
	if p.tok().is("EMIT") {
		p.advance()
		if !p.expect("ON", "after EMIT, as in EMIT ON WINDOW CLOSE") {
			return nil
		}
		if p.tok().is("UPDATE") {
			p.unsupported("EMIT ON UPDATE is the default: remove the clause")
			return nil
		}
		if !p.expect("WINDOW", "after EMIT ON") || !p.expect("CLOSE", "after EMIT ON WINDOW") {
			return nil
		}
		s.EmitOnWindowClose = true
	}
	if p.err != nil {
		return nil
	}
	switch t := p.tok(); {
	case t.is("ORDER"):
		p.unsupported("ORDER BY is not supported in a view: its rows are keyed, not ordered")
	case t.is("LIMIT"), t.is("OFFSET") && p.peek(1).kind == tokNumber, t.is("FETCH"):
		p.unsupported(strings.ToUpper(t.text) + " is not supported in a view: it keeps every group")
	case t.is("UNION"), t.is("EXCEPT"), t.is("INTERSECT"):
		p.unsupported(strings.ToUpper(t.text) + " is not supported: create one view per query")
	case t.is("WINDOW"):
		p.unsupported("the WINDOW clause is not supported: put TUMBLE, HOP or SESSION in FROM")
	case t.is("GROUP"), t.is("WHERE"), t.is("HAVING"):
		p.unexpected("the clauses in the order WHERE, GROUP BY, HAVING, EMIT ON WINDOW CLOSE")
	}
	if p.err != nil {
		return nil
	}
	return s
}

// selectItem parses *, t.*, or expr [[AS] alias].
func (p *parser) selectItem() *SelectItem {
	t := p.tok()
	if t.isOp("*") {
		p.advance()
		return &SelectItem{Star: true, StarPos: t.pos}
	}
	if (t.kind == tokQuoted || t.kind == tokWord && !isReserved(t.text)) && p.peek(1).isOp(".") && p.peek(2).isOp("*") {
		q := newIdent(p.advance())
		p.advance()
		star := p.advance()
		return &SelectItem{Star: true, Qualifier: &q, StarPos: star.pos}
	}
	if !p.startsExpr() {
		if t.is("FROM") {
			p.unexpected("a select item before FROM")
		} else {
			p.unexpected("a select item: an expression or *")
		}
		return nil
	}
	it := &SelectItem{Expr: p.expr()}
	if p.err != nil {
		return nil
	}
	it.Alias = p.alias()
	if p.err != nil {
		return nil
	}
	return it
}

// alias parses an optional [AS] name.
func (p *parser) alias() *Ident {
	if p.accept("AS") {
		id, ok := p.ident("an alias after AS")
		if !ok {
			return nil
		}
		return &id
	}
	t := p.tok()
	if t.kind == tokQuoted || t.kind == tokWord && !isReserved(t.text) && !joinWords[strings.ToUpper(t.text)] {
		id := newIdent(p.advance())
		return &id
	}
	return nil
}

// from parses the FROM item: a relation or a window function over one.
func (p *parser) from() *From {
	t := p.tok()
	f := &From{At: t.pos}
	switch {
	case t.isOp("("):
		p.unsupported("subqueries in FROM are not supported: create a view and select from it")
		return nil
	case t.is("TABLE") && p.peek(1).isOp("("):
		p.advance()
		p.advance()
		k := p.tok()
		if !(k.is("TUMBLE") || k.is("HOP") || k.is("SESSION") || k.is("CUMULATE")) || !p.peek(1).isOp("(") {
			p.unexpected("TUMBLE, HOP or SESSION inside TABLE(...)")
			return nil
		}
		f.TVF = true
		if !p.windowCall(f) || !p.expectOp(")", "to close TABLE(...)") {
			return nil
		}
	case (t.is("TUMBLE") || t.is("HOP") || t.is("SESSION") || t.is("CUMULATE")) && p.peek(1).isOp("("):
		if !p.windowCall(f) {
			return nil
		}
	case t.is("LATERAL"), t.is("UNNEST") && p.peek(1).isOp("("):
		p.unsupported(strings.ToUpper(t.text) + " is not supported")
		return nil
	default:
		rel, ok := p.relationName("a source or view name after FROM")
		if !ok {
			return nil
		}
		f.Relation = rel
	}
	f.Alias = p.alias()
	if p.err != nil {
		return nil
	}
	if t := p.tok(); t.isOp(",") || t.kind == tokWord && joinWords[strings.ToUpper(t.text)] {
		p.unsupported("joins are not supported: a view reads one source or view")
		return nil
	}
	return f
}

// windowCall parses TUMBLE|HOP|SESSION( [TABLE] rel [PARTITION BY ...],
// ts | DESCRIPTOR(ts), interval, ... ).
func (p *parser) windowCall(f *From) bool {
	kt := p.advance()
	kind := strings.ToUpper(kt.text)
	switch kind {
	case "TUMBLE":
		f.Window = Tumble
	case "HOP":
		f.Window = Hop
	case "SESSION":
		f.Window = Session
	default:
		p.fail(kt.pos, ErrUnsupported, "CUMULATE windows are not supported: use HOP, or TUMBLE with an early emit interval")
		return false
	}
	p.advance() // (
	if p.tok().isOp("=>") || p.peek(1).isOp("=>") {
		p.unsupported("named arguments (=>) are not supported: pass the arguments in order")
		return false
	}
	p.accept("TABLE")
	rel, ok := p.relationName("a source or view name, the first argument of " + kind)
	if !ok {
		return false
	}
	f.Relation = rel
	if p.tok().is("PARTITION") {
		if f.Window != Session {
			p.unexpected(`"," after the relation; PARTITION BY belongs to SESSION`)
			return false
		}
		p.advance()
		if !p.expect("BY", "after PARTITION") {
			return false
		}
		if p.acceptOp("(") {
			for p.err == nil {
				id, ok := p.ident("a partition column")
				if !ok {
					return false
				}
				f.PartitionBy = append(f.PartitionBy, id)
				if !p.acceptOp(",") {
					break
				}
			}
			if !p.expectOp(")", "to close PARTITION BY (...)") {
				return false
			}
		} else {
			// Without parentheses one column: the "," after it starts
			// the time column, as in Flink.
			id, ok := p.ident("a partition column, or (a, b) for several")
			if !ok {
				return false
			}
			f.PartitionBy = append(f.PartitionBy, id)
		}
	}
	if !p.expectOp(",", "and the time column after the relation, as in "+kind+"(src, ts, INTERVAL '1' MINUTE)") {
		return false
	}
	var col Ident
	if p.tok().is("DESCRIPTOR") && p.peek(1).isOp("(") {
		p.advance()
		p.advance()
		col, ok = p.ident("the time column in DESCRIPTOR(...)")
		if !ok || !p.expectOp(")", "to close DESCRIPTOR(...)") {
			return false
		}
	} else if col, ok = p.ident("the time column, the second argument of " + kind); !ok {
		return false
	}
	f.TimeCol = &col
	for p.err == nil && p.acceptOp(",") {
		a := p.expr()
		if p.err != nil {
			return false
		}
		f.Args = append(f.Args, a)
	}
	if p.err != nil {
		return false
	}
	usage := map[WindowKind]string{
		Tumble:  "TUMBLE(source, time_column, size [, offset])",
		Hop:     "HOP(source, time_column, slide, size [, offset])",
		Session: "SESSION(source, time_column, gap)",
	}[f.Window]
	counts := map[WindowKind][2]int{Tumble: {1, 2}, Hop: {2, 3}, Session: {1, 1}}[f.Window]
	lo, hi := counts[0], counts[1]
	if len(f.Args) < lo {
		p.unexpected("more arguments: the form is " + usage)
		return false
	}
	if len(f.Args) > hi {
		p.fail(f.Args[hi].Pos(), ErrSyntax, "too many arguments to "+kind+": the form is "+usage)
		return false
	}
	return p.expectOp(")", "to close "+usage)
}
