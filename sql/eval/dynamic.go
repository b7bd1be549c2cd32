package eval

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// JSONB values are compact JSON text in a KindString Value. Where a typed
// operator meets one, it is decoded at run time into the scalar the
// document holds (decodeJSON): a JSON number is an Int (integral literal)
// or a Float, a string its text, true/false a Bool, null NULL; an object or
// an array stays JSON text. Scalars decode without allocating, except
// strings with escapes.

// decodeJSON returns the scalar held by the JSON text of v. A value that is
// not a string (a source that delivers typed values) is returned as is;
// text that is not JSON is taken as a plain string.
func decodeJSON(v windows.Value) windows.Value {
	if v.Kind != windows.KindString {
		return v
	}
	s := v.S
	if s == "" {
		return v
	}
	switch c := s[0]; {
	case c == '"':
		if len(s) >= 2 && s[len(s)-1] == '"' {
			body := s[1 : len(s)-1]
			if strings.IndexByte(body, '\\') < 0 && strings.IndexByte(body, '"') < 0 {
				return windows.String(body)
			}
			var p fastjson.Parser
			if jv, err := p.Parse(s); err == nil && jv.Type() == fastjson.TypeString {
				return windows.String(string(jv.GetStringBytes()))
			}
		}
		return v
	case c == 't' && s == "true":
		return windows.Bool(true)
	case c == 'f' && s == "false":
		return windows.Bool(false)
	case c == 'n' && s == "null":
		return windows.Null
	case c == '-' || c >= '0' && c <= '9':
		if n, ok := parseNumber(s); ok {
			return n
		}
	}
	return v
}

// parseNumber parses a JSON or SQL number: an Int when it is an integer
// literal that fits, else a Float.
func parseNumber(s string) (windows.Value, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return windows.Int(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// strconv accepts "inf", "nan", hex and underscores; so does SQL
		// for 'NaN' and 'Infinity', handled by the callers that allow them.
		return windows.Null, false
	}
	return windows.Float(f), true
}

// typeOf is the static type that describes a runtime value (for values
// decoded from JSON).
func typeOf(v windows.Value) sql.Type {
	switch v.Kind {
	case windows.KindInt:
		return sql.TypeInt
	case windows.KindFloat:
		return sql.TypeFloat
	case windows.KindString:
		return sql.TypeString
	case windows.KindBool:
		return sql.TypeBool
	}
	return sql.TypeNull
}

// dynamic wraps a JSONB operand of a typed operator: it yields the decoded
// scalar, so the operator sees numbers, strings and booleans.
func dynamic(n node) node {
	if n.t != sql.TypeJSON {
		return n
	}
	f := n.f
	return fold(node{f: func(env *Env) windows.Value { return decodeJSON(f(env)) }, t: sql.TypeJSON}, []node{n})
}

// numeric returns v as a number for arithmetic: Int and Float as they are,
// a string (from a JSON document) when it parses as a number. Anything
// else fails with ErrType and returns ok false.
func numeric(env *Env, v windows.Value) (windows.Value, bool) {
	switch v.Kind {
	case windows.KindInt, windows.KindFloat:
		return v, true
	case windows.KindString:
		if n, ok := parseNumber(strings.TrimSpace(v.S)); ok {
			return n, true
		}
		env.failf(ErrCast, "%s is not a number", clip(v.S))
	case windows.KindBool:
		env.failf(ErrType, "a boolean is not a number")
	}
	return windows.Null, false
}

// clip quotes s for a message, shortened.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}
