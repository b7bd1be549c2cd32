package eval

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// CAST converts between all types; a value that does not convert fails
// with ErrCast (ErrOutOfRange for numbers too large) and yields NULL.
//
//	from \ to  BIGINT          DOUBLE     VARCHAR               BOOLEAN        TIMESTAMP          INTERVAL  JSONB
//	BIGINT     -               exact      decimal               <> 0           Unix ms            ms        number
//	DOUBLE     round half away -          shortest, PostgreSQL  <> 0           Unix ms, rounded   ms        number
//	VARCHAR    integer text    number     -                     t/true/yes/on  RFC 3339, or       Go, clock JSON text
//	                                                            /1 and f/...   YYYY-MM-DD[ HH:MM:SS[.fff]] UTC
//	BOOLEAN    0/1             0/1        true/false            -              -                  -         true/false
//	TIMESTAMP  Unix ms         Unix ms    YYYY-MM-DD HH:MM:SS.fff -            -                  -         "RFC 3339"
//	INTERVAL   ms              -          HH:MM:SS.fff          -              -                  -         -
//	JSONB      decoded, then as the scalar it holds; an object or array casts to VARCHAR as its text
//
// Differences from PostgreSQL: a JSONB string cast to VARCHAR is its text
// without the quotes (PostgreSQL keeps them; ->> is the portable spelling),
// and a JSONB number or string casts to any scalar type.

func castNode(n node, to sql.Type) node {
	from := n.t
	if from == to {
		return n
	}
	f := n.f
	return node{t: to, f: func(env *Env) windows.Value {
		return castValue(env, f(env), from, to)
	}}
}

// castValue converts v, of static type from, to type to.
func castValue(env *Env, v windows.Value, from, to sql.Type) windows.Value {
	if v.Kind == windows.KindNull {
		return v
	}
	if from == sql.TypeJSON || from == sql.TypeNull {
		if to == sql.TypeJSON {
			return toJSON(env, v, typeOf(v))
		}
		v = decodeJSON(v)
		if v.Kind == windows.KindNull {
			return v
		}
		from = typeOf(v)
	} else if want := from.Kind(); v.Kind != want {
		// A value of another kind than its static type (a source that
		// delivers typed values loosely): go by what it is.
		from = typeOf(v)
	}
	if from == to {
		return v
	}
	switch to {
	case sql.TypeInt:
		return toInt(env, v, from)
	case sql.TypeInterval:
		if from == sql.TypeString {
			ms, ok := parseInterval(v.S)
			if !ok {
				env.failf(ErrCast, "invalid interval %s: write '5 minutes', '90s' or 'HH:MM:SS'", clip(v.S))
				return windows.Null
			}
			return windows.Int(ms)
		}
		return toInt(env, v, from)
	case sql.TypeTimestamp:
		if from == sql.TypeString {
			ms, ok := parseTimestamp(v.S)
			if !ok {
				env.failf(ErrCast, "invalid timestamp %s: write RFC 3339 or 'YYYY-MM-DD HH:MM:SS[.fff]' (UTC)", clip(v.S))
				return windows.Null
			}
			return windows.Int(ms)
		}
		if from == sql.TypeBool {
			break
		}
		return toInt(env, v, from)
	case sql.TypeFloat:
		switch from {
		case sql.TypeString:
			s := strings.TrimSpace(v.S)
			switch strings.ToLower(s) {
			case "nan":
				return windows.Float(math.NaN())
			case "infinity", "+infinity", "inf", "+inf":
				return windows.Float(math.Inf(1))
			case "-infinity", "-inf":
				return windows.Float(math.Inf(-1))
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || isHexOrUnderscore(s) {
				env.failf(ErrCast, "invalid number %s", clip(v.S))
				return windows.Null
			}
			return windows.Float(f)
		default:
			f, _ := v.Float64()
			return windows.Float(f)
		}
	case sql.TypeBool:
		switch from {
		case sql.TypeString:
			b, ok := parseBool(v.S)
			if !ok {
				env.failf(ErrCast, "invalid boolean %s", clip(v.S))
				return windows.Null
			}
			return windows.Bool(b)
		case sql.TypeInt:
			return windows.Bool(v.I != 0)
		case sql.TypeFloat:
			return windows.Bool(v.F != 0)
		}
	case sql.TypeString:
		return windows.String(formatValue(v, from))
	case sql.TypeJSON:
		return toJSON(env, v, from)
	case sql.TypeNull:
		return windows.Null
	}
	env.failf(ErrCast, "cannot cast %s to %s", from, to)
	return windows.Null
}

func toInt(env *Env, v windows.Value, from sql.Type) windows.Value {
	switch v.Kind {
	case windows.KindInt, windows.KindBool:
		return windows.Int(v.I)
	case windows.KindFloat:
		return floatToInt(env, v.F)
	case windows.KindString:
		s := strings.TrimSpace(v.S)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return windows.Int(i)
		} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			env.failf(ErrOutOfRange, "%s does not fit a BIGINT", clip(v.S))
			return windows.Null
		}
		env.failf(ErrCast, "invalid integer %s", clip(v.S))
	}
	return windows.Null
}

// isHexOrUnderscore rejects the Go spellings strconv accepts but SQL does
// not (0x1p-2, 1_000).
func isHexOrUnderscore(s string) bool {
	return strings.ContainsAny(s, "_xX")
}

var intervalUnits = map[string]int64{
	"ms": 1, "millisecond": 1, "milliseconds": 1,
	"s": 1000, "sec": 1000, "second": 1000, "seconds": 1000,
	"min": 60000, "minute": 60000, "minutes": 60000,
	"h": 3600000, "hour": 3600000, "hours": 3600000,
	"d": 86400000, "day": 86400000, "days": 86400000,
}

// parseInterval reads '90s' or '1h30m' (Go), '5 minutes', or
// '[-]HH:MM:SS[.fff]' as milliseconds.
func parseInterval(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d.Milliseconds(), true
	}
	if num, unit, ok := strings.Cut(s, " "); ok {
		m, known := intervalUnits[strings.ToLower(strings.TrimSpace(unit))]
		f, err := strconv.ParseFloat(num, 64)
		if known && err == nil && !isHexOrUnderscore(num) && math.Abs(f*float64(m)) < 9e18 {
			return int64(math.Round(f * float64(m))), true
		}
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	parts := strings.Split(strings.TrimPrefix(s, "-"), ":")
	if len(parts) != 3 {
		return 0, false
	}
	h, err1 := strconv.ParseUint(parts[0], 10, 32)
	m, err2 := strconv.ParseUint(parts[1], 10, 8)
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || m > 59 || sec < 0 || sec >= 60 || isHexOrUnderscore(parts[2]) {
		return 0, false
	}
	ms := int64(h)*3600000 + int64(m)*60000 + int64(math.Round(sec*1000))
	if neg {
		ms = -ms
	}
	return ms, true
}

// parseBool accepts PostgreSQL's spellings: true/false, yes/no, on/off,
// 1/0 and unique prefixes such as t and f, in any case.
func parseBool(s string) (bool, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return false, false
	}
	switch s {
	case "1", "on":
		return true, true
	case "0", "off":
		return false, true
	}
	for _, w := range [...]string{"true", "yes"} {
		if strings.HasPrefix(w, s) {
			return true, true
		}
	}
	for _, w := range [...]string{"false", "no"} {
		if strings.HasPrefix(w, s) {
			return false, true
		}
	}
	return false, false
}

var timestampLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTimestamp reads RFC 3339 or 'YYYY-MM-DD[ HH:MM[:SS[.fff]]]', UTC
// when no zone is given, to Unix milliseconds (truncating finer digits).
func parseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

// formatValue renders v, of type t, as text.
func formatValue(v windows.Value, t sql.Type) string {
	switch v.Kind {
	case windows.KindNull:
		return ""
	case windows.KindString:
		return v.S
	case windows.KindBool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	case windows.KindFloat:
		return formatFloat(v.F)
	}
	switch t {
	case sql.TypeTimestamp:
		return formatTimestamp(v.I)
	case sql.TypeInterval:
		return formatInterval(v.I)
	}
	return strconv.FormatInt(v.I, 10)
}

// formatFloat prints f as PostgreSQL prints a DOUBLE: the shortest
// representation, in positional notation for exponents in [-4, 15).
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a == 0 || a >= 1e-4 && a < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

// formatTimestamp prints Unix milliseconds as PostgreSQL prints a
// timestamp: 2024-05-01 12:00:00, with .fff when not whole seconds.
func formatTimestamp(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if ms%1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000")
}

// formatInterval prints milliseconds as [-][D days ]HH:MM:SS[.fff].
func formatInterval(ms int64) string {
	var b []byte
	u := uint64(ms)
	if ms < 0 {
		b = append(b, '-')
		u = uint64(-ms)
	}
	day := uint64(24 * 3600 * 1000)
	if d := u / day; d > 0 {
		b = strconv.AppendUint(b, d, 10)
		if d == 1 {
			b = append(b, " day "...)
		} else {
			b = append(b, " days "...)
		}
		u %= day
	}
	two := func(x uint64) {
		b = append(b, byte('0'+x/10), byte('0'+x%10))
	}
	two(u / 3600000)
	b = append(b, ':')
	two(u / 60000 % 60)
	b = append(b, ':')
	two(u / 1000 % 60)
	if f := u % 1000; f != 0 {
		b = append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
	}
	return string(b)
}

// toJSON converts v, of type t, to compact JSON text. Text is parsed as a
// JSON document (as CAST('{"a":1}' AS JSONB)); invalid JSON fails.
func toJSON(env *Env, v windows.Value, t sql.Type) windows.Value {
	switch v.Kind {
	case windows.KindString:
		var p fastjson.Parser
		jv, err := p.Parse(v.S)
		if err != nil {
			env.failf(ErrCast, "invalid JSON %s", clip(v.S))
			return windows.Null
		}
		if jv.Type() == fastjson.TypeNull {
			return windows.Null
		}
		return windows.String(string(jv.MarshalTo(nil)))
	case windows.KindFloat:
		if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			env.failf(ErrCast, "%s is not a JSON number", formatFloat(v.F))
			return windows.Null
		}
		return windows.String(strconv.FormatFloat(v.F, 'g', -1, 64))
	case windows.KindInt:
		if t == sql.TypeTimestamp {
			return windows.String(`"` + time.UnixMilli(v.I).UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`)
		}
	}
	return windows.String(formatValue(v, t))
}
