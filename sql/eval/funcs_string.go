package eval

import (
	"strings"
	"unicode/utf8"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// String functions count characters (code points), not bytes, as
// PostgreSQL with UTF-8. trim, ltrim and rtrim remove spaces only.
// concat skips NULL arguments and concat_ws skips NULL values after the
// separator; both render other types as text (CAST ... AS VARCHAR).

var stringFuncs = map[string]builder{
	"lower":       strFunc1("lower", strings.ToLower),
	"upper":       strFunc1("upper", strings.ToUpper),
	"trim":        strFunc1("trim", func(s string) string { return strings.Trim(s, " ") }),
	"ltrim":       strFunc1("ltrim", func(s string) string { return strings.TrimLeft(s, " ") }),
	"rtrim":       strFunc1("rtrim", func(s string) string { return strings.TrimRight(s, " ") }),
	"length":      buildLength,
	"substring":   buildSubstring,
	"replace":     buildReplace,
	"starts_with": buildStartsWith,
	"concat":      buildConcat,
	"concat_ws":   buildConcatWS,
}

// textArgs converts arguments to text.
func textArgs(args []node) []fn {
	return fns(args, sql.TypeString)
}

func strFunc1(name string, op func(string) string) builder {
	return func(args []node, t sql.Type) (node, error) {
		if err := argCount(name, args, 1, 1); err != nil {
			return node{}, err
		}
		f := textArgs(args)[0]
		return node{t: t, f: func(env *Env) windows.Value {
			v := f(env)
			if v.Kind != windows.KindString {
				return windows.Null
			}
			return windows.String(op(v.S))
		}}, nil
	}
}

func buildLength(args []node, t sql.Type) (node, error) {
	if err := argCount("length", args, 1, 1); err != nil {
		return node{}, err
	}
	f := textArgs(args)[0]
	return node{t: t, f: func(env *Env) windows.Value {
		v := f(env)
		if v.Kind != windows.KindString {
			return windows.Null
		}
		return windows.Int(int64(utf8.RuneCountInString(v.S)))
	}}, nil
}

// substring(s, start [, count]) takes characters from position start
// (1-based; positions before 1 count but yield nothing, as PostgreSQL).
func buildSubstring(args []node, t sql.Type) (node, error) {
	if err := argCount("substring", args, 2, 3); err != nil {
		return node{}, err
	}
	sf := textArgs(args[:1])[0]
	ints := fns(args[1:], sql.TypeInt)
	return node{t: t, f: func(env *Env) windows.Value {
		v := sf(env)
		st := ints[0](env)
		if v.Kind != windows.KindString || st.Kind != windows.KindInt {
			return windows.Null
		}
		start, end := st.I, int64(1<<62)
		if len(ints) == 2 {
			c := ints[1](env)
			if c.Kind != windows.KindInt {
				return windows.Null
			}
			if c.I < 0 {
				env.failf(ErrArgument, "negative substring length not allowed")
				return windows.Null
			}
			if start < 1<<61 && c.I < 1<<61 && start > -(1<<61) {
				end = start + c.I
			}
		}
		if start < 1 {
			start = 1
		}
		if end <= start {
			return windows.String("")
		}
		// Walk code points to the byte offsets of [start, end).
		pos, from, to := int64(1), -1, len(v.S)
		for i := range v.S {
			if pos == start {
				from = i
			}
			if pos == end {
				to = i
				break
			}
			pos++
		}
		if from < 0 {
			return windows.String("")
		}
		return windows.String(v.S[from:to])
	}}, nil
}

func buildReplace(args []node, t sql.Type) (node, error) {
	if err := argCount("replace", args, 3, 3); err != nil {
		return node{}, err
	}
	fs := textArgs(args)
	return node{t: t, f: func(env *Env) windows.Value {
		s, from, to := fs[0](env), fs[1](env), fs[2](env)
		if s.Kind != windows.KindString || from.Kind != windows.KindString || to.Kind != windows.KindString {
			return windows.Null
		}
		if from.S == "" {
			return s
		}
		return windows.String(strings.ReplaceAll(s.S, from.S, to.S))
	}}, nil
}

func buildStartsWith(args []node, t sql.Type) (node, error) {
	if err := argCount("starts_with", args, 2, 2); err != nil {
		return node{}, err
	}
	fs := textArgs(args)
	return node{t: t, f: func(env *Env) windows.Value {
		s, p := fs[0](env), fs[1](env)
		if s.Kind != windows.KindString || p.Kind != windows.KindString {
			return windows.Null
		}
		return windows.Bool(strings.HasPrefix(s.S, p.S))
	}}, nil
}

func buildConcat(args []node, t sql.Type) (node, error) {
	if err := argCount("concat", args, 1, -1); err != nil {
		return node{}, err
	}
	fs := textArgs(args)
	return node{t: t, f: func(env *Env) windows.Value {
		var b strings.Builder
		for _, f := range fs {
			if v := f(env); v.Kind == windows.KindString {
				b.WriteString(v.S)
			}
		}
		return windows.String(b.String())
	}}, nil
}

func buildConcatWS(args []node, t sql.Type) (node, error) {
	if err := argCount("concat_ws", args, 2, -1); err != nil {
		return node{}, err
	}
	fs := textArgs(args)
	return node{t: t, f: func(env *Env) windows.Value {
		sep := fs[0](env)
		if sep.Kind != windows.KindString {
			return windows.Null
		}
		var b strings.Builder
		first := true
		for _, f := range fs[1:] {
			v := f(env)
			if v.Kind != windows.KindString {
				continue
			}
			if !first {
				b.WriteString(sep.S)
			}
			first = false
			b.WriteString(v.S)
		}
		return windows.String(b.String())
	}}, nil
}
