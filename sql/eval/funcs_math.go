package eval

import (
	"math"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Math functions keep an integer argument's type where the binder says so
// (abs, sign, floor, ceil, round, trunc of a BIGINT are BIGINT) and compute
// in float otherwise. round rounds half away from zero, as PostgreSQL's
// NUMERIC (which DOUBLE stands for here); PostgreSQL's float8 round is half
// to even. sqrt, exp, ln, log10 and power return NaN or ±Inf where
// PostgreSQL raises an error (sqrt(-1), ln(0), exp(1000)); the operator
// rejects non-finite aggregate inputs, so such a row is dead-lettered
// when it feeds an aggregate.

var mathFuncs = map[string]builder{
	"abs": unaryNum("abs", func(env *Env, i int64) windows.Value {
		if i == math.MinInt64 {
			return overflow(env)
		}
		if i < 0 {
			i = -i
		}
		return windows.Int(i)
	}, math.Abs),
	"sign": unaryNum("sign", func(_ *Env, i int64) windows.Value {
		return windows.Int(int64(cmpInt(i, 0)))
	}, func(f float64) float64 {
		switch {
		case f > 0:
			return 1
		case f < 0:
			return -1
		}
		return f // 0, -0 and NaN
	}),
	"floor": unaryNum("floor", intSame, math.Floor),
	"ceil":  unaryNum("ceil", intSame, math.Ceil),
	"trunc": unaryNum("trunc", intSame, math.Trunc),
	"round": buildRound,
	"sqrt":  floatFunc("sqrt", math.Sqrt),
	"exp":   floatFunc("exp", math.Exp),
	"ln":    floatFunc("ln", math.Log),
	"log10": floatFunc("log10", math.Log10),
	"power": buildPower,
	"mod":   buildMod,
}

func intSame(_ *Env, i int64) windows.Value { return windows.Int(i) }

// numArg evaluates a numeric argument: ok false for NULL or a non-number
// (which sets env.Err).
func numArg(env *Env, f fn) (windows.Value, bool) {
	v := f(env)
	if v.Kind == windows.KindNull {
		return v, false
	}
	return numeric(env, v)
}

func unaryNum(name string, onInt func(*Env, int64) windows.Value, onFloat func(float64) float64) builder {
	return func(args []node, t sql.Type) (node, error) {
		if err := argCount(name, args, 1, 1); err != nil {
			return node{}, err
		}
		f := dynamic(args[0]).f
		return node{t: t, f: func(env *Env) windows.Value {
			v, ok := numArg(env, f)
			if !ok {
				return windows.Null
			}
			if v.Kind == windows.KindInt {
				if t == sql.TypeInt {
					return onInt(env, v.I)
				}
				return windows.Float(onFloat(float64(v.I)))
			}
			r := onFloat(v.F)
			if t == sql.TypeInt {
				return floatToInt(env, r)
			}
			return windows.Float(r)
		}}, nil
	}
}

func floatFunc(name string, op func(float64) float64) builder {
	return func(args []node, t sql.Type) (node, error) {
		if err := argCount(name, args, 1, 1); err != nil {
			return node{}, err
		}
		f := dynamic(args[0]).f
		return node{t: t, f: func(env *Env) windows.Value {
			v, ok := numArg(env, f)
			if !ok {
				return windows.Null
			}
			x, _ := v.Float64()
			return windows.Float(op(x))
		}}, nil
	}
}

func buildPower(args []node, t sql.Type) (node, error) {
	if err := argCount("power", args, 2, 2); err != nil {
		return node{}, err
	}
	af, bf := dynamic(args[0]).f, dynamic(args[1]).f
	return node{t: t, f: func(env *Env) windows.Value {
		x, ok1 := numArg(env, af)
		y, ok2 := numArg(env, bf)
		if !ok1 || !ok2 {
			return windows.Null
		}
		xf, _ := x.Float64()
		yf, _ := y.Float64()
		return windows.Float(math.Pow(xf, yf))
	}}, nil
}

func buildMod(args []node, t sql.Type) (node, error) {
	if err := argCount("mod", args, 2, 2); err != nil {
		return node{}, err
	}
	return compileArith(sql.OpMod, args[0], args[1], t), nil
}

// round(x [, digits]): half away from zero; negative digits round to tens,
// hundreds, ... (round(1250, -2) = 1300).
func buildRound(args []node, t sql.Type) (node, error) {
	if err := argCount("round", args, 1, 2); err != nil {
		return node{}, err
	}
	f := dynamic(args[0]).f
	var df fn
	if len(args) == 2 {
		df = dynamic(args[1]).f
	}
	return node{t: t, f: func(env *Env) windows.Value {
		v, ok := numArg(env, f)
		if !ok {
			return windows.Null
		}
		var digits int64
		if df != nil {
			d, ok := numArg(env, df)
			if !ok {
				return windows.Null
			}
			if d.Kind != windows.KindInt {
				env.failf(ErrArgument, "the digits of round must be an integer")
				return windows.Null
			}
			digits = d.I
		}
		if v.Kind == windows.KindInt && t == sql.TypeInt {
			return roundInt(env, v.I, digits)
		}
		x, _ := v.Float64()
		r := roundFloat(x, digits)
		if t == sql.TypeInt {
			return floatToInt(env, r)
		}
		return windows.Float(r)
	}}, nil
}

func roundInt(env *Env, i, digits int64) windows.Value {
	if digits >= 0 {
		return windows.Int(i)
	}
	if digits < -18 {
		return windows.Int(0)
	}
	p := int64(1)
	for ; digits < 0; digits++ {
		p *= 10
	}
	q, r := i/p, i%p
	if r < 0 {
		r = -r
	}
	if r*2 >= p {
		if i < 0 {
			q--
		} else {
			q++
		}
	}
	if (q > 0 && q > math.MaxInt64/p) || (q < 0 && q < math.MinInt64/p) {
		return overflow(env)
	}
	return windows.Int(q * p)
}

func roundFloat(x float64, digits int64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	switch {
	case digits > 17:
		return x
	case digits < -308:
		return 0 * x
	case digits == 0:
		return math.Round(x)
	case digits > 0:
		p := math.Pow10(int(digits))
		r := math.Round(x*p) / p
		if math.IsInf(x*p, 0) {
			return x
		}
		return r
	}
	p := math.Pow10(int(-digits))
	return math.Round(x/p) * p
}
