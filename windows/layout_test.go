package windows

import (
	"testing"
	"unsafe"
)

// TestWindowLayoutStatesInsideBlock guards the invariant window.states
// relies on: the state array starts right after the window and ends inside
// the block, and each inlined state lives in the block too.
func TestWindowLayoutStatesInsideBlock(t *testing.T) {
	for _, names := range [][]string{
		{"count", "sum", "avg", "max"},
		{"approx_percentile", "approx_count_distinct"},
		{"min", "max", "first_value", "last_value", "var_pop", "histogram", "sum"}, // more than four
	} {
		var aggs []Aggregate
		for _, n := range names {
			args := AggArgs{Star: n == "count"}
			switch n {
			case "approx_percentile":
				args.Quantiles = []float64{0.99}
			case "histogram":
				args.Bounds = []float64{0, 10}
			}
			aggs = append(aggs, mustAgg(t, n, args))
		}
		l := newWindowLayout(aggs)
		w := l.alloc(aggs)
		start, end := uintptr(unsafe.Pointer(w)), uintptr(unsafe.Pointer(w))+l.size
		states := w.states()
		if len(states) != len(aggs) {
			t.Fatalf("%v: %d states", names, len(states))
		}
		if a := uintptr(unsafe.Pointer(&states[0])); a != start+windowSize {
			t.Errorf("%v: states at +%d, want +%d", names, a-start, windowSize)
		}
		if a := uintptr(unsafe.Pointer(&states[len(states)-1])) + unsafe.Sizeof(states[0]); a > end {
			t.Errorf("%v: state array ends %d bytes past the block", names, a-end)
		}
		for i, s := range states {
			p := (*[2]uintptr)(unsafe.Pointer(&s))[1] // the interface's data word
			if p < start || p >= end {
				t.Errorf("%v: state %d (%T) outside the block", names, i, s)
			}
		}
	}
}
