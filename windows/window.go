package windows

import "math"

// Time bounds of an event, in Unix milliseconds. Records outside them are
// rejected so that window arithmetic never overflows (about ±146 million
// years; sources reject absurd timestamps long before).
const (
	MinTime int64 = -(1 << 62)
	MaxTime int64 = 1 << 62
)

// Window is the half-open interval [Start, End) of event time, in Unix
// milliseconds (UTC; no calendar, no DST). The unbounded window of a plain
// GROUP BY is [math.MinInt64, math.MaxInt64).
type Window struct {
	Start int64
	End   int64
}

// Contains reports whether ts lies in w.
func (w Window) Contains(ts int64) bool { return w.Start <= ts && ts < w.End }

// Unbounded reports whether w is the window of a plain GROUP BY, which never
// closes.
func (w Window) Unbounded() bool { return w.End == math.MaxInt64 }

// Windowing is a window kind: it maps an event time to the windows the event
// belongs to. Implementations are small immutable values (Tumbling, Hopping,
// Session, Unbounded); the operator owns time, state and emission, so a kind
// only does arithmetic.
type Windowing interface {
	// Assign appends to dst the windows containing an event at ts, in
	// ascending Start order, and returns the extended slice. ts is within
	// [MinTime, MaxTime]. It must not allocate when dst has capacity.
	Assign(dst []Window, ts int64) []Window
	// Validate reports what is wrong with the parameters, or nil.
	Validate() error
	// String names the kind and its parameters, as in an EXPLAIN.
	String() string
}

// Merging is implemented by kinds whose windows grow and merge per key
// (sessions). Assign then returns the provisional window of a lone event.
type Merging interface {
	Windowing
	// Merge returns the window covering a and b and true if they belong to
	// one window, or false if they stay apart.
	Merge(a, b Window) (Window, bool)
}

// floorDiv is a/b rounded towards negative infinity, b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// floorMod is a mod b in [0, b), b > 0.
func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// addSat is a+b saturated to the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	if b > 0 && s < a {
		return math.MaxInt64
	}
	if b < 0 && s > a {
		return math.MinInt64
	}
	return s
}
