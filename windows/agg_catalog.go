package windows

import (
	"fmt"
	"slices"
	"strings"
)

// AggArgs carries the constant parameters of an aggregate call. The zero
// value suits every function that takes none; a field set for a function
// that does not take it is an error, so typos in SQL do not pass silently.
type AggArgs struct {
	// Star selects count(*) for "count": count rows, NULL included.
	Star bool
	// Quantiles, each in [0, 1], for approx_percentile, percentile_cont and
	// percentile_disc. One quantile gives a Float result, several a JSON
	// array string (see percentileState).
	Quantiles []float64
	// RelativeAccuracy of the quantile sketch, in (0, 0.5); 0 means 0.01.
	RelativeAccuracy float64
	// Bounds of histogram buckets: finite and strictly increasing, at
	// least one.
	Bounds []float64
	// Precision of the HyperLogLog sketch for approx_count_distinct and
	// count_distinct, in [4, 18]; 0 means DefaultHLLPrecision.
	Precision uint8
}

// argument bits: which AggArgs fields a function takes.
const (
	argStar = 1 << iota
	argQuantiles
	argAccuracy
	argBounds
	argPrecision
)

type catalogEntry struct {
	args  int // argument bits accepted
	build func(name string, a AggArgs) (Aggregate, error)
}

func simple(a Aggregate) func(string, AggArgs) (Aggregate, error) {
	return func(string, AggArgs) (Aggregate, error) { return a, nil }
}

// catalog maps the names users write to their aggregate. Aliases follow
// PostgreSQL: stddev is stddev_samp, variance is var_samp.
var catalog = map[string]catalogEntry{
	"count": {argStar, func(_ string, a AggArgs) (Aggregate, error) {
		return countAgg{star: a.Star}, nil
	}},
	"count_star": {0, simple(countAgg{star: true})},
	"sum":        {0, simple(sumAgg{})},
	"avg":        {0, simple(avgAgg{})},
	"min":        {0, simple(minMaxAgg{max: false})},
	"max":        {0, simple(minMaxAgg{max: true})},

	"first_value": {0, simple(firstLastAgg{last: false})},
	"last_value":  {0, simple(firstLastAgg{last: true})},

	"var_pop":     {0, simple(varianceAgg{"var_pop", false, false})},
	"var_samp":    {0, simple(varianceAgg{"var_samp", true, false})},
	"variance":    {0, simple(varianceAgg{"variance", true, false})},
	"stddev_pop":  {0, simple(varianceAgg{"stddev_pop", false, true})},
	"stddev_samp": {0, simple(varianceAgg{"stddev_samp", true, true})},
	"stddev":      {0, simple(varianceAgg{"stddev", true, true})},

	"approx_percentile": {argQuantiles | argAccuracy, newPercentileAgg},
	"percentile_disc":   {argQuantiles | argAccuracy, newPercentileAgg},
	"percentile_cont":   {argQuantiles | argAccuracy, newPercentileAgg},

	"approx_count_distinct": {argPrecision, newDistinctAgg},
	"count_distinct":        {argPrecision, newDistinctAgg},

	"histogram": {argBounds, newHistogramAgg},
}

// MultiResult is implemented by the states of functions that return several
// values: approx_percentile, percentile_disc and percentile_cont with
// several quantiles (one Float per quantile, in the order of
// AggArgs.Quantiles) and histogram (len(AggArgs.Bounds)+1 bucket counts as
// Ints, underflow first). Their Result packs the same values into one JSON
// array string, for sinks that take a single column.
type MultiResult interface {
	Results(dst []Value) []Value
}

var (
	_ MultiResult = (*percentileState)(nil)
	_ MultiResult = (*histogramState)(nil)
)

// AggregateNames returns the names NewAggregate knows, sorted.
func AggregateNames() []string {
	names := make([]string, 0, len(catalog))
	for n := range catalog {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewAggregate returns the aggregate function the SQL layer calls name
// (case-insensitive) with the constant parameters args. Unknown names give
// ErrUnknownAggregate with the list of known names; parameters the function
// does not take, or out of range, give ErrAggregateArgs.
//
// Every returned Aggregate's Name() is a name that NewAggregate maps back to
// the same function with the same args.
//
// # Functions
//
//	name                     result            empty   args          exact?
//	count (Star), count_star Int, rows         0       Star          exact
//	count                    Int, non-NULL     0                     exact
//	sum                      Int or Float      NULL                  exact ints; compensated floats
//	avg                      Float             NULL                  as sum, then one division
//	min, max                 input's kind      NULL                  exact; numbers < strings
//	first_value, last_value  input's kind      NULL                  exact; ties by value
//	var_pop, var_samp,       Float             NULL                  Welford/Chan
//	variance, stddev_pop,
//	stddev_samp, stddev
//	approx_percentile,       Float, or JSON    NULL    Quantiles,    DDSketch, α relative (1%)
//	percentile_disc,         array string              Relative-
//	percentile_cont          for several               Accuracy
//	approx_count_distinct,   Int               0       Precision     HyperLogLog++, 1.04/√2^p
//	count_distinct
//	histogram                JSON array string [0,…]   Bounds        exact
//
// Each function's file (agg_<name>.go) documents its input rules, ties,
// merge and encoding. Common rules: NULL is skipped by all but count(*);
// the arithmetic functions (sum, avg, variance, percentiles, histogram) take
// Int, Bool (0/1) and finite Float and skip other values like NULL (see
// numberOf); min, max, first_value and last_value order any non-NULL value
// except NaN (see compareValues); count_distinct counts equal numbers once.
//
// States of multi-valued functions (several quantiles, histogram) also
// implement MultiResult. Every state merges only with a state of the same
// function family and configuration (min with max, the variance family,
// percentiles of one accuracy, distinct of one precision, histograms of the
// same bounds), and otherwise Merge returns ErrStateMismatch.
func NewAggregate(name string, args AggArgs) (Aggregate, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	e, ok := catalog[key]
	if !ok {
		return nil, fmt.Errorf("%w %q: known functions are %s", ErrUnknownAggregate, name, strings.Join(AggregateNames(), ", "))
	}
	if extra := args.given() &^ e.args; extra != 0 {
		return nil, fmt.Errorf("%w: %s does not take %s", ErrAggregateArgs, key, argNames(extra))
	}
	return e.build(key, args)
}

// given returns the argument bits of the fields set in a.
func (a AggArgs) given() int {
	var bits int
	if a.Star {
		bits |= argStar
	}
	if a.Quantiles != nil {
		bits |= argQuantiles
	}
	if a.RelativeAccuracy != 0 {
		bits |= argAccuracy
	}
	if a.Bounds != nil {
		bits |= argBounds
	}
	if a.Precision != 0 {
		bits |= argPrecision
	}
	return bits
}

func argNames(bits int) string {
	var names []string
	for i, n := range []string{"*", "quantiles", "a relative accuracy", "histogram bounds", "an HLL precision"} {
		if bits&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, " or ")
}
