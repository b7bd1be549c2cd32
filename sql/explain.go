package sql

import (
	"slices"
	"strings"
	"time"
)

// Explain returns the plan of the source, materialized view or sink name,
// one operator a line, from the source it reads to the view or sink
// itself; false when there is no such object.
//
//	Source orders: kafka topic=orders format=json columns=(merchant_id VARCHAR, ts TIMESTAMP) watermark=ts - 5s
//	Filter: (amount > 0)
//	Window: TUMBLE(ts, size=1m0s)  watermark: ts - 5s  allowed lateness: 0s
//	Aggregate: group by merchant_id; count(*)
//	Having: (count(*) > 1)
//	Project: merchant_id, count(*) AS order_count
//	Emit: on window close
//	Sink order_summary: print
func (c *Catalog) Explain(name string) ([]string, bool) {
	var p planner
	p.c = c
	switch {
	case c.sinks[name] != nil:
		p.sink(c.sinks[name])
	case c.views[name] != nil:
		p.view(c.views[name])
	case c.sources[name] != nil:
		p.source(c.sources[name])
	case c.tables[name] != nil:
		p.table(c.tables[name])
	default:
		return nil, false
	}
	return p.lines, true
}

// explainStmt binds the statement under EXPLAIN without applying it and
// returns its plan.
func (c *Catalog) explainStmt(st Statement) ([]string, ErrorList) {
	p := planner{c: c}
	switch s := st.(type) {
	case *CreateSource:
		src, tbl, errs := c.bindSource(s)
		if len(errs) > 0 {
			return nil, errs
		}
		if tbl != nil {
			p.table(tbl)
		} else {
			p.source(src)
		}
	case *CreateView:
		v, errs, skipped := c.bindQuery(s.Query, s.Name.Name, s, s.Options)
		if skipped || len(errs) > 0 {
			return nil, errs
		}
		p.view(v)
	case *CreateSink:
		k, errs, skipped := c.bindSink(s)
		if skipped || len(errs) > 0 {
			return nil, errs
		}
		p.sink(k)
	case *Insert:
		k, _, errs, _ := c.bindInsert(s)
		if k == nil {
			return nil, errs
		}
		p.sink(k)
	case *Query:
		v, errs, skipped := c.bindQuery(s.Select, "", s, nil)
		if skipped || len(errs) > 0 {
			return nil, errs
		}
		v.Implicit = true
		p.view(v)
	default:
		return nil, ErrorList{newError(st.Pos(), ErrUnsupported, "EXPLAIN shows the plan of CREATE, INSERT INTO and SELECT statements, not of "+stmtName(st))}
	}
	return p.lines, nil
}

// planner writes a plan.
type planner struct {
	c     *Catalog
	lines []string
}

func (p *planner) add(s string) { p.lines = append(p.lines, s) }

func (p *planner) source(s *BoundSource) {
	line := "Source " + quoteName(s.Name) + ": " + s.Connector
	if s.Topic != "" {
		line += " topic=" + s.Topic
	}
	line += " format=" + s.Format + " columns=(" + sourceColumns(s.Columns) + ")"
	if w := s.Watermark; w != nil {
		line += " watermark=" + watermarkText(w.Name, w.OutOfOrderness)
	}
	p.add(line)
}

func (p *planner) table(t *BoundSinkTable) {
	p.add("Sink table " + quoteName(t.Name) + ": " + t.Connector + optionsText(t.Options) + " columns=(" + columnList(t.Columns) + ")")
}

// input writes the plan of the relation a view reads.
func (p *planner) input(v *BoundView) {
	switch {
	case v.FromKind == ObjectSource && p.c.sources[v.From] != nil:
		p.source(p.c.sources[v.From])
	case v.FromKind == ObjectView && p.c.views[v.From] != nil:
		p.view(p.c.views[v.From])
	default:
		p.add(v.FromKind.noun() + " " + quoteName(v.From) + ": columns=(" + columnList(v.Input) + ")")
	}
}

func (p *planner) view(v *BoundView) {
	p.input(v)
	if v.Where != nil {
		p.add("Filter: " + v.Where.String())
	}
	if w := v.Window; w != nil {
		line := "Window: " + w.String()
		if !w.ProcessingTime {
			line += "  watermark: " + watermarkText(w.TimeColumnName, v.Options.OutOfOrderness) +
				"  allowed lateness: " + v.Options.AllowedLateness.String()
			if v.Options.IdleTimeout > 0 {
				line += "  idle timeout: " + v.Options.IdleTimeout.String()
			}
		}
		if v.Options.SessionMaxDuration > 0 {
			line += "  session max duration: " + v.Options.SessionMaxDuration.String()
		}
		p.add(line)
	}
	if v.Aggregating {
		var keys, aggs []string
		for _, k := range v.GroupBy {
			keys = append(keys, k.String())
		}
		for _, a := range v.Aggregates {
			aggs = append(aggs, a.String())
		}
		line := "Aggregate:"
		if len(keys) > 0 {
			line += " group by " + strings.Join(keys, ", ")
			if len(aggs) > 0 {
				line += ";"
			}
		}
		if len(aggs) > 0 {
			line += " " + strings.Join(aggs, ", ")
		}
		p.add(line)
	}
	if v.Having != nil {
		p.add("Having: " + v.Having.String())
	}
	var items []string
	for _, o := range v.Output {
		s := o.Expr.String()
		if s != quoteName(o.Name) {
			s += " AS " + quoteName(o.Name)
		}
		items = append(items, s)
	}
	p.add("Project: " + strings.Join(items, ", "))
	emit := "Emit: " + v.Emit.String()
	if !v.Aggregating {
		emit = "Emit: every row"
	} else if v.Options.EmitInterval > 0 {
		if v.Emit == EmitOnWindowClose {
			emit += ", early results every " + v.Options.EmitInterval.String()
		} else {
			emit += ", at most every " + v.Options.EmitInterval.String()
		}
	}
	p.add(emit)
	if !v.Implicit {
		p.add("Materialized view " + quoteName(v.Name) + ": columns=(" + columnList(v.Columns()) + ")")
	}
}

func (p *planner) sink(k *BoundSink) {
	if k.Query != nil {
		p.view(k.Query)
	} else if v := p.c.views[k.From]; v != nil && k.FromKind == ObjectView {
		p.view(v)
	} else if s := p.c.sources[k.From]; s != nil {
		p.source(s)
	}
	p.add("Sink " + quoteName(k.Name) + ": " + k.Connector + optionsText(k.Options))
}

// optionsText prints a connector's options but the connector: topic
// first, then the others by key.
func optionsText(opts map[string]string) string {
	var b strings.Builder
	if t, ok := opts["topic"]; ok {
		b.WriteString(" topic=" + t)
	}
	for _, k := range keys(opts) {
		if k == "connector" || k == "topic" {
			continue
		}
		b.WriteString(" " + k + "=" + opts[k])
	}
	return b.String()
}

func watermarkText(col string, delay time.Duration) string {
	return quoteName(col) + " - " + delay.String()
}

// sourceColumns prints a source's columns with where the non-payload ones
// come from.
func sourceColumns(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		s := quoteName(c.Name) + " " + c.Type.String()
		switch c.Origin {
		case FromTopic:
			s += " FROM TOPIC {" + c.Field + "}"
		case FromMetadata:
			s += " METADATA " + c.Meta
		case Computed:
			s += " AS " + c.Expr.String()
		case ProcTime:
			s += " AS PROCTIME()"
		}
		if c.NotNull {
			s += " NOT NULL"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// Plan returns the plans of every materialized view and sink, in order of
// definition, as Explain writes them.
func (c *Catalog) Plan() [][]string {
	var names []string
	for n := range c.seq {
		if c.views[n] != nil || c.sinks[n] != nil {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return c.seq[a] - c.seq[b] })
	var out [][]string
	for _, n := range names {
		lines, _ := c.Explain(n)
		out = append(out, lines)
	}
	return out
}
