package windows

import (
	"math"
	"strconv"
)

// Kind is the type of a Value.
type Kind uint8

const (
	KindNull Kind = iota
	KindInt
	KindFloat
	KindString
	KindBool
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindBool:
		return "bool"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one scalar: an aggregate's input or output, a group-key column, a
// field. It is a small value type passed by value on the hot path; building
// one never allocates except for the string a caller already owns.
type Value struct {
	Kind Kind
	I    int64   // KindInt; KindBool as 0/1
	F    float64 // KindFloat
	S    string  // KindString
}

// Null is the SQL NULL.
var Null = Value{}

func Int(i int64) Value     { return Value{Kind: KindInt, I: i} }
func Float(f float64) Value { return Value{Kind: KindFloat, F: f} }
func String(s string) Value { return Value{Kind: KindString, S: s} }
func Bool(b bool) Value {
	if b {
		return Value{Kind: KindBool, I: 1}
	}
	return Value{Kind: KindBool}
}

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// Float64 returns v as a number and whether it is one (int, float or bool).
func (v Value) Float64() (float64, bool) {
	switch v.Kind {
	case KindFloat:
		return v.F, true
	case KindInt, KindBool:
		return float64(v.I), true
	}
	return 0, false
}

// Finite reports whether v is a number that is neither NaN nor ±Inf.
// Sources reject non-finite numbers before they reach the engine.
func (v Value) Finite() bool {
	f, ok := v.Float64()
	return ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// String renders v for logs and tests.
func (v Value) String() string {
	switch v.Kind {
	case KindInt:
		return strconv.FormatInt(v.I, 10)
	case KindFloat:
		return strconv.FormatFloat(v.F, 'g', -1, 64)
	case KindString:
		return strconv.Quote(v.S)
	case KindBool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	}
	return "NULL"
}
