package eval

import (
	"fmt"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// fn is a compiled expression: a closure over its compiled children.
type fn func(env *Env) windows.Value

// node is one compiled subexpression with its static type. konst is set
// when it does not depend on the Env; v is then its value.
type node struct {
	f     fn
	t     sql.Type
	konst bool
	v     windows.Value
}

// Expr is a compiled bound expression. It is immutable and safe for
// concurrent use with distinct Envs.
type Expr struct {
	n   node
	src string
}

// Compile turns a bound expression into a tree of closures. It fails only
// for an expression it does not know (ErrUnsupported), never for its
// values: runtime errors go to Env.Err.
func Compile(e sql.BoundExpr) (*Expr, error) {
	n, err := compile(e)
	if err != nil {
		return nil, err
	}
	return &Expr{n: n, src: e.String()}, nil
}

// Eval computes the expression over env. The result has the kind of the
// expression's type (sql.Type.Kind) or is NULL; a JSONB result is compact
// JSON text.
func (x *Expr) Eval(env *Env) windows.Value { return x.n.f(env) }

// Bool computes a condition with SQL truth: NULL (and anything that is not
// true) is false. A JSONB value is true when it is the JSON literal true.
func (x *Expr) Bool(env *Env) bool {
	return truth(x.n.f(env), x.n.t)
}

// Type is the static type of the expression.
func (x *Expr) Type() sql.Type { return x.n.t }

// String is the bound expression the Expr was compiled from.
func (x *Expr) String() string { return x.src }

func truth(v windows.Value, t sql.Type) bool {
	switch v.Kind {
	case windows.KindBool:
		return v.I != 0
	case windows.KindString:
		if t == sql.TypeJSON {
			return v.S == "true"
		}
	}
	return false
}

func constNode(v windows.Value, t sql.Type) node {
	return node{f: func(*Env) windows.Value { return v }, t: t, konst: true, v: v}
}

func compile(e sql.BoundExpr) (node, error) {
	switch e := e.(type) {
	case *sql.Const:
		return constNode(e.V, e.T), nil
	case *sql.ColumnRef:
		i, t := e.Index, e.T
		return node{f: func(env *Env) windows.Value {
			if uint(i) < uint(len(env.Row)) {
				return env.Row[i]
			}
			return windows.Null
		}, t: t}, nil
	case *sql.GroupRef:
		i := e.Index
		return node{f: func(env *Env) windows.Value {
			if uint(i) < uint(len(env.Keys)) {
				return env.Keys[i]
			}
			return windows.Null
		}, t: e.T}, nil
	case *sql.AggRef:
		i := e.Index
		return node{f: func(env *Env) windows.Value {
			if uint(i) < uint(len(env.Aggs)) {
				return env.Aggs[i]
			}
			return windows.Null
		}, t: e.T}, nil
	case *sql.WindowRef:
		if e.End {
			return node{f: func(env *Env) windows.Value { return windows.Int(env.WindowEnd) }, t: sql.TypeTimestamp}, nil
		}
		return node{f: func(env *Env) windows.Value { return windows.Int(env.WindowStart) }, t: sql.TypeTimestamp}, nil
	case *sql.OpExpr:
		args, err := compileList(e.Args)
		if err != nil {
			return node{}, err
		}
		n, err := compileOp(e.Op, args, e.T)
		if err != nil {
			return node{}, err
		}
		return fold(n, args), nil
	case *sql.FuncExpr:
		args, err := compileList(e.Args)
		if err != nil {
			return node{}, err
		}
		n, err := compileFunc(e.Name, args, e.T)
		if err != nil {
			return node{}, err
		}
		if e.Name == "proctime" {
			return n, nil
		}
		return fold(n, args), nil
	case *sql.BoundCast:
		x, err := compile(e.X)
		if err != nil {
			return node{}, err
		}
		return fold(castNode(x, e.To), []node{x}), nil
	case *sql.CaseWhen:
		return compileCase(e)
	case *sql.JSONGet:
		return compileJSONGet(e)
	case nil:
		return node{}, fmt.Errorf("%w: nil expression", ErrUnsupported)
	}
	return node{}, fmt.Errorf("%w: %T (%s)", ErrUnsupported, e, e.String())
}

func compileList(list []sql.BoundExpr) ([]node, error) {
	out := make([]node, len(list))
	for i, a := range list {
		n, err := compile(a)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// fold evaluates n once when all its arguments are constants, unless that
// fails: a failing constant expression keeps failing at run time, where the
// error reaches the dead letters with its row.
func fold(n node, args []node) node {
	for _, a := range args {
		if !a.konst {
			return n
		}
	}
	var env Env
	v := n.f(&env)
	if env.Err != nil {
		return n
	}
	return constNode(v, n.t)
}

// as converts n to type t where the binder unified differing types (int
// and float branches of a CASE, a JSONB argument of a typed function).
func as(n node, t sql.Type) node {
	if n.t == t || t == sql.TypeNull || n.t == sql.TypeNull || t == sql.TypeJSON {
		return n
	}
	return fold(castNode(n, t), []node{n})
}
