package sql

import (
	"slices"
	"strconv"
	"time"
)

// scalarFunc describes one scalar function: how many arguments it takes
// and its result type for given argument types ("" message when they fit).
type scalarFunc struct {
	min, max int // max < 0: variadic
	result   func(args []Type) (Type, string)
	usage    string
}

// scalarAliases maps alternative names to the canonical one.
var scalarAliases = map[string]string{
	"ceiling": "ceil", "substr": "substring", "char_length": "length",
	"character_length": "length", "pow": "power", "ifnull": "coalesce",
	"nvl": "coalesce",
}

// numericSame returns the type of a one-argument numeric function that
// keeps its argument's type (abs(int) is int).
func numericSame(name string) func([]Type) (Type, string) {
	return func(a []Type) (Type, string) {
		if !a[0].numeric() {
			return 0, name + " needs a number, got " + a[0].String()
		}
		if a[0] == TypeInt {
			return TypeInt, ""
		}
		return TypeFloat, ""
	}
}

// numericFloat returns the type of a numeric function with a DOUBLE result.
func numericFloat(name string) func([]Type) (Type, string) {
	return func(a []Type) (Type, string) {
		for _, t := range a {
			if !t.numeric() {
				return 0, name + " needs numbers, got " + t.String()
			}
		}
		return TypeFloat, ""
	}
}

// stringFunc returns the type of a function of strings with result r.
func stringFunc(name string, r Type, intArgs ...int) func([]Type) (Type, string) {
	return func(a []Type) (Type, string) {
		for i, t := range a {
			if slices.Contains(intArgs, i) {
				if t != TypeInt && !t.dynamic() {
					return 0, "argument " + strconv.Itoa(i+1) + " of " + name + " must be an integer, got " + t.String()
				}
				continue
			}
			if t != TypeString && !t.dynamic() {
				return 0, name + " needs text, got " + t.String() + "; convert it with CAST(x AS VARCHAR)"
			}
		}
		return r, ""
	}
}

// common returns the type of functions whose arguments unify (coalesce,
// greatest, least, nullif).
func commonFunc(name string) func([]Type) (Type, string) {
	return func(a []Type) (Type, string) {
		t := TypeNull
		for _, x := range a {
			u, ok := unify(t, x)
			if !ok {
				return 0, "the arguments of " + name + " have incompatible types " + t.String() + " and " + x.String()
			}
			t = u
		}
		return t, ""
	}
}

var scalarFuncs = map[string]scalarFunc{
	"abs":   {1, 1, numericSame("abs"), "abs(x)"},
	"sign":  {1, 1, numericSame("sign"), "sign(x)"},
	"floor": {1, 1, numericSame("floor"), "floor(x)"},
	"ceil":  {1, 1, numericSame("ceil"), "ceil(x)"},
	"round": {1, 2, func(a []Type) (Type, string) {
		if len(a) == 2 && a[1] != TypeInt && !a[1].dynamic() {
			return 0, "the digits of round(x, digits) must be an integer, got " + a[1].String()
		}
		return numericSame("round")(a[:1])
	}, "round(x [, digits])"},
	"trunc": {1, 1, numericSame("trunc"), "trunc(x)"},
	"sqrt":  {1, 1, numericFloat("sqrt"), "sqrt(x)"},
	"exp":   {1, 1, numericFloat("exp"), "exp(x)"},
	"ln":    {1, 1, numericFloat("ln"), "ln(x)"},
	"log10": {1, 1, numericFloat("log10"), "log10(x)"},
	"power": {2, 2, numericFloat("power"), "power(x, y)"},
	"mod": {2, 2, func(a []Type) (Type, string) {
		for _, t := range a {
			if !t.numeric() {
				return 0, "mod needs numbers, got " + t.String()
			}
		}
		if a[0] == TypeInt && a[1] == TypeInt {
			return TypeInt, ""
		}
		return TypeFloat, ""
	}, "mod(x, y)"},
	"greatest": {1, -1, commonFunc("greatest"), "greatest(x, y, ...)"},
	"least":    {1, -1, commonFunc("least"), "least(x, y, ...)"},
	"coalesce": {1, -1, commonFunc("coalesce"), "coalesce(x, y, ...)"},
	"nullif":   {2, 2, commonFunc("nullif"), "nullif(x, y)"},

	"lower":  {1, 1, stringFunc("lower", TypeString), "lower(s)"},
	"upper":  {1, 1, stringFunc("upper", TypeString), "upper(s)"},
	"trim":   {1, 1, stringFunc("trim", TypeString), "trim(s)"},
	"ltrim":  {1, 1, stringFunc("ltrim", TypeString), "ltrim(s)"},
	"rtrim":  {1, 1, stringFunc("rtrim", TypeString), "rtrim(s)"},
	"length": {1, 1, stringFunc("length", TypeInt), "length(s)"},
	"substring": {2, 3, stringFunc("substring", TypeString, 1, 2),
		"substring(s, start [, length])"},
	"replace":     {3, 3, stringFunc("replace", TypeString), "replace(s, from, to)"},
	"starts_with": {2, 2, stringFunc("starts_with", TypeBool), "starts_with(s, prefix)"},
	"concat": {1, -1, func([]Type) (Type, string) { return TypeString, "" },
		"concat(x, y, ...)"},
	"concat_ws": {2, -1, func(a []Type) (Type, string) {
		if a[0] != TypeString && !a[0].dynamic() {
			return 0, "the separator of concat_ws must be text, got " + a[0].String()
		}
		return TypeString, ""
	}, "concat_ws(separator, x, y, ...)"},

	"to_timestamp": {1, 2, func(a []Type) (Type, string) {
		switch {
		case len(a) == 1 && a[0].numeric():
			return TypeTimestamp, "" // seconds since the epoch, as in PostgreSQL
		case a[0] == TypeString || a[0].dynamic():
			if len(a) == 2 && a[1] != TypeString && !a[1].dynamic() {
				return 0, "the format of to_timestamp(text, format) must be text"
			}
			return TypeTimestamp, ""
		}
		return 0, "to_timestamp needs seconds since the epoch or text, got " + a[0].String()
	}, "to_timestamp(epoch_seconds) or to_timestamp(text [, format])"},
	"to_timestamp_ltz": {1, 2, func(a []Type) (Type, string) {
		if !a[0].numeric() {
			return 0, "to_timestamp_ltz needs a number of epoch units, got " + a[0].String()
		}
		if len(a) == 2 && a[1] != TypeInt && !a[1].dynamic() {
			return 0, "the precision of to_timestamp_ltz(n, precision) must be 0 (seconds) or 3 (milliseconds)"
		}
		return TypeTimestamp, ""
	}, "to_timestamp_ltz(n, 0 | 3)"},
	"date_trunc": {2, 2, func(a []Type) (Type, string) {
		if a[0] != TypeString {
			return 0, "the unit of date_trunc must be text such as 'minute'"
		}
		if a[1] != TypeTimestamp && !a[1].dynamic() {
			return 0, "date_trunc needs a timestamp, got " + a[1].String()
		}
		return TypeTimestamp, ""
	}, "date_trunc('minute', ts)"},
	"extract":   {2, 2, extractResult, "EXTRACT(HOUR FROM ts)"},
	"date_part": {2, 2, extractResult, "date_part('hour', ts)"},
	"proctime": {0, 0, func([]Type) (Type, string) { return TypeTimestamp, "" },
		"name AS PROCTIME() in a source's column list"},
}

func extractResult(a []Type) (Type, string) {
	if a[0] != TypeString {
		return 0, "the field of EXTRACT must be a word such as HOUR"
	}
	if a[1] != TypeTimestamp && !a[1].dynamic() {
		return 0, "EXTRACT needs a timestamp, got " + a[1].String()
	}
	return TypeFloat, ""
}

// timeUnits are the units date_trunc accepts as its constant first argument.
var timeUnits = map[string]time.Duration{
	"millisecond": time.Millisecond, "second": time.Second, "minute": time.Minute,
	"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour,
}

// extractFields are the fields EXTRACT and date_part accept.
var extractFields = []string{"epoch", "millisecond", "second", "minute", "hour", "day", "dow", "doy", "week", "month", "quarter", "year"}

// functionNames returns every scalar and aggregate name, for suggestions.
func functionNames() []string {
	var out []string
	for n := range scalarFuncs {
		out = append(out, n)
	}
	for n := range scalarAliases {
		out = append(out, n)
	}
	for n := range aggregateFuncs {
		out = append(out, n)
	}
	return out
}
