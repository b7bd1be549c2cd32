package windows

import (
	"cmp"
	"math"
	"strings"
)

// numberOf returns v as a float64 for the arithmetic aggregates (sum, avg,
// variance, percentiles, histogram). Int and Bool (as 0/1) and finite Float
// are numbers. NULL, strings, NaN and ±Inf give ok == false and are skipped
// like NULL: sources reject non-finite numbers and the SQL layer rejects
// non-numeric arguments at plan time, so this only keeps a stray value from
// turning a state into NaN, which would break merging and encoding.
func numberOf(v Value) (float64, bool) {
	switch v.Kind {
	case KindFloat:
		return v.F, v.F-v.F == 0 // false for NaN and ±Inf
	case KindInt, KindBool:
		return float64(v.I), true
	}
	return 0, false
}

// orderable reports whether the ordering aggregates (min, max, first_value,
// last_value) take v: any non-NULL value except NaN, which has no place in a
// total order.
func orderable(v Value) bool {
	return v.Kind != KindNull && !(v.Kind == KindFloat && v.F != v.F)
}

// compareValues is the total order of min, max and of the tie-breaks of
// first_value and last_value:
//
//   - NULL < numbers < strings;
//   - numbers (Int, Float, Bool as 0/1) compare by exact numeric value, also
//     between an int64 and a float64 beyond 2^53;
//   - numerically equal numbers of different kinds order by kind
//     (Int < Float < Bool), and -0.0 < +0.0, so that no two distinct Values
//     compare equal and every merge is commutative;
//   - strings compare bytewise (Go string order, not collation).
//
// NaN must not be passed (see orderable).
func compareValues(a, b Value) int {
	// Fast paths for the common case of one kind of number.
	if a.Kind == b.Kind {
		switch {
		case a.Kind == KindFloat && a.F != b.F:
			if a.F < b.F {
				return -1
			}
			return 1
		case a.Kind == KindInt:
			return cmp.Compare(a.I, b.I)
		}
	}
	if ra, rb := orderRank(a.Kind), orderRank(b.Kind); ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch a.Kind {
	case KindNull:
		return 0
	case KindString:
		return strings.Compare(a.S, b.S)
	}
	var c int
	switch {
	case a.Kind == KindFloat && b.Kind == KindFloat:
		c = cmp.Compare(a.F, b.F)
		if c == 0 {
			// Only ±0 can differ here.
			c = -cmp.Compare(b2i(math.Signbit(a.F)), b2i(math.Signbit(b.F)))
		}
		return c
	case a.Kind == KindFloat:
		c = -compareIntFloat(b.I, a.F)
	case b.Kind == KindFloat:
		c = compareIntFloat(a.I, b.F)
	default:
		c = cmp.Compare(a.I, b.I)
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.Kind, b.Kind)
}

func orderRank(k Kind) int {
	switch k {
	case KindNull:
		return 0
	case KindString:
		return 2
	}
	return 1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compareIntFloat compares i and f exactly (f is not NaN).
func compareIntFloat(i int64, f float64) int {
	switch {
	case f >= 0x1p63:
		return -1
	case f < -0x1p63:
		return 1
	}
	t := math.Trunc(f)
	if c := cmp.Compare(i, int64(t)); c != 0 {
		return c
	}
	// i equals the integral part of f: the fraction decides.
	return cmp.Compare(t, f)
}
