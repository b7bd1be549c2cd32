package sql

import (
	"strings"
)

// Format prints statements in canonical form, one a line, each ended by
// ";". Two scripts that format the same define the same pipeline; parsing
// the output gives the same statements.
func Format(stmts []Statement) string {
	var b strings.Builder
	for _, st := range stmts {
		b.WriteString(st.String())
		b.WriteString(";\n")
	}
	return b.String()
}

func (s *CreateSource) String() string {
	var b strings.Builder
	b.WriteString("CREATE " + s.Keyword + " ")
	if s.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(s.Name.String())
	b.WriteString(" (")
	n := 0
	sep := func() {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
	}
	for _, c := range s.Columns {
		sep()
		b.WriteString(c.String())
	}
	if w := s.Watermark; w != nil {
		sep()
		b.WriteString("WATERMARK FOR " + w.Column.String() + " AS " + w.Expr.String())
	}
	if pk := s.PrimaryKey; pk != nil {
		sep()
		if pk.Constraint != nil {
			b.WriteString("CONSTRAINT " + pk.Constraint.String() + " ")
		}
		b.WriteString("PRIMARY KEY (")
		for i, c := range pk.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.String())
		}
		b.WriteByte(')')
		if pk.NotEnforced {
			b.WriteString(" NOT ENFORCED")
		}
	}
	b.WriteByte(')')
	for _, inc := range s.Includes {
		b.WriteString(" INCLUDE " + inc.What.String())
		if inc.Inner != "" {
			b.WriteString(" " + quoteString(inc.Inner))
		}
		if inc.Alias != nil {
			b.WriteString(" AS " + inc.Alias.String())
		}
	}
	writeOptions(&b, " WITH", s.Options)
	writeFormat(&b, s.Format)
	return b.String()
}

// String prints one column definition.
func (c *ColumnDef) String() string {
	if c.Computed != nil {
		return c.Name.String() + " AS " + c.Computed.String()
	}
	s := c.Name.String() + " " + c.Type.String()
	if c.NotNull {
		s += " NOT NULL"
	}
	if c.PrimaryKey {
		s += " PRIMARY KEY"
	}
	if c.Metadata != "" {
		s += " METADATA"
		if c.MetadataFrom {
			s += " FROM " + quoteString(c.Metadata)
		}
		if c.Virtual {
			s += " VIRTUAL"
		}
	}
	return s
}

// String prints key = value.
func (o *Option) String() string {
	key := o.Key
	if o.KeyQuoted || !dottedWords(o.Key) {
		key = quoteString(o.Key)
	}
	return key + " = " + o.Value.String()
}

// dottedWords reports whether key reads back as unquoted dotted words.
func dottedWords(key string) bool {
	for _, part := range strings.Split(key, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
				return false
			}
		}
	}
	return true
}

func writeOptions(b *strings.Builder, keyword string, opts []*Option) {
	if len(opts) == 0 {
		return
	}
	b.WriteString(keyword + " (")
	for i, o := range opts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(o.String())
	}
	b.WriteByte(')')
}

func writeFormat(b *strings.Builder, f *FormatSpec) {
	if f == nil {
		return
	}
	b.WriteString(" FORMAT " + upperWord(f.Format) + " ENCODE " + upperWord(f.Encode))
	writeOptions(b, "", f.Options)
}

// upperWord prints an unquoted keyword-like identifier in upper case.
func upperWord(id Ident) string {
	if id.Quoted {
		return id.String()
	}
	return strings.ToUpper(id.Raw)
}

func (v *CreateView) String() string {
	var b strings.Builder
	if v.Materialized {
		b.WriteString("CREATE MATERIALIZED VIEW ")
	} else {
		b.WriteString("CREATE VIEW ")
	}
	if v.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(v.Name.String())
	writeOptions(&b, " WITH", v.Options)
	b.WriteString(" AS ")
	b.WriteString(v.Query.String())
	return b.String()
}

func (s *CreateSink) String() string {
	var b strings.Builder
	b.WriteString("CREATE " + s.Keyword + " ")
	if s.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(s.Name.String())
	if s.Keyword == "TABLE" {
		writeOptions(&b, " WITH", s.Options)
		b.WriteString(" AS " + s.Query.String())
		return b.String()
	}
	if s.From != nil {
		b.WriteString(" FROM " + s.From.String())
	} else {
		b.WriteString(" AS " + s.Query.String())
	}
	writeOptions(&b, " WITH", s.Options)
	writeFormat(&b, s.Format)
	return b.String()
}

func (s *Insert) String() string {
	return "INSERT INTO " + s.Table.String() + " " + s.Query.String()
}

func (d *Drop) String() string {
	s := "DROP " + d.Keyword + " "
	if d.IfExists {
		s += "IF EXISTS "
	}
	s += d.Name.String()
	if d.Cascade {
		s += " CASCADE"
	}
	return s
}

func (s *Show) String() string {
	switch s.Kind {
	case ObjectSource:
		return "SHOW SOURCES"
	case ObjectView:
		return "SHOW MATERIALIZED VIEWS"
	case ObjectSink:
		return "SHOW SINKS"
	}
	return "SHOW TABLES"
}

func (e *Explain) String() string    { return "EXPLAIN " + e.Stmt.String() }
func (q *Query) String() string      { return q.Select.String() }
func (*BadStatement) String() string { return "/* statement with a syntax error */" }

func (s *Select) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, it := range s.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.String())
	}
	b.WriteString(" FROM ")
	b.WriteString(s.From.String())
	if s.Where != nil {
		b.WriteString(" WHERE " + s.Where.String())
	}
	if len(s.GroupBy) > 0 {
		b.WriteString(" GROUP BY ")
		writeList(&b, s.GroupBy)
	}
	if s.Having != nil {
		b.WriteString(" HAVING " + s.Having.String())
	}
	if s.EmitOnWindowClose {
		b.WriteString(" EMIT ON WINDOW CLOSE")
	}
	return b.String()
}

func (s *Select) Pos() Pos { return s.At }

func (it *SelectItem) String() string {
	if it.Star {
		if it.Qualifier != nil {
			return it.Qualifier.String() + ".*"
		}
		return "*"
	}
	s := it.Expr.String()
	if it.Alias != nil {
		s += " AS " + it.Alias.String()
	}
	return s
}

func (f *From) Pos() Pos { return f.At }

func (f *From) String() string {
	var b strings.Builder
	if f.Window == NoWindow {
		b.WriteString(f.Relation.String())
	} else {
		if f.TVF {
			b.WriteString("TABLE(")
		}
		b.WriteString(f.Window.String() + "(")
		if f.TVF {
			b.WriteString("TABLE ")
		}
		b.WriteString(f.Relation.String())
		if len(f.PartitionBy) > 0 {
			b.WriteString(" PARTITION BY (")
			for i, c := range f.PartitionBy {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(c.String())
			}
			b.WriteByte(')')
		}
		b.WriteString(", ")
		if f.TVF {
			b.WriteString("DESCRIPTOR(" + f.TimeCol.String() + ")")
		} else {
			b.WriteString(f.TimeCol.String())
		}
		for _, a := range f.Args {
			b.WriteString(", ")
			writeExpr(&b, a, precLowest)
		}
		b.WriteByte(')')
		if f.TVF {
			b.WriteByte(')')
		}
	}
	if f.Alias != nil {
		b.WriteString(" AS " + f.Alias.String())
	}
	return b.String()
}
