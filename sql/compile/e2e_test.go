package compile

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/eddy-iot/eddy/sql/eval"
	"github.com/eddy-iot/eddy/windows"
)

// event is one input row of the end-to-end tests.
type event struct {
	device string
	temp   float64
	hum    int64
	ts     int64
}

func (e event) row() []windows.Value {
	return []windows.Value{windows.String(e.device), windows.Float(e.temp), windows.Int(e.hum), windows.Int(e.ts), windows.Int(0)}
}

// events: four devices with in-order times 1 to 15 s apart over 10 minutes
// (gaps of 12 s and more split sessions); device d3 sends two events only.
func events() []event {
	rng := rand.New(rand.NewPCG(7, 8))
	var out []event
	for d := 0; d < 3; d++ {
		ts := int64(1_700_000_000_000)
		for ts < 1_700_000_600_000 {
			out = append(out, event{fmt.Sprintf("d%d", d), float64(rng.IntN(400)) / 10, int64(rng.IntN(5)), ts})
			ts += int64(1000 + rng.IntN(14000))
		}
	}
	out = append(out, event{"d3", 21, 1, 1_700_000_000_000}, event{"d3", 19, 2, 1_700_000_001_000})
	// Interleave devices by time, as a broker would.
	slices.SortStableFunc(out, func(a, b event) int { return int(a.ts - b.ts) })
	return out
}

// collector runs the view's Output over every result and keeps the last
// output row per (key, window).
type collector struct {
	t    *testing.T
	v    *View
	env  eval.Env
	rows map[string][]windows.Value
	late int
}

func (c *collector) Result(r *windows.Result) {
	out, keep, err := c.v.Output(&c.env, r, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	id := fmt.Sprintf("%x/%d", r.Key, r.Window.Start)
	if !keep {
		delete(c.rows, id)
		return
	}
	c.rows[id] = out
}

func (c *collector) Late(*windows.LateEvent) { c.late++ }

// run feeds evs through Record → Operator → Output and returns the output
// rows, keyed by their first column(s) rendered as text.
func run(t *testing.T, v *View, evs []event) map[string][]windows.Value {
	t.Helper()
	c := &collector{t: t, v: v, rows: map[string][]windows.Value{}}
	spec := v.Spec
	spec.NoChanges = true
	op, err := windows.New(spec, c)
	if err != nil {
		t.Fatal(err)
	}
	var env eval.Env
	var rec windows.Record
	now := int64(1_000)
	for i, e := range evs {
		env.Row, env.Now = e.row(), now
		ok, err := v.Record(&env, &rec)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		rec.Partition = []byte(e.device)
		if err := op.Process(&rec); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			now += 100
			op.Advance(now)
		}
	}
	// Every partition goes idle: all windows flush with final results.
	op.Advance(now + 10*60_000)
	op.Advance(now + 20*60_000)
	if c.late != 0 {
		t.Errorf("%d late events", c.late)
	}
	out := map[string][]windows.Value{}
	for _, row := range c.rows {
		k := row[0].String()
		if v.Bound.Window != nil && len(row) > 1 && row[1].Kind == windows.KindInt {
			k += "/" + row[1].String()
		}
		out[k] = row
	}
	return out
}

func key(device string, start int64) string {
	return windows.String(device).String() + "/" + windows.Int(start).String()
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestEndToEndTumbling(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v WITH (idle_timeout = '1m') AS
		SELECT device, window_start, window_end, count(*) AS n, avg(temp) AS a, max(temp) AS mx,
		  count(*) FILTER (WHERE temp > 20) AS hot, sum(hum) FILTER (WHERE temp > 20) AS hothum, count(DISTINCT hum) AS dh
		FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) GROUP BY device, window_start, window_end;`, "v")
	type agg struct {
		n, hot, hothum int64
		sum, max       float64
		hums           map[int64]bool
	}
	want := map[string]*agg{}
	for _, e := range events() {
		start := e.ts - e.ts%60000
		k := key(e.device, start)
		a := want[k]
		if a == nil {
			a = &agg{max: math.Inf(-1), hums: map[int64]bool{}}
			want[k] = a
		}
		a.n++
		a.sum += e.temp
		a.max = math.Max(a.max, e.temp)
		a.hums[e.hum] = true
		if e.temp > 20 {
			a.hot++
			a.hothum += e.hum
		}
	}
	got := run(t, v, events())
	if len(got) != len(want) {
		t.Fatalf("%d windows, want %d", len(got), len(want))
	}
	for k, w := range want {
		row := got[k]
		if row == nil {
			t.Fatalf("no result for %s", k)
		}
		if row[2].I-row[1].I != 60000 || row[3].I != w.n || !near(row[4].F, w.sum/float64(w.n)) || row[5].F != w.max ||
			row[6].I != w.hot || row[8].I != int64(len(w.hums)) {
			t.Errorf("%s: got %v, want n=%d avg=%g max=%g hot=%d distinct=%d", k, row, w.n, w.sum/float64(w.n), w.max, w.hot, len(w.hums))
		}
		if w.hot == 0 && !row[7].IsNull() || w.hot > 0 && row[7].I != w.hothum {
			t.Errorf("%s: sum FILTER %v, want %d", k, row[7], w.hothum)
		}
	}
}

func TestEndToEndHop(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v WITH (idle_timeout = '1m') AS
		SELECT device, window_start, count(*) AS n FROM HOP(t, ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE)
		GROUP BY device, window_start;`, "v")
	want := map[string]int64{}
	for _, e := range events() {
		s := e.ts - e.ts%30000
		want[key(e.device, s)]++
		want[key(e.device, s-30000)]++
	}
	got := run(t, v, events())
	if len(got) != len(want) {
		t.Fatalf("%d windows, want %d", len(got), len(want))
	}
	for k, n := range want {
		if row := got[k]; row == nil || row[2].I != n {
			t.Errorf("%s: %v, want %d", k, row, n)
		}
	}
}

func TestEndToEndSession(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v WITH (idle_timeout = '1m') AS
		SELECT device, window_start, window_end, count(*) AS n FROM SESSION(t, ts, INTERVAL '12' SECOND)
		GROUP BY device, window_start, window_end;`, "v")
	type sess struct{ start, end, n int64 }
	byDev := map[string][]*sess{}
	for _, e := range events() {
		ss := byDev[e.device]
		if len(ss) > 0 && e.ts < ss[len(ss)-1].end {
			s := ss[len(ss)-1]
			s.end, s.n = e.ts+12000, s.n+1
			continue
		}
		byDev[e.device] = append(ss, &sess{e.ts, e.ts + 12000, 1})
	}
	got := run(t, v, events())
	total := 0
	for d, ss := range byDev {
		total += len(ss)
		for _, s := range ss {
			row := got[key(d, s.start)]
			if row == nil || row[2].I != s.end || row[3].I != s.n {
				t.Errorf("%s session at %d: %v, want end %d n %d", d, s.start, row, s.end, s.n)
			}
		}
	}
	if len(got) != total || total < 8 {
		t.Errorf("%d sessions, want %d", len(got), total)
	}
}

func TestEndToEndUnboundedHaving(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v AS
		SELECT device, count(*) AS n, sum(hum) AS s, max(temp) - min(temp) AS spread FROM t
		GROUP BY device HAVING count(*) > 2;`, "v")
	type agg struct {
		n, s     int64
		min, max float64
	}
	want := map[string]*agg{}
	for _, e := range events() {
		a := want[e.device]
		if a == nil {
			a = &agg{min: math.Inf(1), max: math.Inf(-1)}
			want[e.device] = a
		}
		a.n++
		a.s += e.hum
		a.min, a.max = math.Min(a.min, e.temp), math.Max(a.max, e.temp)
	}
	got := run(t, v, events())
	if _, ok := got[windows.String("d3").String()]; ok {
		t.Error("d3 has 2 events: HAVING count(*) > 2 drops it")
	}
	if len(got) != 3 {
		t.Fatalf("%d groups: %v", len(got), got)
	}
	for d, w := range want {
		if d == "d3" {
			continue
		}
		row := got[windows.String(d).String()]
		if row == nil || row[1].I != w.n || row[2].I != w.s || !near(row[3].F, w.max-w.min) {
			t.Errorf("%s: %v, want %+v", d, row, w)
		}
	}
}

func TestEndToEndDistinctKeys(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v AS SELECT device FROM t WHERE temp > 1 GROUP BY device;`, "v")
	got := run(t, v, events())
	if len(got) != 4 {
		t.Errorf("%d devices: %v", len(got), got)
	}
}

func TestProject(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v AS SELECT device, temp * 2 AS t2, hum / 0 AS bad FROM t WHERE temp > 10;`, "v")
	env := &eval.Env{Row: event{"d1", 5, 1, 0}.row()}
	if _, keep, err := v.Project(env, nil); keep || err != nil {
		t.Errorf("temp 5 passes WHERE temp > 10: %v %v", keep, err)
	}
	env.Row = event{"d1", 15, 1, 0}.row()
	if _, _, err := v.Project(env, nil); err == nil {
		t.Error("hum / 0 did not fail")
	}
	v = compileView(t, `CREATE MATERIALIZED VIEW v AS SELECT device, temp * 2 AS t2 FROM t WHERE temp > 10;`, "v")
	out, keep, err := v.Project(env, make([]windows.Value, 0, 4))
	if !keep || err != nil || len(out) != 2 || out[0].S != "d1" || out[1].F != 30 {
		t.Errorf("%v %v %v", out, keep, err)
	}
}

func TestRecordErrors(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v AS SELECT device, window_start, avg(temp / hum) AS a, sum(sqrt(temp)) AS r
		FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) GROUP BY device, window_start;`, "v")
	var rec windows.Record
	f := func(e event, nullTime bool, wantOK bool) {
		t.Helper()
		env := &eval.Env{Row: e.row()}
		if nullTime {
			env.Row[3] = windows.Null
		}
		ok, err := v.Record(env, &rec)
		if ok != wantOK || (err == nil) != wantOK {
			t.Errorf("%+v: ok %v err %v", e, ok, err)
		}
	}
	f(event{"d", 1, 2, 1000}, false, true)
	f(event{"d", 1, 0, 1000}, false, false)  // division by zero
	f(event{"d", -1, 2, 1000}, false, false) // sqrt(-1) is NaN
	f(event{"d", 1, 2, 1000}, true, false)   // NULL event time
}

// TestRecordAllocs: steady-state Record of numeric keys and inputs
// allocates nothing.
func TestRecordAllocs(t *testing.T) {
	v := compileView(t, `CREATE MATERIALIZED VIEW v AS SELECT hum, count(*) AS n, avg(temp) AS a, max(temp) FILTER (WHERE temp > 1) AS m
		FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) WHERE temp > 0 GROUP BY hum;`, "v")
	env := &eval.Env{Row: event{"d", 3, 2, 1000}.row()}
	var rec windows.Record
	v.Record(env, &rec)
	if a := testing.AllocsPerRun(100, func() { v.Record(env, &rec) }); a != 0 {
		t.Errorf("%v allocations per Record", a)
	}
}

func BenchmarkRecordTumblingCountAvg(b *testing.B) {
	v := compileView(b, `CREATE MATERIALIZED VIEW v AS SELECT device, count(*) AS n, avg(temp) AS a
		FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) WHERE temp > -100 GROUP BY device;`, "v")
	rows := make([][]windows.Value, 64)
	for i := range rows {
		rows[i] = event{fmt.Sprintf("dev-%d", i%16), float64(i), 1, int64(i) * 1000}.row()
	}
	env := &eval.Env{}
	var rec windows.Record
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env.Row = rows[i&63]
		if _, err := v.Record(env, &rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
