package sql

import (
	"math"
	"strconv"
	"strings"
)

// aggForm is how an aggregate takes its arguments.
type aggForm uint8

const (
	aggValue    aggForm = iota // f(x)
	aggCount                   // count(*), count(x), count(DISTINCT x)
	aggQuantile                // f(q [, accuracy]) WITHIN GROUP (ORDER BY x), or f(x, q)
	aggOrdered                 // percentile_cont(q) WITHIN GROUP (ORDER BY x) only
)

// aggregateFunc describes an aggregate under the names users know. The
// canonical names are those of windows.NewAggregate, so a compiler maps an
// AggCall to an engine aggregate without a table of its own.
type aggregateFunc struct {
	form    aggForm
	numeric bool // the argument must be a number
	// result is the type of the aggregate's value for an argument type
	// (TypeNull for count(*)).
	result func(arg Type) Type
	usage  string
}

func sameType(t Type) Type {
	if t == TypeJSON || t == TypeNull {
		return TypeFloat
	}
	return t
}
func always(r Type) func(Type) Type { return func(Type) Type { return r } }

var aggregateFuncs = map[string]aggregateFunc{
	"count": {aggCount, false, always(TypeInt), "count(*), count(x) or count(DISTINCT x)"},
	"sum": {aggValue, true, func(t Type) Type {
		if t == TypeInt {
			return TypeInt
		}
		return TypeFloat
	}, "sum(x)"},
	"avg": {aggValue, true, always(TypeFloat), "avg(x)"},
	"min": {aggValue, false, sameType, "min(x)"},
	"max": {aggValue, false, sameType, "max(x)"},

	"first_value": {aggValue, false, sameType, "first_value(x)"},
	"last_value":  {aggValue, false, sameType, "last_value(x)"},

	"stddev":      {aggValue, true, always(TypeFloat), "stddev(x)"},
	"stddev_samp": {aggValue, true, always(TypeFloat), "stddev_samp(x)"},
	"stddev_pop":  {aggValue, true, always(TypeFloat), "stddev_pop(x)"},
	"variance":    {aggValue, true, always(TypeFloat), "variance(x)"},
	"var_samp":    {aggValue, true, always(TypeFloat), "var_samp(x)"},
	"var_pop":     {aggValue, true, always(TypeFloat), "var_pop(x)"},

	"approx_percentile": {aggQuantile, true, always(TypeFloat),
		"approx_percentile(0.99) WITHIN GROUP (ORDER BY x) or approx_percentile(x, 0.99)"},
	"percentile_cont": {aggOrdered, true, always(TypeFloat),
		"percentile_cont(0.95) WITHIN GROUP (ORDER BY x)"},
	"percentile_disc": {aggOrdered, true, always(TypeFloat),
		"percentile_disc(0.95) WITHIN GROUP (ORDER BY x)"},
	"approx_count_distinct": {aggValue, false, always(TypeInt), "approx_count_distinct(x)"},
}

// aggregateAliases maps other names users write to the canonical ones.
var aggregateAliases = map[string]string{
	"std": "stddev", "var": "variance", "mean": "avg",
	"first": "first_value", "last": "last_value",
}

// isAggregate reports whether name (any case) is an aggregate function.
func isAggregate(name string) bool {
	n := strings.ToLower(name)
	if a, ok := aggregateAliases[n]; ok {
		n = a
	}
	_, ok := aggregateFuncs[n]
	return ok
}

// AggCall is one aggregate of a view, bound and deduplicated.
type AggCall struct {
	// Func is the canonical name, one windows.NewAggregate knows
	// (count, sum, avg, ..., approx_percentile, percentile_cont,
	// approx_count_distinct).
	Func string
	// Arg is the aggregated expression over the input columns; nil for
	// count(*).
	Arg BoundExpr
	// Star is count(*): rows are counted, NULL or not.
	Star bool
	// Distinct is count(DISTINCT x), the only DISTINCT aggregate.
	Distinct bool
	// Quantiles holds the one quantile of percentile functions, in [0, 1].
	// An ORDER BY x DESC is folded in as 1 - q.
	Quantiles []float64
	// RelativeAccuracy is approx_percentile's optional second parameter,
	// 0 for the engine's default.
	RelativeAccuracy float64
	// Filter is FILTER (WHERE cond) over the input columns, or nil.
	Filter BoundExpr
	// T is the result type.
	T   Type
	Pos Pos
}

// String prints the call canonically; equal strings are the same aggregate.
func (a *AggCall) String() string {
	var b strings.Builder
	b.WriteString(a.Func)
	b.WriteByte('(')
	switch {
	case a.Star:
		b.WriteByte('*')
	case len(a.Quantiles) > 0:
		b.WriteString(formatFloat(a.Quantiles[0]))
		if a.RelativeAccuracy != 0 {
			b.WriteString(", " + formatFloat(a.RelativeAccuracy))
		}
		b.WriteString(") WITHIN GROUP (ORDER BY " + a.Arg.String())
	default:
		if a.Distinct {
			b.WriteString("DISTINCT ")
		}
		b.WriteString(a.Arg.String())
	}
	b.WriteByte(')')
	if a.Filter != nil {
		b.WriteString(" FILTER (WHERE " + a.Filter.String() + ")")
	}
	return b.String()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// complement returns 1 - q without the binary noise of the subtraction
// (1 - 0.99 prints as 0.01, not 0.010000000000000009).
func complement(q float64) float64 {
	return math.Round((1-q)*1e12) / 1e12
}
