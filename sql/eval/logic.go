package eval

import (
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Three-valued logic: a condition is TRUE, FALSE or NULL (unknown).
// AND is FALSE if either side is FALSE, OR is TRUE if either side is TRUE,
// and otherwise NULL when a side is NULL. The right side is not evaluated
// when the left decides (so its runtime errors do not count either).

// tri reads a condition's value: 1 true, 0 false, -1 NULL. A JSONB value
// is decoded; anything that is not a boolean is NULL.
func tri(v windows.Value) int {
	switch v.Kind {
	case windows.KindBool:
		if v.I != 0 {
			return 1
		}
		return 0
	case windows.KindString:
		switch decodeJSON(v).Kind {
		case windows.KindBool:
			if v.S == "true" {
				return 1
			}
			return 0
		}
	}
	return -1
}

func compileAnd(a, b node) node {
	af, bf := a.f, b.f
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		x := tri(af(env))
		if x == 0 {
			return windows.Bool(false)
		}
		y := tri(bf(env))
		switch {
		case y == 0:
			return windows.Bool(false)
		case x < 0 || y < 0:
			return windows.Null
		}
		return windows.Bool(true)
	}}
}

func compileOr(a, b node) node {
	af, bf := a.f, b.f
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		x := tri(af(env))
		if x == 1 {
			return windows.Bool(true)
		}
		y := tri(bf(env))
		switch {
		case y == 1:
			return windows.Bool(true)
		case x < 0 || y < 0:
			return windows.Null
		}
		return windows.Bool(false)
	}}
}

func compileNot(a node) node {
	af := a.f
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		x := tri(af(env))
		if x < 0 {
			return windows.Null
		}
		return windows.Bool(x == 0)
	}}
}

// compileIs is IS [NOT] NULL / TRUE / FALSE: never NULL itself.
func compileIs(op sql.Op, a node) node {
	af := a.f
	isJSON := a.t == sql.TypeJSON
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		v := af(env)
		var r bool
		switch op {
		case sql.OpIsNull, sql.OpIsNotNull:
			// A JSONB null is stored as SQL NULL; the text "null" is
			// also NULL.
			r = v.Kind == windows.KindNull || isJSON && v.Kind == windows.KindString && v.S == "null"
			if op == sql.OpIsNotNull {
				r = !r
			}
		case sql.OpIsTrue, sql.OpIsNotTrue:
			r = tri(v) == 1
			if op == sql.OpIsNotTrue {
				r = !r
			}
		case sql.OpIsFalse, sql.OpIsNotFalse:
			r = tri(v) == 0
			if op == sql.OpIsNotFalse {
				r = !r
			}
		}
		return windows.Bool(r)
	}}
}

// compileCase evaluates the WHEN conditions in order and the result of the
// first true one; ELSE or NULL when none is.
func compileCase(e *sql.CaseWhen) (node, error) {
	conds := make([]fn, len(e.Whens))
	results := make([]fn, len(e.Whens))
	var all []node
	for i, w := range e.Whens {
		c, err := compile(w.Cond)
		if err != nil {
			return node{}, err
		}
		r, err := compile(w.Result)
		if err != nil {
			return node{}, err
		}
		r = as(r, e.T)
		conds[i], results[i] = c.f, r.f
		all = append(all, c, r)
	}
	var els fn
	if e.Else != nil {
		x, err := compile(e.Else)
		if err != nil {
			return node{}, err
		}
		x = as(x, e.T)
		els = x.f
		all = append(all, x)
	}
	n := node{t: e.T, f: func(env *Env) windows.Value {
		for i, c := range conds {
			if tri(c(env)) == 1 {
				return results[i](env)
			}
		}
		if els != nil {
			return els(env)
		}
		return windows.Null
	}}
	return fold(n, all), nil
}
