package sql

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Catalog is the set of sources, materialized views and sinks a pipeline
// defines, built by executing SQL scripts with Exec. Sources, views and
// sinks share one namespace. A Catalog is not safe for concurrent use.
type Catalog struct {
	sources map[string]*BoundSource
	views   map[string]*BoundView
	sinks   map[string]*BoundSink
	// tables are Flink sink tables, CREATE TABLE t (...) WITH
	// ('connector' = 'print'); once INSERT INTO feeds one, its sink is in
	// sinks under the same name.
	tables map[string]*BoundSinkTable
	// seq numbers every name in order of definition.
	seq  map[string]int
	next int
	// failed names the objects whose statement had an error, so that the
	// statements that read them are skipped instead of reporting an
	// unknown name. Set by a failed CREATE, cleared by a good one or DROP.
	failed  map[string]bool
	results []Result
}

// Result is what one SHOW or EXPLAIN statement produced.
type Result struct {
	Pos  Pos
	Stmt Statement // *Show or *Explain
	// Lines are the names of SHOW, in definition order, or the plan of
	// EXPLAIN, one operator a line.
	Lines []string
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{
		sources: map[string]*BoundSource{},
		views:   map[string]*BoundView{},
		sinks:   map[string]*BoundSink{},
		tables:  map[string]*BoundSinkTable{},
		seq:     map[string]int{},
		failed:  map[string]bool{},
	}
}

// Exec parses and binds a script of ";"-separated statements, applying
// them in order. It goes on after an error so that every error is
// reported; a statement that reads, feeds or drops an object whose own
// statement failed is skipped without an error of its own. The errors
// are sorted by position and name file ("file:line:col: message"). SHOW
// and EXPLAIN statements leave their output in Results.
func (c *Catalog) Exec(file, src string) ErrorList {
	c.results = nil
	stmts, err := Parse(src)
	var errs ErrorList
	if l, ok := err.(ErrorList); ok {
		errs = append(errs, l...)
	}
	for _, st := range stmts {
		errs = append(errs, c.exec(st)...)
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return cmp.Compare(a.Pos.Offset, b.Pos.Offset) })
	for _, e := range errs {
		e.File = file
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Results returns the output of the SHOW and EXPLAIN statements of the
// last Exec, in order.
func (c *Catalog) Results() []Result { return c.results }

// exec applies one statement.
func (c *Catalog) exec(st Statement) ErrorList {
	switch s := st.(type) {
	case *BadStatement:
		if s.Name != nil {
			c.failed[s.Name.Name] = true
		}
	case *CreateSource:
		if ok, errs := c.claim(s.Name, s.IfNotExists, ObjectSource); !ok {
			return errs
		}
		src, tbl, errs := c.bindSource(s)
		if len(errs) > 0 {
			return c.fail(s.Name.Name, errs)
		}
		if tbl != nil {
			c.tables[tbl.Name] = tbl
		} else {
			c.sources[src.Name] = src
		}
		c.add(s.Name.Name)
	case *CreateView:
		if ok, errs := c.claim(s.Name, s.IfNotExists, ObjectView); !ok {
			return errs
		}
		v, errs, skipped := c.bindQuery(s.Query, s.Name.Name, s, s.Options)
		if skipped || len(errs) > 0 {
			return c.fail(s.Name.Name, errs)
		}
		c.views[v.Name] = v
		c.add(v.Name)
	case *CreateSink:
		if ok, errs := c.claim(s.Name, s.IfNotExists, ObjectSink); !ok {
			return errs
		}
		k, errs, skipped := c.bindSink(s)
		if skipped || len(errs) > 0 {
			return c.fail(s.Name.Name, errs)
		}
		c.sinks[k.Name] = k
		c.add(k.Name)
	case *Insert:
		k, tbl, errs, _ := c.bindInsert(s)
		if len(errs) > 0 || k == nil {
			return errs
		}
		if tbl != nil { // a Flink Kafka/MQTT table turned out to be written
			delete(c.sources, tbl.Name)
			c.tables[tbl.Name] = tbl
		}
		c.tables[k.Name].Sink = k
		c.sinks[k.Name] = k
	case *Drop:
		return c.drop(s)
	case *Show:
		c.results = append(c.results, Result{Pos: s.At, Stmt: s, Lines: c.Show(s.Kind)})
	case *Explain:
		lines, errs := c.explainStmt(s.Stmt)
		if len(errs) > 0 {
			return errs
		}
		if lines != nil {
			c.results = append(c.results, Result{Pos: s.At, Stmt: s, Lines: lines})
		}
	}
	return nil
}

// fail records that the statement creating name failed.
func (c *Catalog) fail(name string, errs ErrorList) ErrorList {
	c.failed[name] = true
	return errs
}

func (c *Catalog) add(name string) {
	delete(c.failed, name)
	c.next++
	c.seq[name] = c.next
}

// kindOf says what name is: ObjectSource, ObjectView, ObjectSink (a sink
// or a sink table), or 0.
func (c *Catalog) kindOf(name string) ObjectKind {
	switch {
	case c.sources[name] != nil:
		return ObjectSource
	case c.views[name] != nil:
		return ObjectView
	case c.sinks[name] != nil, c.tables[name] != nil:
		return ObjectSink
	}
	return 0
}

func (c *Catalog) posOf(name string) Pos {
	switch {
	case c.sources[name] != nil:
		return c.sources[name].Pos
	case c.views[name] != nil:
		return c.views[name].Pos
	case c.tables[name] != nil:
		return c.tables[name].Pos
	case c.sinks[name] != nil:
		return c.sinks[name].Pos
	}
	return Pos{}
}

// claim checks that a CREATE may use the name. It returns false when the
// statement must not run: with an error, or silently for IF NOT EXISTS.
func (c *Catalog) claim(id Ident, ifNotExists bool, creating ObjectKind) (bool, ErrorList) {
	kind := c.kindOf(id.Name)
	if kind == 0 {
		return true, nil
	}
	if ifNotExists {
		return false, nil
	}
	return false, ErrorList{newError(id.At, ErrExists, "cannot create "+creating.noun()+" "+strconv.Quote(id.Name)+
		": a "+kind.noun()+" of that name exists (defined at "+c.posOf(id.Name).String()+"); DROP "+kind.String()+" "+
		id.String()+" first, or write CREATE ... IF NOT EXISTS to keep it")}
}

// relation returns the columns of the source or view name as a query
// sees them, its kind, and its watermark (nil when none).
func (c *Catalog) relation(name string) (cols []Column, kind ObjectKind, wm *BoundWatermark, ok bool) {
	if s, found := c.sources[name]; found {
		return s.Columns, ObjectSource, s.Watermark, true
	}
	if v, found := c.views[name]; found {
		return v.Columns(), ObjectView, c.viewWatermark(v), true
	}
	return nil, 0, nil, false
}

// viewWatermark carries the watermark of a view's input through a view
// that passes rows on (no aggregate) and selects the event-time column
// unchanged, so that a windowed view can read a filtering view.
func (c *Catalog) viewWatermark(v *BoundView) *BoundWatermark {
	if v.Aggregating {
		return nil
	}
	_, _, in, _ := c.relation(v.From)
	if in == nil {
		return nil
	}
	for i, o := range v.Output {
		if r, ok := o.Expr.(*ColumnRef); ok && r.Index == in.Column {
			return &BoundWatermark{Column: i, Name: o.Name, OutOfOrderness: in.OutOfOrderness}
		}
	}
	return nil
}

// relationNames returns the names a query can read, for suggestions.
func (c *Catalog) relationNames() []string {
	return append(keys(c.sources), keys(c.views)...)
}

// bySeq returns the values of m in order of definition.
func bySeq[V any](c *Catalog, m map[string]V) []V {
	names := keys(m)
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(c.seq[a], c.seq[b]) })
	out := make([]V, len(names))
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

// Sources returns the sources, in order of definition.
func (c *Catalog) Sources() []*BoundSource { return bySeq(c, c.sources) }

// Views returns the materialized views, in order of definition; the
// implicit queries of sinks are not among them (see BoundSink.Query).
func (c *Catalog) Views() []*BoundView { return bySeq(c, c.views) }

// Sinks returns the sinks, in order of definition. A sink table that no
// INSERT INTO feeds yet is not among them.
func (c *Catalog) Sinks() []*BoundSink { return bySeq(c, c.sinks) }

// SinkTables returns Flink's sink tables (CREATE TABLE t (...) WITH a sink
// connector), fed by INSERT INTO or not, in order of definition.
func (c *Catalog) SinkTables() []*BoundSinkTable { return bySeq(c, c.tables) }

// Source returns the source name, or nil.
func (c *Catalog) Source(name string) *BoundSource { return c.sources[name] }

// View returns the materialized view name, or nil.
func (c *Catalog) View(name string) *BoundView { return c.views[name] }

// Sink returns the sink name, or nil.
func (c *Catalog) Sink(name string) *BoundSink { return c.sinks[name] }

// Show returns the names SHOW lists, in order of definition: SOURCES,
// MATERIALIZED VIEWS, SINKS (every sink, and every sink table), or TABLES
// (every object made by a CREATE TABLE).
func (c *Catalog) Show(kind ObjectKind) []string {
	var names []string
	for n := range c.seq {
		keep := false
		switch kind {
		case ObjectSource:
			keep = c.sources[n] != nil
		case ObjectView:
			keep = c.views[n] != nil
		case ObjectSink:
			keep = c.sinks[n] != nil || c.tables[n] != nil
		case ObjectTable:
			if s := c.sources[n]; s != nil {
				keep = s.Stmt.Keyword == "TABLE"
			}
			if k := c.sinks[n]; k != nil {
				cs, ok := k.Stmt.(*CreateSink)
				keep = ok && cs.Keyword == "TABLE"
			}
			keep = keep || c.tables[n] != nil
		}
		if keep {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(c.seq[a], c.seq[b]) })
	return names
}

// dependent is an object that reads another.
type dependent struct {
	kind ObjectKind
	name string
}

func (d dependent) String() string { return d.kind.noun() + " " + strconv.Quote(d.name) }

// dependents returns the views and sinks that read name, in order of
// definition.
func (c *Catalog) dependents(name string) []dependent {
	var out []dependent
	for _, v := range c.Views() {
		if v.From == name {
			out = append(out, dependent{ObjectView, v.Name})
		}
	}
	for _, k := range c.Sinks() {
		if k.Reads() == name {
			out = append(out, dependent{ObjectSink, k.Name})
		}
	}
	slices.SortStableFunc(out, func(a, b dependent) int { return cmp.Compare(c.seq[a.name], c.seq[b.name]) })
	return out
}

// readers describes the dependents of name for messages.
func (c *Catalog) readers(name string) []string {
	var out []string
	for _, d := range c.dependents(name) {
		out = append(out, d.String())
	}
	return out
}

// drop applies DROP.
func (c *Catalog) drop(d *Drop) ErrorList {
	name := d.Name.Name
	kind := c.kindOf(name)
	if kind == 0 {
		if c.failed[name] {
			delete(c.failed, name)
			return nil
		}
		if d.IfExists {
			return nil
		}
		var names []string
		for n := range c.seq {
			if d.Kind == ObjectTable || c.kindOf(n) == d.Kind {
				names = append(names, n)
			}
		}
		return ErrorList{newError(d.Name.At, ErrUnknownRelation, "unknown "+d.Kind.noun()+" "+strconv.Quote(name)+
			didYouMean(name, names)+"; write DROP "+d.Keyword+" IF EXISTS "+d.Name.String()+" if it may not exist")}
	}
	if d.Kind != kind && !(d.Kind == ObjectTable && kind != ObjectView) {
		return ErrorList{newError(d.Name.At, ErrUnknownRelation, strconv.Quote(name)+" is a "+kind.noun()+
			", not a "+d.Kind.noun()+": write DROP "+kind.String()+" "+d.Name.String())}
	}
	deps := c.dependents(name)
	if len(deps) > 0 && !d.Cascade {
		var what, stmts []string
		for _, dep := range deps {
			what = append(what, dep.String())
			stmts = append(stmts, "DROP "+dep.kind.String()+" "+quoteName(dep.name))
		}
		verb := "reads"
		if len(deps) > 1 {
			verb = "read"
		}
		return ErrorList{newError(d.Name.At, ErrDependency, "cannot drop "+kind.noun()+" "+strconv.Quote(name)+": "+
			joinAnd(what)+" "+verb+" it; drop "+map[bool]string{true: "it", false: "them"}[len(deps) == 1]+
			" first ("+strings.Join(stmts, "; ")+"), or write DROP "+d.Keyword+" "+d.Name.String()+" CASCADE")}
	}
	c.dropCascade(name)
	return nil
}

// dropCascade removes name and everything that reads it.
func (c *Catalog) dropCascade(name string) {
	for _, dep := range c.dependents(name) {
		c.dropCascade(dep.name)
	}
	delete(c.sources, name)
	delete(c.views, name)
	delete(c.sinks, name)
	delete(c.tables, name)
	delete(c.seq, name)
	delete(c.failed, name)
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(list []string) string {
	if len(list) <= 1 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}
