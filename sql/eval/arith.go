package eval

import (
	"math"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Arithmetic is computed in the domain of the result's static type: an
// integer type (BIGINT, TIMESTAMP, INTERVAL) uses exact int64 arithmetic
// with overflow checks when both operands are integers at run time, and
// float arithmetic rounded back otherwise (INTERVAL '1' SECOND * 1.5);
// DOUBLE uses float arithmetic. So int / int is integer division (truncated
// toward zero, as PostgreSQL) exactly when the binder typed it BIGINT.
// Division and modulo by zero fail with ErrDivisionByZero; integer overflow
// with ErrOutOfRange. Float results may be NaN or ±Inf (1e308 * 10): they
// are returned, and the operator rejects non-finite aggregate inputs
// (see package compile).

func intType(t sql.Type) bool {
	return t == sql.TypeInt || t == sql.TypeTimestamp || t == sql.TypeInterval
}

func compileArith(op sql.Op, a, b node, t sql.Type) node {
	a, b = dynamic(a), dynamic(b)
	af, bf := a.f, b.f
	isInt := intType(t)
	return node{t: t, f: func(env *Env) windows.Value {
		x, y := af(env), bf(env)
		if x.Kind == windows.KindInt && y.Kind == windows.KindInt && isInt {
			return intArith(env, op, x.I, y.I)
		}
		if x.Kind == windows.KindNull || y.Kind == windows.KindNull {
			return windows.Null
		}
		var ok bool
		if x, ok = numeric(env, x); !ok {
			return windows.Null
		}
		if y, ok = numeric(env, y); !ok {
			return windows.Null
		}
		if isInt && x.Kind == windows.KindInt && y.Kind == windows.KindInt {
			return intArith(env, op, x.I, y.I)
		}
		xf, _ := x.Float64()
		yf, _ := y.Float64()
		r := floatArith(env, op, xf, yf)
		if !isInt || r.IsNull() {
			return r
		}
		return floatToInt(env, r.F)
	}}
}

func intArith(env *Env, op sql.Op, x, y int64) windows.Value {
	var r int64
	switch op {
	case sql.OpAdd:
		r = x + y
		if (r > x) != (y > 0) {
			return overflow(env)
		}
	case sql.OpSub:
		r = x - y
		if (r < x) != (y > 0) {
			return overflow(env)
		}
	case sql.OpMul:
		if x == 0 || y == 0 {
			return windows.Int(0)
		}
		r = x * y
		if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
			return overflow(env)
		}
	case sql.OpDiv:
		if y == 0 {
			env.fail(ErrDivisionByZero)
			return windows.Null
		}
		if x == math.MinInt64 && y == -1 {
			return overflow(env)
		}
		r = x / y
	case sql.OpMod:
		if y == 0 {
			env.fail(ErrDivisionByZero)
			return windows.Null
		}
		r = x % y
	}
	return windows.Int(r)
}

func overflow(env *Env) windows.Value {
	env.failf(ErrOutOfRange, "integer overflow")
	return windows.Null
}

func floatArith(env *Env, op sql.Op, x, y float64) windows.Value {
	switch op {
	case sql.OpAdd:
		return windows.Float(x + y)
	case sql.OpSub:
		return windows.Float(x - y)
	case sql.OpMul:
		return windows.Float(x * y)
	case sql.OpDiv:
		if y == 0 {
			env.fail(ErrDivisionByZero)
			return windows.Null
		}
		return windows.Float(x / y)
	case sql.OpMod:
		if y == 0 {
			env.fail(ErrDivisionByZero)
			return windows.Null
		}
		return windows.Float(math.Mod(x, y))
	}
	return windows.Null
}

// floatToInt rounds f half away from zero to an int64, failing for NaN,
// ±Inf and values out of range.
func floatToInt(env *Env, f float64) windows.Value {
	r := math.Round(f)
	if math.IsNaN(r) || r < -9.223372036854775808e18 || r >= 9.223372036854775808e18 {
		env.failf(ErrOutOfRange, "%g does not fit a BIGINT", f)
		return windows.Null
	}
	return windows.Int(int64(r))
}

func compileNeg(a node, t sql.Type) node {
	a = dynamic(a)
	af := a.f
	return node{t: t, f: func(env *Env) windows.Value {
		x := af(env)
		switch x.Kind {
		case windows.KindInt:
			if x.I == math.MinInt64 {
				return overflow(env)
			}
			x.I = -x.I
			if t == sql.TypeFloat {
				return windows.Float(float64(x.I))
			}
			return x
		case windows.KindNull:
			return x
		}
		x, ok := numeric(env, x)
		if !ok {
			return windows.Null
		}
		if x.Kind == windows.KindInt {
			return windows.Float(-float64(x.I))
		}
		return windows.Float(-x.F)
	}}
}
