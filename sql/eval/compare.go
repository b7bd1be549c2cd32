package eval

import (
	"math"
	"strings"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Comparisons follow PostgreSQL: NULL compared with anything is NULL;
// numbers compare by value across int and float (NaN equals NaN and is
// greater than every other number); strings compare bytewise (the C
// collation); false < true. A JSONB operand compared with a typed one is
// converted to that type first (payload->'n' > 10 compares numbers,
// payload->'s' = 'on' compares strings); two JSONB operands compare by what
// they hold, and a mismatch (a number against an object) fails with
// ErrType.

// comparable converts the operands of a comparison to a common footing:
// a JSONB side takes the other side's type.
func comparable(a, b node) (node, node) {
	switch {
	case a.t == sql.TypeJSON && b.t != sql.TypeJSON && b.t != sql.TypeNull:
		a = coerce(a, b.t)
	case b.t == sql.TypeJSON && a.t != sql.TypeJSON && a.t != sql.TypeNull:
		b = coerce(b, a.t)
	}
	return dynamic(a), dynamic(b)
}

// coerce converts a JSONB operand to t for a comparison: numbers stay
// numbers (so 12.5 is not rounded to compare with a BIGINT), strings
// convert to t.
func coerce(n node, t sql.Type) node {
	if t == sql.TypeInt || t == sql.TypeFloat {
		d := dynamic(n)
		f := d.f
		return node{t: sql.TypeJSON, f: func(env *Env) windows.Value {
			v := f(env)
			if v.Kind == windows.KindString {
				v, _ = numeric(env, v)
			}
			return v
		}}
	}
	return castNode(n, t)
}

// compareValues orders two non-NULL values. ok is false (and env.Err set)
// when they cannot be compared.
func compareValues(env *Env, x, y windows.Value) (c int, ok bool) {
	if x.Kind == windows.KindInt && y.Kind == windows.KindInt {
		return cmpInt(x.I, y.I), true
	}
	switch {
	case isNum(x) && isNum(y):
		if x.Kind == windows.KindInt && y.Kind == windows.KindFloat {
			return cmpIntFloat(x.I, y.F), true
		}
		if x.Kind == windows.KindFloat && y.Kind == windows.KindInt {
			return -cmpIntFloat(y.I, x.F), true
		}
		return cmpFloat(x.F, y.F), true
	case x.Kind == windows.KindString && y.Kind == windows.KindString:
		return strings.Compare(x.S, y.S), true
	case x.Kind == windows.KindBool && y.Kind == windows.KindBool:
		return cmpInt(x.I, y.I), true
	}
	env.failf(ErrType, "cannot compare %s with %s", x.Kind, y.Kind)
	return 0, false
}

func isNum(v windows.Value) bool { return v.Kind == windows.KindInt || v.Kind == windows.KindFloat }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats with NaN equal to itself and above everything,
// as PostgreSQL does.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a):
		if math.IsNaN(b) {
			return 0
		}
		return 1
	}
	return -1
}

// cmpIntFloat compares an int64 with a float exactly, also beyond 2^53.
func cmpIntFloat(i int64, f float64) int {
	switch {
	case math.IsNaN(f):
		return -1
	case f >= 9.223372036854775808e18:
		return -1
	case f < -9.223372036854775808e18:
		return 1
	}
	t := math.Trunc(f)
	if c := cmpInt(i, int64(t)); c != 0 {
		return c
	}
	// Same integer part: the fraction decides.
	return cmpFloat(0, f-t)
}

func compileCompare(op sql.Op, a, b node) node {
	a, b = comparable(a, b)
	af, bf := a.f, b.f
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		x, y := af(env), bf(env)
		var c int
		if x.Kind == windows.KindInt && y.Kind == windows.KindInt {
			c = cmpInt(x.I, y.I)
		} else {
			if x.Kind == windows.KindNull || y.Kind == windows.KindNull {
				return windows.Null
			}
			var ok bool
			if c, ok = compareValues(env, x, y); !ok {
				return windows.Null
			}
		}
		return windows.Bool(testCmp(op, c))
	}}
}

func testCmp(op sql.Op, c int) bool {
	switch op {
	case sql.OpEq:
		return c == 0
	case sql.OpNe:
		return c != 0
	case sql.OpLt:
		return c < 0
	case sql.OpLe:
		return c <= 0
	case sql.OpGt:
		return c > 0
	case sql.OpGe:
		return c >= 0
	}
	return false
}

// compileIn is x IN (list): true when x equals an element; otherwise NULL
// when x or an element is NULL; otherwise false. NOT IN negates that, so
// x NOT IN (1, NULL) is never true.
func compileIn(not bool, x node, list []node) node {
	xs := make([]node, len(list))
	for i, e := range list {
		xs[i], list[i] = comparable(x, e)
	}
	fs := make([]fn, len(list))
	for i, e := range list {
		fs[i] = e.f
	}
	// A typed x is the same for every element; a JSONB x is converted to
	// each element's type.
	sameX := x.t != sql.TypeJSON
	xf := x.f
	if !sameX && len(list) > 0 {
		xf = xs[0].f
	}
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		v := xf(env)
		if v.Kind == windows.KindNull {
			return windows.Null
		}
		sawNull := false
		for i, f := range fs {
			xv := v
			if !sameX {
				xv = xs[i].f(env)
			}
			e := f(env)
			if e.Kind == windows.KindNull {
				sawNull = true
				continue
			}
			if c, ok := compareValues(env, xv, e); ok && c == 0 {
				return windows.Bool(!not)
			}
		}
		if sawNull {
			return windows.Null
		}
		return windows.Bool(not)
	}}
}

// compileBetween is lo <= x AND x <= hi, with three-valued AND.
func compileBetween(not bool, x, lo, hi node) node {
	ge := compileCompare(sql.OpGe, x, lo)
	le := compileCompare(sql.OpLe, x, hi)
	and := compileAnd(ge, le)
	if not {
		return compileNot(and)
	}
	return and
}
