package eval

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Time functions work on Unix milliseconds in UTC: there is no session
// time zone. date_trunc('week') starts weeks on Monday and EXTRACT(WEEK)
// is the ISO week, as PostgreSQL.

var timeFuncs = map[string]builder{
	"to_timestamp":     buildToTimestamp,
	"to_timestamp_ltz": buildToTimestampLTZ,
	"date_trunc":       buildDateTrunc,
	"extract":          buildExtract,
	"date_part":        buildExtract,
	"proctime": func(args []node, t sql.Type) (node, error) {
		if err := argCount("proctime", args, 0, 0); err != nil {
			return node{}, err
		}
		return node{t: sql.TypeTimestamp, f: func(env *Env) windows.Value { return windows.Int(env.Now) }}, nil
	},
}

// secondsToMillis converts epoch seconds (possibly fractional) to
// milliseconds, rounding to the nearest.
func secondsToMillis(env *Env, v windows.Value) windows.Value {
	if v.Kind == windows.KindInt {
		if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
			return overflow(env)
		}
		return windows.Int(v.I * 1000)
	}
	return floatToInt(env, v.F*1000)
}

// to_timestamp(epoch_seconds) as PostgreSQL; to_timestamp(text) parses
// like CAST; to_timestamp(text, format) takes a PostgreSQL (YYYY-MM-DD
// HH24:MI:SS.MS) or Java/Flink (yyyy-MM-dd HH:mm:ss.SSS) pattern.
func buildToTimestamp(args []node, t sql.Type) (node, error) {
	if err := argCount("to_timestamp", args, 1, 2); err != nil {
		return node{}, err
	}
	x := dynamic(args[0])
	xf := x.f
	if len(args) == 2 {
		fmtNode := as(args[1], sql.TypeString)
		var layout string
		if fmtNode.konst && fmtNode.v.Kind == windows.KindString {
			layout = goLayout(fmtNode.v.S)
		}
		ff := fmtNode.f
		return node{t: t, f: func(env *Env) windows.Value {
			v := xf(env)
			if v.Kind != windows.KindString {
				return windows.Null
			}
			l := layout
			if l == "" {
				f := ff(env)
				if f.Kind != windows.KindString {
					return windows.Null
				}
				l = goLayout(f.S)
			}
			tm, err := time.Parse(l, strings.TrimSpace(v.S))
			if err != nil {
				env.failf(ErrCast, "timestamp %s does not match the format", clip(v.S))
				return windows.Null
			}
			return windows.Int(tm.UnixMilli())
		}}, nil
	}
	return node{t: t, f: func(env *Env) windows.Value {
		v := xf(env)
		switch v.Kind {
		case windows.KindNull:
			return v
		case windows.KindString:
			if x.t == sql.TypeString {
				return castValue(env, v, sql.TypeString, sql.TypeTimestamp)
			}
			n, ok := numeric(env, v)
			if !ok {
				return windows.Null
			}
			v = n
		case windows.KindBool:
			env.failf(ErrType, "to_timestamp needs seconds since the epoch")
			return windows.Null
		}
		return secondsToMillis(env, v)
	}}, nil
}

// goLayout translates a PostgreSQL or Java date pattern to a Go layout.
func goLayout(f string) string {
	r := strings.NewReplacer(
		"YYYY", "2006", "yyyy", "2006", "MM", "01", "DD", "02", "dd", "02",
		"HH24", "15", "HH", "15", "MI", "04", "mm", "04", "SS", "05", "ss", "05",
		"MS", "000", "SSS", "000", "US", "000000",
	)
	// SSS must win over SS: replace it first.
	f = strings.ReplaceAll(f, "SSS", "\x00")
	out := r.Replace(f)
	return strings.ReplaceAll(out, "\x00", "000")
}

// to_timestamp_ltz(n [, precision]): n epoch units, precision 0 (seconds)
// or 3 (milliseconds, the default), as Flink.
func buildToTimestampLTZ(args []node, t sql.Type) (node, error) {
	if err := argCount("to_timestamp_ltz", args, 1, 2); err != nil {
		return node{}, err
	}
	xf := dynamic(args[0]).f
	var pf fn
	if len(args) == 2 {
		pf = dynamic(args[1]).f
	}
	return node{t: t, f: func(env *Env) windows.Value {
		v, ok := numArg(env, xf)
		if !ok {
			return windows.Null
		}
		prec := int64(3)
		if pf != nil {
			p := pf(env)
			if p.Kind == windows.KindNull {
				return windows.Null
			}
			prec = p.I
			if p.Kind != windows.KindInt || prec != 0 && prec != 3 {
				env.failf(ErrArgument, "the precision of to_timestamp_ltz must be 0 (seconds) or 3 (milliseconds)")
				return windows.Null
			}
		}
		if prec == 0 {
			return secondsToMillis(env, v)
		}
		if v.Kind == windows.KindFloat {
			return floatToInt(env, v.F)
		}
		return v
	}}, nil
}

var truncUnits = map[string]int64{
	"millisecond": 1, "second": 1000, "minute": 60000, "hour": 3600000, "day": 86400000,
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func buildDateTrunc(args []node, t sql.Type) (node, error) {
	if err := argCount("date_trunc", args, 2, 2); err != nil {
		return node{}, err
	}
	if !args[0].konst || args[0].v.Kind != windows.KindString {
		return node{}, fmt.Errorf("%w: date_trunc needs a constant unit", ErrUnsupported)
	}
	unit := strings.ToLower(args[0].v.S)
	size, ok := truncUnits[unit]
	week := unit == "week"
	if !ok && !week {
		return node{}, fmt.Errorf("%w: date_trunc unit %q", ErrUnsupported, unit)
	}
	xf := as(args[1], sql.TypeTimestamp).f
	return node{t: t, f: func(env *Env) windows.Value {
		v := xf(env)
		if v.Kind != windows.KindInt {
			return windows.Null
		}
		if week {
			// 1970-01-05 was a Monday.
			const monday, w = 4 * 86400000, 7 * 86400000
			return windows.Int(floorDiv(v.I-monday, w)*w + monday)
		}
		return windows.Int(floorDiv(v.I, size) * size)
	}}, nil
}

// extract(field, ts) and date_part: a DOUBLE, as PostgreSQL's date_part.
// second includes the fraction; millisecond is seconds × 1000; epoch is
// seconds since 1970 with the fraction; dow is 0 for Sunday.
func buildExtract(args []node, t sql.Type) (node, error) {
	if err := argCount("extract", args, 2, 2); err != nil {
		return node{}, err
	}
	if !args[0].konst || args[0].v.Kind != windows.KindString {
		return node{}, fmt.Errorf("%w: extract needs a constant field", ErrUnsupported)
	}
	field := strings.ToLower(args[0].v.S)
	get, ok := extractors[field]
	if !ok {
		return node{}, fmt.Errorf("%w: extract field %q", ErrUnsupported, field)
	}
	xf := as(args[1], sql.TypeTimestamp).f
	return node{t: sql.TypeFloat, f: func(env *Env) windows.Value {
		v := xf(env)
		if v.Kind != windows.KindInt {
			return windows.Null
		}
		return windows.Float(get(v.I))
	}}, nil
}

func utc(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

var extractors = map[string]func(ms int64) float64{
	"epoch":       func(ms int64) float64 { return float64(ms) / 1000 },
	"millisecond": func(ms int64) float64 { return float64(floorMod(ms, 60000)) },
	"second":      func(ms int64) float64 { return float64(floorMod(ms, 60000)) / 1000 },
	"minute":      func(ms int64) float64 { return float64(utc(ms).Minute()) },
	"hour":        func(ms int64) float64 { return float64(utc(ms).Hour()) },
	"day":         func(ms int64) float64 { return float64(utc(ms).Day()) },
	"dow":         func(ms int64) float64 { return float64(utc(ms).Weekday()) },
	"doy":         func(ms int64) float64 { return float64(utc(ms).YearDay()) },
	"week": func(ms int64) float64 {
		_, w := utc(ms).ISOWeek()
		return float64(w)
	},
	"month":   func(ms int64) float64 { return float64(utc(ms).Month()) },
	"quarter": func(ms int64) float64 { return float64((int(utc(ms).Month())-1)/3 + 1) },
	"year":    func(ms int64) float64 { return float64(utc(ms).Year()) },
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
