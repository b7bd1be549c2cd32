package eval

import (
	"fmt"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// arity is the number of arguments of each operator; 0 is variadic (IN).
var arity = map[sql.Op]int{
	sql.OpAdd: 2, sql.OpSub: 2, sql.OpMul: 2, sql.OpDiv: 2, sql.OpMod: 2, sql.OpNeg: 1, sql.OpConcat: 2,
	sql.OpEq: 2, sql.OpNe: 2, sql.OpLt: 2, sql.OpLe: 2, sql.OpGt: 2, sql.OpGe: 2,
	sql.OpAnd: 2, sql.OpOr: 2, sql.OpNot: 1,
	sql.OpIsNull: 1, sql.OpIsNotNull: 1, sql.OpIsTrue: 1, sql.OpIsNotTrue: 1, sql.OpIsFalse: 1, sql.OpIsNotFalse: 1,
	sql.OpLike: 2, sql.OpNotLike: 2, sql.OpILike: 2, sql.OpNotILike: 2,
	sql.OpIn: 0, sql.OpNotIn: 0, sql.OpBetween: 3, sql.OpNotBetween: 3,
}

func compileOp(op sql.Op, args []node, t sql.Type) (node, error) {
	n, known := arity[op]
	switch {
	case !known:
		return node{}, fmt.Errorf("%w: operator %s", ErrUnsupported, op)
	case n == 0 && len(args) < 1, n > 0 && len(args) != n:
		return node{}, fmt.Errorf("%w: operator %s with %d arguments", ErrUnsupported, op, len(args))
	}
	switch op {
	case sql.OpAdd, sql.OpSub, sql.OpMul, sql.OpDiv, sql.OpMod:
		return compileArith(op, args[0], args[1], t), nil
	case sql.OpNeg:
		return compileNeg(args[0], t), nil
	case sql.OpConcat:
		return compileConcatOp(args[0], args[1]), nil
	case sql.OpEq, sql.OpNe, sql.OpLt, sql.OpLe, sql.OpGt, sql.OpGe:
		return compileCompare(op, args[0], args[1]), nil
	case sql.OpAnd:
		return compileAnd(args[0], args[1]), nil
	case sql.OpOr:
		return compileOr(args[0], args[1]), nil
	case sql.OpNot:
		return compileNot(args[0]), nil
	case sql.OpIsNull, sql.OpIsNotNull, sql.OpIsTrue, sql.OpIsNotTrue, sql.OpIsFalse, sql.OpIsNotFalse:
		return compileIs(op, args[0]), nil
	case sql.OpLike, sql.OpNotLike, sql.OpILike, sql.OpNotILike:
		return compileLike(op, args[0], args[1]), nil
	case sql.OpIn, sql.OpNotIn:
		return compileIn(op == sql.OpNotIn, args[0], args[1:]), nil
	}
	return compileBetween(op == sql.OpNotBetween, args[0], args[1], args[2]), nil
}

// compileConcatOp is a || b: text of both, NULL if either is NULL (unlike
// concat()).
func compileConcatOp(a, b node) node {
	a, b = as(a, sql.TypeString), as(b, sql.TypeString)
	af, bf := a.f, b.f
	return node{t: sql.TypeString, f: func(env *Env) windows.Value {
		x, y := af(env), bf(env)
		if x.Kind == windows.KindNull || y.Kind == windows.KindNull {
			return windows.Null
		}
		return windows.String(x.S + y.S)
	}}
}
