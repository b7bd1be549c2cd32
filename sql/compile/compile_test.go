package compile

import (
	"errors"
	"testing"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

const source = `CREATE SOURCE t (device VARCHAR, temp DOUBLE, hum BIGINT, ts TIMESTAMP, p AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'mqtt', topic = 'sensors/x') FORMAT PLAIN ENCODE JSON;
`

// catalog binds source plus the given statements.
func catalog(t testing.TB, stmts string) *sql.Catalog {
	t.Helper()
	c := sql.NewCatalog()
	if errs := c.Exec("test.sql", source+stmts); len(errs) > 0 {
		t.Fatalf("%v", errs)
	}
	return c
}

func compileView(t testing.TB, stmts, name string) *View {
	t.Helper()
	bv := catalog(t, stmts).View(name)
	if bv == nil {
		t.Fatalf("no view %s", name)
	}
	v, err := Compile(bv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCompileWindows(t *testing.T) {
	f := func(stmt string, want windows.Windowing, timeCol int, mode windows.TimeMode) *View {
		t.Helper()
		v := compileView(t, "CREATE MATERIALIZED VIEW v "+stmt+";", "v")
		if !v.Aggregating || v.Spec.Window != want || v.TimeColumn != timeCol || v.Spec.Time != mode {
			t.Errorf("%s: window %v time column %d mode %v, want %v %d %v", stmt, v.Spec.Window, v.TimeColumn, v.Spec.Time, want, timeCol, mode)
		}
		return v
	}
	v := f("AS SELECT device, count(*) FROM TUMBLE(t, ts, INTERVAL '1' MINUTE, INTERVAL '10' SECOND) GROUP BY device",
		windows.Tumbling{Size: 60000, Offset: 10000}, 3, windows.EventTime)
	if v.Spec.OutOfOrderness != 5000 {
		t.Errorf("out of orderness from the watermark: %d", v.Spec.OutOfOrderness)
	}
	f("AS SELECT device, count(*) FROM HOP(t, ts, INTERVAL '30' SECOND, INTERVAL '2' MINUTE) GROUP BY device",
		windows.Hopping{Size: 120000, Slide: 30000}, 3, windows.EventTime)
	f("WITH (session_max_duration = '5m') AS SELECT device, count(*) FROM SESSION(t, ts, INTERVAL '30' SECOND) GROUP BY device",
		windows.Session{Gap: 30000, MaxDuration: 300000}, 3, windows.EventTime)
	f("AS SELECT device, count(*) FROM t GROUP BY device", windows.Unbounded{}, -1, windows.EventTime)
	f("AS SELECT device, count(*) FROM TUMBLE(t, p, INTERVAL '1' MINUTE) GROUP BY device",
		windows.Tumbling{Size: 60000}, -1, windows.ProcessingTime)
	f("AS SELECT count(*) FROM t GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)",
		windows.Tumbling{Size: 60000}, 3, windows.EventTime)

	v = f(`WITH (allowed_lateness = '10s', out_of_orderness = '2s', idle_timeout = '1m', emit_interval = '5s')
		AS SELECT device, count(*) FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) GROUP BY device`,
		windows.Tumbling{Size: 60000}, 3, windows.EventTime)
	if s := v.Spec; s.AllowedLateness != 10000 || s.OutOfOrderness != 2000 || s.IdleTimeout != 60000 || s.EmitEvery != 5000 {
		t.Errorf("options: %+v", s)
	}
	v = f("WITH (emit_interval = '3s') AS SELECT device, count(*) FROM t GROUP BY device", windows.Unbounded{}, -1, windows.EventTime)
	if v.Spec.EmitEvery != 3000 {
		t.Errorf("emit every %d", v.Spec.EmitEvery)
	}
}

func TestCompileAggregates(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v AS SELECT device, count(*) AS n, count(temp) AS c,
		count(*) FILTER (WHERE temp > 20) AS hot, count(DISTINCT hum) AS dh, avg(temp) + 1 AS a1,
		approx_percentile(0.99, 0.02) WITHIN GROUP (ORDER BY temp) AS p99, percentile_cont(0.5) WITHIN GROUP (ORDER BY temp DESC) AS med,
		stddev(temp) AS sd, window_start
		FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) GROUP BY device;`, "v")
	var names []string
	for _, a := range v.Spec.Aggregates {
		names = append(names, a.Name())
	}
	want := []string{"count_star", "count", "count", "count_distinct", "avg", "approx_percentile", "percentile_cont", "stddev"}
	if len(names) != len(want) {
		t.Fatalf("aggregates %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("aggregate %d: %s, want %s", i, names[i], want[i])
		}
	}
	if !v.aggs[2].one || v.aggs[0].one {
		t.Error("count(*) FILTER is not planned as count(1 or NULL)")
	}
	// Output columns that are exactly an aggregate.
	for i, want := range []int{-1, 0, 1, 2, 3, -1, 5, 6, 7, -1} {
		got, ok := v.OutputAggregate(i)
		if ok != (want >= 0) || ok && got != want {
			t.Errorf("OutputAggregate(%d) = %d, %v; want %d", i, got, ok, want)
		}
	}
	if cols := v.Columns(); len(cols) != 10 || cols[0].Name != "device" || cols[5].Type != sql.TypeFloat || cols[9].Type != sql.TypeTimestamp {
		t.Errorf("columns %+v", cols)
	}
}

func TestCompileDistinctKeysHiddenCount(t *testing.T) {
	v := compileView(t, "CREATE MATERIALIZED VIEW v AS SELECT device FROM t GROUP BY device;", "v")
	if len(v.Spec.Aggregates) != 1 || v.Spec.Aggregates[0].Name() != "count_star" {
		t.Fatalf("hidden count(*): %v", v.Spec.Aggregates)
	}
	if _, ok := v.OutputAggregate(0); ok {
		t.Error("device is not an aggregate")
	}
}

func TestCompileNonAggregating(t *testing.T) {
	v := compileView(t, "CREATE MATERIALIZED VIEW v AS SELECT device, temp * 2 AS t2 FROM t WHERE temp > 10;", "v")
	if v.Aggregating || v.Spec.Window != nil || len(v.Spec.Aggregates) != 0 || v.TimeColumn != -1 {
		t.Fatalf("%+v", v)
	}
}

func TestCompileErrors(t *testing.T) {
	if _, err := Compile(nil); !errors.Is(err, ErrPlan) {
		t.Error(err)
	}
	bv := &sql.BoundView{Name: "x", Aggregating: true, Aggregates: []*sql.AggCall{{Func: "nope", Star: true}}}
	if _, err := Compile(bv); !errors.Is(err, ErrPlan) || !errors.Is(err, windows.ErrUnknownAggregate) {
		t.Error(err)
	}
	bv = &sql.BoundView{Name: "x", Where: &sql.FuncExpr{Name: "nope"}}
	if _, err := Compile(bv); !errors.Is(err, ErrPlan) {
		t.Error(err)
	}
}
