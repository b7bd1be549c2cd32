package alerts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sql/eval"
)

// Views gives the columns of each view rules may watch. ViewsOf builds it
// from a SQL catalog; New adds AgentsView when it is missing.
type Views map[string][]sql.Column

// ViewsOf returns the columns of every source and materialized view of c.
func ViewsOf(c *sql.Catalog) Views {
	v := Views{}
	for _, s := range c.Sources() {
		v[s.Name] = s.Columns
	}
	for _, bv := range c.Views() {
		if !bv.Implicit {
			v[bv.Name] = bv.Columns()
		}
	}
	return v
}

// binder compiles a rule's expressions over one view. Package sql binds
// expressions only inside statements, so the binder declares the view as a
// source in a private catalog and binds each expression as the only output
// column of a view over it: the expression sits alone on line 2, so an error's
// position maps back to the rule file.
type binder struct {
	cat  *sql.Catalog
	cols []sql.Column
	n    int
}

func newBinder(view string, cols []sql.Column) (*binder, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SOURCE %s (", quoteIdent(view))
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		t := c.Type
		if t == sql.TypeNull || t == sql.TypeInterval {
			t = sql.TypeJSON // no column has these; JSONB stands for "any"
		}
		fmt.Fprintf(&b, "%s %s", quoteIdent(c.Name), t)
	}
	b.WriteString(") WITH (connector = 'mqtt', topic = 'eddy/alerts')")
	cat := sql.NewCatalog()
	if errs := cat.Exec("view "+view, b.String()); len(errs) > 0 {
		return nil, fmt.Errorf("declaring view %q for its rules: %w", view, errs.Err())
	}
	return &binder{cat: cat, cols: cols}, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// bind compiles the expression of field (its text src) of rule r.
func (b *binder) bind(r *Rule, field, src string) (*eval.Expr, sql.BoundExpr, error) {
	if _, err := sql.ParseExpr(src); err != nil {
		return nil, nil, b.sqlErr(r, field, err, 1)
	}
	b.n++
	name := fmt.Sprintf("__alert_%d", b.n)
	text := fmt.Sprintf("CREATE MATERIALIZED VIEW %s AS SELECT\n%s\nAS v FROM %s", name, src, quoteIdent(r.View))
	if errs := b.cat.Exec("", text); len(errs) > 0 {
		return nil, nil, b.sqlErr(r, field, errs.Err(), 2)
	}
	v := b.cat.View(name)
	if v == nil || len(v.Output) != 1 {
		return nil, nil, r.fieldErrorf(field, "%q is not one expression", src)
	}
	if v.Aggregating {
		return nil, nil, r.fieldErrorf(field, "aggregates (count, avg, ...) belong in the view; the rule sees its rows one by one")
	}
	bound := v.Output[0].Expr
	x, err := eval.Compile(bound)
	if err != nil {
		return nil, nil, r.fieldErrorf(field, "%v", err)
	}
	return x, bound, nil
}

// boolean compiles a condition; it must be true or false.
func (b *binder) boolean(r *Rule, field, src string) (*eval.Expr, sql.BoundExpr, error) {
	x, bound, err := b.bind(r, field, src)
	if err != nil {
		return nil, nil, err
	}
	if t := bound.Type(); t != sql.TypeBool && t != sql.TypeJSON && t != sql.TypeNull {
		return nil, nil, r.fieldErrorf(field, "%q is %s, not true or false: write a comparison such as %s > 40", src, t, src)
	}
	return x, bound, nil
}

// sqlErr renders SQL errors at their place in the rule file: the
// expression's text starts on line exprLine of the SQL that was bound.
func (b *binder) sqlErr(r *Rule, field string, err error, exprLine int) error {
	var list sql.ErrorList
	var one *sql.Error
	var all []*sql.Error
	switch {
	case errors.As(err, &list):
		all = list
	case errors.As(err, &one):
		all = []*sql.Error{one}
	default:
		return r.fieldErrorf(field, "%v", err)
	}
	at := r.exprAt[field]
	if at == (Pos{}) {
		at = r.At
	}
	var msgs []string
	for _, e := range all {
		p := at
		if e.Pos.Line == exprLine && !at.Block && at.Col > 0 {
			p.Col = at.Col + at.Shift + e.Pos.Col - 1
		} else if e.Pos.Line >= exprLine && at.Block && at.Line > 0 {
			p.Line, p.Col = at.Line+1+e.Pos.Line-exprLine, 0
		} else {
			p.Col = 0
		}
		msgs = append(msgs, fmt.Sprintf("%s: rule %q: %s: %s", p, r.Name, field, e.Msg))
	}
	return fmt.Errorf("%w: %s", ErrRule, strings.Join(msgs, "\n"))
}

// leftOperand is the left side of a comparison, the value a threshold rule
// shows by default; nil when the condition is something else.
func leftOperand(e sql.BoundExpr) sql.BoundExpr {
	op, ok := e.(*sql.OpExpr)
	if !ok || len(op.Args) != 2 {
		return nil
	}
	switch op.Op {
	case sql.OpEq, sql.OpNe, sql.OpLt, sql.OpLe, sql.OpGt, sql.OpGe:
		if _, isConst := op.Args[0].(*sql.Const); !isConst {
			return op.Args[0]
		}
	}
	return nil
}
