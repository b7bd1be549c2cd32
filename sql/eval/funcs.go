package eval

import (
	"fmt"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// builder compiles one scalar function from its compiled arguments and
// result type; it may reject a constant argument it cannot use.
type builder func(args []node, t sql.Type) (node, error)

// funcs maps the binder's canonical function names (sql/functions.go) to
// their builders. Each family lives in its own file: funcs_math.go,
// funcs_string.go, funcs_time.go.
var funcs = func() map[string]builder {
	m := map[string]builder{
		"coalesce": buildCoalesce, "nullif": buildNullif,
		"greatest": buildExtreme(1), "least": buildExtreme(-1),
	}
	for _, family := range []map[string]builder{mathFuncs, stringFuncs, timeFuncs} {
		for name, b := range family {
			m[name] = b
		}
	}
	return m
}()

func compileFunc(name string, args []node, t sql.Type) (node, error) {
	b, ok := funcs[name]
	if !ok {
		return node{}, fmt.Errorf("%w: function %s", ErrUnsupported, name)
	}
	return b(args, t)
}

// argCount checks the number of arguments a builder received.
func argCount(name string, args []node, min, max int) error {
	if len(args) < min || max >= 0 && len(args) > max {
		return fmt.Errorf("%w: %s with %d arguments", ErrUnsupported, name, len(args))
	}
	return nil
}

func fns(args []node, t sql.Type) []fn {
	out := make([]fn, len(args))
	for i, a := range args {
		out[i] = as(a, t).f
	}
	return out
}

// coalesce returns its first non-NULL argument, evaluating no further.
func buildCoalesce(args []node, t sql.Type) (node, error) {
	if err := argCount("coalesce", args, 1, -1); err != nil {
		return node{}, err
	}
	fs := fns(args, t)
	return node{t: t, f: func(env *Env) windows.Value {
		for _, f := range fs {
			if v := f(env); v.Kind != windows.KindNull {
				return v
			}
		}
		return windows.Null
	}}, nil
}

// nullif(a, b) is NULL when a = b, else a.
func buildNullif(args []node, t sql.Type) (node, error) {
	if err := argCount("nullif", args, 2, 2); err != nil {
		return node{}, err
	}
	af := as(args[0], t).f
	eq := compileCompare(sql.OpEq, args[0], args[1]).f
	return node{t: t, f: func(env *Env) windows.Value {
		if tri(eq(env)) == 1 {
			return windows.Null
		}
		return af(env)
	}}, nil
}

// greatest and least skip NULLs, as PostgreSQL: NULL only when all are.
func buildExtreme(sign int) builder {
	return func(args []node, t sql.Type) (node, error) {
		if err := argCount("greatest/least", args, 1, -1); err != nil {
			return node{}, err
		}
		fs := make([]fn, len(args))
		for i, a := range args {
			if t == sql.TypeJSON {
				a = dynamic(a)
			} else {
				a = as(a, t)
			}
			fs[i] = a.f
		}
		return node{t: t, f: func(env *Env) windows.Value {
			best := windows.Null
			for _, f := range fs {
				v := f(env)
				if v.Kind == windows.KindNull {
					continue
				}
				if best.Kind == windows.KindNull {
					best = v
					continue
				}
				c, ok := compareValues(env, v, best)
				if !ok {
					return windows.Null
				}
				if c*sign > 0 {
					best = v
				}
			}
			return best
		}}, nil
	}
}
