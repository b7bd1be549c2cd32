package sql

import "strings"

// statement parses one statement, dispatching on its first word.
func (p *parser) statement() Statement {
	t := p.tok()
	switch {
	case t.is("CREATE"):
		return p.create()
	case t.is("DROP"):
		return p.drop()
	case t.is("SHOW"):
		return p.show()
	case t.is("EXPLAIN"):
		return p.explain()
	case t.is("INSERT"):
		return p.insert()
	case t.is("SELECT"):
		p.unexpected("a statement; to define a query write CREATE MATERIALIZED VIEW name AS SELECT ... (or EXPLAIN SELECT ...)")
		return nil
	case t.is("SET"), t.is("USE"), t.is("BEGIN"), t.is("ALTER"), t.is("UPDATE"), t.is("DELETE"):
		p.unsupported(strings.ToUpper(t.text) + " is not supported: statements are CREATE, DROP, SHOW, EXPLAIN and INSERT INTO")
		return nil
	}
	p.unexpected("a statement: CREATE, DROP, SHOW, EXPLAIN or INSERT INTO")
	return nil
}

// create parses every CREATE statement.
func (p *parser) create() Statement {
	at := p.advance().pos
	if p.tok().is("OR") {
		p.unsupported("CREATE OR REPLACE is not supported: DROP the object, then CREATE it again")
		return nil
	}
	// Flink scripts say CREATE TEMPORARY TABLE/VIEW; every Eddy object
	// lives as long as the pipeline, so the word changes nothing.
	if !p.accept("TEMPORARY") {
		p.accept("TEMP")
	}
	t := p.tok()
	switch {
	case t.is("SOURCE"), t.is("STREAM"):
		p.advance()
		return p.createSource(at, strings.ToUpper(t.text))
	case t.is("TABLE"):
		p.advance()
		return p.createTable(at)
	case t.is("MATERIALIZED"):
		p.advance()
		if !p.expect("VIEW", "after MATERIALIZED") {
			return nil
		}
		return p.createView(at, true)
	case t.is("VIEW"):
		p.advance()
		return p.createView(at, false)
	case t.is("SINK"):
		p.advance()
		return p.createSink(at)
	}
	p.unexpected("SOURCE, STREAM, TABLE, MATERIALIZED VIEW or SINK after CREATE")
	return nil
}

// ifNotExists parses an optional IF NOT EXISTS.
func (p *parser) ifNotExists() bool {
	if !p.tok().is("IF") {
		return false
	}
	p.advance()
	return p.expect("NOT", "in IF NOT EXISTS") && p.expect("EXISTS", "in IF NOT EXISTS")
}

// createSource parses CREATE SOURCE|STREAM name (...) [INCLUDE ...] WITH (...) [FORMAT ...].
func (p *parser) createSource(at Pos, keyword string) Statement {
	p.curKind = ObjectSource
	s := &CreateSource{At: at, Keyword: keyword}
	s.IfNotExists = p.ifNotExists()
	name, ok := p.objectName(ObjectSource)
	if !ok {
		return nil
	}
	s.Name = name
	p.curName = &s.Name
	if !p.tok().isOp("(") {
		p.unexpected(`"(" and the column list after the source name, as in CREATE SOURCE ` + name.String() + " (device VARCHAR, temp DOUBLE) WITH (...)")
		return nil
	}
	if !p.sourceBody(s) {
		return nil
	}
	return s
}

// sourceBody parses (elements) [INCLUDE ...] [WITH (...)] [FORMAT ...].
func (p *parser) sourceBody(s *CreateSource) bool {
	if !p.tableElements(s) {
		return false
	}
	for p.err == nil && p.tok().is("INCLUDE") {
		inc := p.include()
		if inc == nil {
			return false
		}
		s.Includes = append(s.Includes, inc)
	}
	if p.tok().is("WITH") {
		s.Options = p.withOptions()
		if p.err != nil {
			return false
		}
	}
	if p.tok().is("ROW") && p.peek(1).is("FORMAT") {
		p.unsupported("ROW FORMAT is not supported: write FORMAT PLAIN ENCODE JSON")
		return false
	}
	if p.tok().is("FORMAT") {
		s.Format = p.formatSpec()
	}
	return p.err == nil
}

// tableElements parses ( column | WATERMARK | PRIMARY KEY, ... ).
func (p *parser) tableElements(s *CreateSource) bool {
	open := p.advance()
	if p.tok().isOp(")") {
		p.unexpected("at least one column definition")
		return false
	}
	for p.err == nil {
		t := p.tok()
		switch {
		case t.is("WATERMARK") && p.peek(1).is("FOR"):
			if s.Watermark != nil {
				p.fail(t.pos, ErrSyntax, "second WATERMARK: a source has one watermark (first at "+s.Watermark.At.String()+")")
				return false
			}
			p.advance()
			p.advance()
			w := &Watermark{At: t.pos}
			col, ok := p.ident("the event-time column after WATERMARK FOR")
			if !ok || !p.expect("AS", "after WATERMARK FOR "+col.String()+", as in WATERMARK FOR "+col.String()+" AS "+col.String()+" - INTERVAL '5' SECOND") {
				return false
			}
			w.Column = col
			w.Expr = p.expr()
			if p.err != nil {
				return false
			}
			s.Watermark = w
		case t.is("PRIMARY") && p.peek(1).is("KEY"), t.is("CONSTRAINT"):
			if !p.primaryKey(s) {
				return false
			}
		default:
			c := p.columnDef()
			if c == nil {
				return false
			}
			s.Columns = append(s.Columns, c)
		}
		if !p.acceptOp(",") {
			break
		}
	}
	return p.expectOp(")", `or "," after the column definition (the list opened at `+open.pos.String()+")")
}

// primaryKey parses [CONSTRAINT name] PRIMARY KEY (cols) [NOT ENFORCED].
func (p *parser) primaryKey(s *CreateSource) bool {
	pk := &PrimaryKey{At: p.tok().pos}
	if p.accept("CONSTRAINT") {
		name, ok := p.ident("a constraint name after CONSTRAINT")
		if !ok {
			return false
		}
		pk.Constraint = &name
	}
	if !p.expect("PRIMARY", "after the constraint name") || !p.expect("KEY", "after PRIMARY") ||
		!p.expectOp("(", "and the key columns after PRIMARY KEY") {
		return false
	}
	for p.err == nil {
		id, ok := p.ident("a key column")
		if !ok {
			return false
		}
		pk.Columns = append(pk.Columns, id)
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.expectOp(")", "to close PRIMARY KEY (...)") {
		return false
	}
	if p.accept("NOT") {
		if !p.expect("ENFORCED", "after NOT") {
			return false
		}
		pk.NotEnforced = true
	}
	if s.PrimaryKey != nil {
		p.fail(pk.At, ErrSyntax, "second PRIMARY KEY: a source has at most one")
		return false
	}
	s.PrimaryKey = pk
	return true
}

// columnDef parses name type [NOT NULL | NULL | PRIMARY KEY | METADATA ...]
// or name AS expr.
func (p *parser) columnDef() *ColumnDef {
	name, ok := p.ident("a column name")
	if !ok {
		return nil
	}
	c := &ColumnDef{Name: name}
	if p.accept("AS") {
		c.Computed = p.expr()
		if p.err != nil {
			return nil
		}
		return c
	}
	c.Type = p.typeName("a type for column " + name.String() + ", such as VARCHAR, BIGINT, DOUBLE, BOOLEAN, TIMESTAMP or JSONB")
	if p.err != nil {
		return nil
	}
	for p.err == nil {
		t := p.tok()
		switch {
		case t.is("NOT") && p.peek(1).is("NULL"):
			p.advance()
			p.advance()
			c.NotNull = true
		case t.is("NULL"):
			p.advance()
		case t.is("PRIMARY"):
			p.advance()
			if !p.expect("KEY", "after PRIMARY") {
				return nil
			}
			if p.accept("NOT") && !p.expect("ENFORCED", "after NOT") {
				return nil
			}
			c.PrimaryKey = true
		case t.is("METADATA"):
			p.advance()
			c.Metadata = name.Name
			if p.accept("FROM") {
				k := p.tok()
				if k.kind != tokString {
					p.unexpected("a 'key' after METADATA FROM, such as 'timestamp'")
					return nil
				}
				p.advance()
				c.Metadata, c.MetadataFrom = k.val, true
			}
			if p.accept("VIRTUAL") {
				c.Virtual = true
			}
		case t.is("COMMENT"), t.is("DEFAULT"), t.is("GENERATED"):
			p.unsupported(strings.ToUpper(t.text) + " in a column definition is not supported")
			return nil
		default:
			return c
		}
	}
	return nil
}

// include parses INCLUDE what ['inner'] [AS name].
func (p *parser) include() *Include {
	inc := &Include{At: p.advance().pos}
	what, ok := p.anyWord("what to include after INCLUDE: key, timestamp, partition, offset or topic")
	if !ok {
		return nil
	}
	inc.What = what
	if t := p.tok(); t.kind == tokString {
		p.advance()
		inc.Inner = t.val
	}
	if p.accept("AS") {
		alias, ok := p.ident("a column name after AS")
		if !ok {
			return nil
		}
		inc.Alias = &alias
	}
	return inc
}

// options parses WITH ( key = value, ... ) when WITH is the current token.
func (p *parser) withOptions() []*Option {
	p.advance()
	return p.options("WITH")
}

// options parses ( key = value, ... ) after keyword.
func (p *parser) options(keyword string) []*Option {
	if !p.expectOp("(", "after "+keyword+", as in "+keyword+" (connector = 'kafka', topic = 'orders')") {
		return nil
	}
	if p.tok().isOp(")") {
		p.unexpected("at least one option key = 'value'")
		return nil
	}
	var opts []*Option
	for p.err == nil {
		o := p.option()
		if o == nil {
			return nil
		}
		opts = append(opts, o)
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.expectOp(")", `or "," after the option`) {
		return nil
	}
	return opts
}

// option parses key = value, where key is 'quoted' or dotted words.
func (p *parser) option() *Option {
	t := p.tok()
	o := &Option{At: t.pos}
	switch t.kind {
	case tokString:
		p.advance()
		o.Key, o.KeyQuoted = t.val, true
		if o.Key == "" {
			p.fail(t.pos, ErrSyntax, "empty option key: write a name such as 'connector'")
			return nil
		}
	case tokWord, tokQuoted:
		var parts []string
		for p.err == nil {
			w, ok := p.anyWord("an option name after \".\"")
			if !ok {
				return nil
			}
			parts = append(parts, w.Raw)
			if !p.acceptOp(".") {
				break
			}
		}
		o.Key = strings.Join(parts, ".")
	default:
		p.unexpected("an option name, such as connector or 'connector'")
		return nil
	}
	if !p.expectOp("=", "after the option name "+quoteString(o.Key)) {
		return nil
	}
	v := p.tok()
	switch {
	case v.kind == tokString:
		p.advance()
		o.Value = &Literal{Kind: LitString, Text: v.val, At: v.pos}
	case v.kind == tokNumber:
		p.advance()
		o.Value = &Literal{Kind: LitNumber, Text: strings.ToLower(v.text), At: v.pos}
	case v.isOp("-") && p.peek(1).kind == tokNumber:
		p.advance()
		n := p.advance()
		o.Value = &Literal{Kind: LitNumber, Text: "-" + strings.ToLower(n.text), At: v.pos}
	case v.is("TRUE"), v.is("FALSE"):
		p.advance()
		o.Value = &Literal{Kind: LitBool, Text: strings.ToUpper(v.text), At: v.pos}
	case v.is("INTERVAL") && p.peek(1).kind == tokString:
		o.Value = p.intervalLit()
	case v.kind == tokWord && !isReserved(v.text), v.kind == tokQuoted:
		p.advance()
		o.Value = &Ref{Parts: []Ident{newIdent(v)}}
	default:
		p.unexpected("a value after " + quoteString(o.Key) + " =, such as 'text', 42, TRUE or INTERVAL '5' SECOND")
		return nil
	}
	if p.err != nil {
		return nil
	}
	return o
}

// formatSpec parses FORMAT format ENCODE encode [(options)].
func (p *parser) formatSpec() *FormatSpec {
	f := &FormatSpec{At: p.advance().pos}
	var ok bool
	if f.Format, ok = p.anyWord("a format after FORMAT, such as PLAIN"); !ok {
		return nil
	}
	if !p.expect("ENCODE", "after FORMAT "+strings.ToUpper(f.Format.Raw)+", as in FORMAT PLAIN ENCODE JSON") {
		return nil
	}
	if f.Encode, ok = p.anyWord("an encoding after ENCODE, such as JSON"); !ok {
		return nil
	}
	if p.tok().isOp("(") {
		f.Options = p.options("ENCODE " + strings.ToUpper(f.Encode.Raw))
	}
	if p.err != nil {
		return nil
	}
	return f
}

// createTable parses Flink's CREATE TABLE: with a column list a source (or
// a sink table fed by INSERT INTO), without one WITH (...) AS SELECT.
func (p *parser) createTable(at Pos) Statement {
	p.curKind = ObjectTable
	ifne := p.ifNotExists()
	name, ok := p.objectName(ObjectTable)
	if !ok {
		return nil
	}
	p.curName = &name
	if p.tok().isOp("(") {
		s := &CreateSource{At: at, Keyword: "TABLE", IfNotExists: ifne, Name: name}
		if !p.sourceBody(s) {
			return nil
		}
		if p.tok().is("AS") {
			p.unsupported("CREATE TABLE with a column list cannot have AS SELECT: drop the column list; the query defines the columns")
			return nil
		}
		if p.tok().is("LIKE") {
			p.unsupported("CREATE TABLE ... LIKE is not supported")
			return nil
		}
		return s
	}
	s := &CreateSink{At: at, Keyword: "TABLE", IfNotExists: ifne, Name: name}
	if p.tok().is("WITH") {
		s.Options = p.withOptions()
		if p.err != nil {
			return nil
		}
	}
	if !p.expect("AS", "or a column list after CREATE TABLE "+name.String()+
		": CREATE TABLE t (col TYPE, ...) WITH (...) for a source, CREATE TABLE t WITH (...) AS SELECT ... for a sink") {
		return nil
	}
	s.Query = p.selectStmt("after AS")
	if p.err != nil {
		return nil
	}
	return s
}

// createView parses CREATE [MATERIALIZED] VIEW name [WITH (...)] AS SELECT.
func (p *parser) createView(at Pos, materialized bool) Statement {
	p.curKind = ObjectView
	v := &CreateView{At: at, Materialized: materialized}
	v.IfNotExists = p.ifNotExists()
	name, ok := p.objectName(ObjectView)
	if !ok {
		return nil
	}
	v.Name = name
	p.curName = &v.Name
	if p.tok().isOp("(") {
		p.unsupported("a column list on a view is not supported: name the columns with AS in the SELECT")
		return nil
	}
	if p.tok().is("WITH") {
		v.Options = p.withOptions()
		if p.err != nil {
			return nil
		}
	}
	if !p.expect("AS", "after the view name, as in CREATE MATERIALIZED VIEW "+name.String()+" AS SELECT ...") {
		return nil
	}
	v.Query = p.selectStmt("after AS")
	if p.err != nil {
		return nil
	}
	return v
}

// createSink parses CREATE SINK name FROM rel | AS SELECT ... WITH (...) [FORMAT ...].
func (p *parser) createSink(at Pos) Statement {
	p.curKind = ObjectSink
	s := &CreateSink{At: at, Keyword: "SINK"}
	s.IfNotExists = p.ifNotExists()
	name, ok := p.objectName(ObjectSink)
	if !ok {
		return nil
	}
	s.Name = name
	p.curName = &s.Name
	switch {
	case p.tok().is("FROM"):
		p.advance()
		rel, ok := p.objectName(ObjectView)
		if !ok {
			return nil
		}
		s.From = &rel
	case p.tok().is("AS"):
		p.advance()
		s.Query = p.selectStmt("after AS")
		if p.err != nil {
			return nil
		}
	case p.tok().is("INTO"):
		p.unsupported("CREATE SINK ... INTO a table is not supported: write CREATE SINK name FROM view WITH (...)")
		return nil
	case p.tok().isOp("("):
		p.unsupported("a column list on a sink is not supported: select the columns in AS SELECT")
		return nil
	default:
		p.unexpected("FROM view or AS SELECT after the sink name")
		return nil
	}
	if !p.tok().is("WITH") {
		p.unexpected("WITH (connector = ...) after the sink's " + map[bool]string{true: "FROM clause", false: "query"}[s.From != nil])
		return nil
	}
	s.Options = p.withOptions()
	if p.tok().is("FORMAT") {
		s.Format = p.formatSpec()
	}
	if p.err != nil {
		return nil
	}
	return s
}

// objectKind parses the object words after DROP or SHOW (plural for SHOW).
func (p *parser) objectKind(plural bool) (ObjectKind, string, bool) {
	t := p.tok()
	s := ""
	if plural {
		s = "S"
	}
	switch {
	case t.is("SOURCE" + s):
		p.advance()
		return ObjectSource, "SOURCE", true
	case t.is("STREAM" + s):
		p.advance()
		return ObjectSource, "STREAM", true
	case t.is("TABLE" + s):
		p.advance()
		return ObjectTable, "TABLE", true
	case t.is("MATERIALIZED"):
		p.advance()
		if !p.expect("VIEW"+s, "after MATERIALIZED") {
			return 0, "", false
		}
		return ObjectView, "MATERIALIZED VIEW", true
	case t.is("VIEW" + s):
		p.advance()
		return ObjectView, "VIEW", true
	case t.is("SINK" + s):
		p.advance()
		return ObjectSink, "SINK", true
	}
	return 0, "", false
}

// drop parses DROP kind [IF EXISTS] name [CASCADE | RESTRICT].
func (p *parser) drop() Statement {
	d := &Drop{At: p.advance().pos}
	kind, kw, ok := p.objectKind(false)
	if !ok {
		if p.err == nil {
			p.unexpected("SOURCE, MATERIALIZED VIEW, SINK or TABLE after DROP")
		}
		return nil
	}
	d.Kind, d.Keyword = kind, kw
	if p.accept("IF") {
		if !p.expect("EXISTS", "after IF") {
			return nil
		}
		d.IfExists = true
	}
	name, ok := p.objectName(kind)
	if !ok {
		return nil
	}
	d.Name = name
	if p.tok().isOp(",") {
		p.unsupported("DROP of several names is not supported: write one DROP per name")
		return nil
	}
	if p.accept("CASCADE") {
		d.Cascade = true
	} else {
		p.accept("RESTRICT")
	}
	return d
}

// show parses SHOW SOURCES | MATERIALIZED VIEWS | SINKS | TABLES.
func (p *parser) show() Statement {
	s := &Show{At: p.advance().pos}
	kind, _, ok := p.objectKind(true)
	if !ok {
		if p.err == nil {
			p.unexpected("SOURCES, MATERIALIZED VIEWS, SINKS or TABLES after SHOW")
		}
		return nil
	}
	s.Kind = kind
	return s
}

// explain parses EXPLAIN [PLAN FOR] statement, where the statement may also
// be a bare SELECT.
func (p *parser) explain() Statement {
	e := &Explain{At: p.advance().pos}
	if p.accept("PLAN") && !p.expect("FOR", "after EXPLAIN PLAN") {
		return nil
	}
	switch t := p.tok(); {
	case t.is("EXPLAIN"):
		p.unexpected("a statement to explain; EXPLAIN does not nest")
		return nil
	case t.is("SELECT"):
		q := p.selectStmt("")
		if p.err != nil {
			return nil
		}
		e.Stmt = &Query{Select: q}
	default:
		e.Stmt = p.statement()
	}
	if p.err != nil {
		return nil
	}
	return e
}

// insert parses INSERT INTO table SELECT ... (Flink).
func (p *parser) insert() Statement {
	in := &Insert{At: p.advance().pos}
	if !p.expect("INTO", "after INSERT") {
		return nil
	}
	name, ok := p.objectName(ObjectTable)
	if !ok {
		return nil
	}
	in.Table = name
	switch t := p.tok(); {
	case t.isOp("("):
		p.unsupported("a column list in INSERT INTO is not supported: select the columns in the table's order")
		return nil
	case t.is("VALUES"):
		p.unsupported("INSERT ... VALUES is not supported: rows come from sources")
		return nil
	}
	in.Query = p.selectStmt("after INSERT INTO " + name.String())
	if p.err != nil {
		return nil
	}
	return in
}
