package windows

import (
	"errors"
	"strings"
	"testing"
)

func TestNewAggregateErrors(t *testing.T) {
	f := func(name string, args AggArgs, want error, wantText string) {
		t.Helper()
		a, err := NewAggregate(name, args)
		if !errors.Is(err, want) {
			t.Fatalf("NewAggregate(%q, %+v) = %v, %v; want %v", name, args, a, err, want)
		}
		if !strings.Contains(err.Error(), wantText) {
			t.Fatalf("error %q does not mention %q", err, wantText)
		}
	}
	f("median", AggArgs{}, ErrUnknownAggregate, "known functions are approx_count_distinct, approx_percentile, avg, count,")
	f("", AggArgs{}, ErrUnknownAggregate, `""`)
	f("sum", AggArgs{Star: true}, ErrAggregateArgs, "sum does not take *")
	f("max", AggArgs{Quantiles: []float64{0.5}, Precision: 3}, ErrAggregateArgs, "quantiles or an HLL precision")
}

// TestAggregateNamesRoundTrip checks that every name builds, and that Name()
// maps back to the same function.
func TestAggregateNamesRoundTrip(t *testing.T) {
	for _, name := range AggregateNames() {
		args := catalogTestArgs(name)
		a, err := NewAggregate(name, args)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		b, err := NewAggregate(a.Name(), args)
		if err != nil {
			t.Errorf("%s: Name() %q does not build: %v", name, a.Name(), err)
			continue
		}
		if got, want := b.NewState().AppendBinary(nil), a.NewState().AppendBinary(nil); string(got) != string(want) {
			t.Errorf("%s: Name() %q builds another function", name, a.Name())
		}
	}
}

// catalogTestArgs returns the parameters name needs.
func catalogTestArgs(name string) AggArgs {
	switch name {
	case "approx_percentile", "percentile_cont", "percentile_disc":
		return AggArgs{Quantiles: []float64{0.5}}
	case "histogram":
		return AggArgs{Bounds: []float64{0, 10}}
	}
	return AggArgs{}
}

// TestExactAddDoesNotAllocate: Add, Result (single-valued), Mergeable and
// Reset of the exact aggregates allocate nothing; the quantile sketch
// neither, once its bins cover the data (a reused state).
func TestExactAddDoesNotAllocate(t *testing.T) {
	in := []Value{Int(3), Float(-2.5), Null, Int(7), Float(1e9), Bool(true), String("s")}
	for _, name := range []string{"count", "count_star", "sum", "avg", "min", "max", "first_value", "last_value",
		"var_pop", "var_samp", "stddev", "histogram", "approx_percentile"} {
		a := mustAgg(t, name, catalogTestArgs(name))
		s := a.NewState()
		var ts int64
		allocs := testing.AllocsPerRun(100, func() {
			for _, v := range in {
				ts++
				s.Add(v, ts)
			}
			if _, multi := s.(MultiResult); !multi {
				_ = s.Result()
			}
			_ = s.Mergeable()
			s.Reset()
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Add/Result/Reset round", name, allocs)
		}
	}
}
