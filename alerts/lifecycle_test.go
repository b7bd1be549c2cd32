package alerts

import (
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

const hotSite = `
rules:
  - name: hot_site
    view: site_temp
    group_by: [site]
    condition: p95_temp > 40
    clear: p95_temp < 37
    for: 5m
    severity: critical
    labels: {team: facilities}
    notify: [ops]
`

func TestPendingThenFiringAfterFor(t *testing.T) {
	e := mustEngine(t, hotSite)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0)
	if got := notes(e.Tick(t0)); got != "" {
		t.Fatalf("notified while pending: %q", got)
	}
	if got, want := states(e), "hot_site{site=\"lyon\"}=pending\n"; got != want {
		t.Fatalf("states %q, want %q", got, want)
	}
	if got := notes(e.Tick(t0 + 5*minute - 1)); got != "" {
		t.Fatalf("fired before for: %q", got)
	}
	got := e.Tick(t0 + 5*minute)
	if notes(got) != "firing hot_site{site=\"lyon\"} 41\n" {
		t.Fatalf("got %q", notes(got))
	}
	n := got[0]
	if n.Severity != "critical" || n.Labels["team"] != "facilities" || n.Labels["site"] != "lyon" || n.Time != t0+5*minute ||
		len(n.Notify) != 1 || n.Notify[0] != "ops" || n.Rule != "hot_site" {
		t.Fatalf("notification %+v", n)
	}
	if got := notes(e.Tick(t0 + 6*minute)); got != "" {
		t.Fatalf("notified twice: %q", got)
	}
}

func TestFlappingWithinForDoesNotFire(t *testing.T) {
	e := mustEngine(t, hotSite)
	obs := func(temp float64, at int64) { e.Observe("site_temp", siteTempNames, row("lyon", "d1", temp, 0), at) }
	for i := int64(0); i < 20; i++ {
		// Hot for 2 minutes, normal for 1: never 5 minutes in a row.
		at := t0 + i*3*minute
		obs(45, at)
		obs(45, at+2*minute)
		if got := notes(e.Tick(at + 2*minute)); got != "" {
			t.Fatalf("cycle %d: %q", i, got)
		}
		obs(30, at+2*minute+30*sec)
		if got := states(e); got != "" {
			t.Fatalf("cycle %d: flap left %q", i, got)
		}
	}
	if got := notes(e.Tick(t0 + 100*minute)); got != "" {
		t.Fatalf("fired: %q", got)
	}
	if s := e.Stats(); s.Instances != 0 {
		t.Fatalf("inactive threshold instances kept: %+v", s)
	}
}

func TestHysteresis(t *testing.T) {
	e := mustEngine(t, hotSite)
	obs := func(temp float64, at int64) { e.Observe("site_temp", siteTempNames, row("lyon", "d1", temp, 0), at) }
	obs(42, t0)
	obs(41, t0+5*minute)
	if got := notes(e.Tick(t0 + 5*minute)); got != "firing hot_site{site=\"lyon\"} 41\n" {
		t.Fatalf("got %q", got)
	}
	// Between the clear (37) and fire (40) thresholds: still firing.
	for i, v := range []float64{39.9, 38, 37, 39, 40.5, 37.01} {
		obs(v, t0+6*minute+int64(i)*minute)
		if got := states(e); got != "hot_site{site=\"lyon\"}=firing\n" {
			t.Fatalf("%v: %q", v, got)
		}
	}
	if got := notes(e.Tick(t0 + 20*minute)); got != "" {
		t.Fatalf("notified while firing: %q", got)
	}
	obs(36.9, t0+21*minute)
	if got := notes(e.Tick(t0 + 21*minute)); got != "resolved hot_site{site=\"lyon\"} 36.9\n" {
		t.Fatalf("got %q", got)
	}
	// Back between the thresholds after resolving: nothing starts.
	obs(39, t0+22*minute)
	if got := states(e); got != "hot_site{site=\"lyon\"}=resolved\n" {
		t.Fatalf("%q", got)
	}
	// A new episode, then the resolved alert leaves the list after keep_resolved.
	obs(41, t0+23*minute)
	if got := states(e); got != "hot_site{site=\"lyon\"}=pending\n" {
		t.Fatalf("%q", got)
	}
	obs(30, t0+24*minute)
	if got := states(e); got != "" {
		t.Fatalf("%q", got)
	}
}

func TestResolvedExpiresAfterKeepResolved(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: hot
    view: site_temp
    group_by: [site, device]
    condition: p95_temp > 40
    keep_resolved: 10m
`)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 39, 0), t0+minute)
	if got := notes(e.Tick(t0 + minute)); got != "firing hot{site=\"lyon\",device=\"d1\"} 41\nresolved hot{site=\"lyon\",device=\"d1\"} 39\n" {
		t.Fatalf("%q", got)
	}
	e.Tick(t0 + 11*minute - 1)
	if got := states(e); got != "hot{site=\"lyon\",device=\"d1\"}=resolved\n" {
		t.Fatalf("%q", got)
	}
	e.Tick(t0 + 11*minute)
	if got := states(e); got != "" || e.Stats().Instances != 0 {
		t.Fatalf("%q %+v", got, e.Stats())
	}
}

func TestDedupe(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: hot
    view: site_temp
    group_by: [device]
    condition: p95_temp > 40
`)
	var all []Notification
	for i := int64(0); i < 50; i++ {
		// The same hot reading again and again, and ticks in between.
		e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0+i*sec)
		e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0+i*sec)
		all = append(all, e.Tick(t0+i*sec)...)
		all = append(all, e.Tick(t0+i*sec)...)
	}
	if got := notes(all); got != "firing hot{device=\"d1\"} 41\n" {
		t.Fatalf("%q", got)
	}
	// Firing and resolved again between two ticks: both, each once, and
	// the episodes have different keys.
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 30, 0), t0+60*sec)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 50, 0), t0+61*sec)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 50, 0), t0+62*sec)
	got := e.Tick(t0 + 62*sec)
	if notes(got) != "resolved hot{device=\"d1\"} 50\nfiring hot{device=\"d1\"} 50\n" {
		t.Fatalf("%q", notes(got))
	}
	keys := map[string]bool{all[0].DedupKey: true}
	for _, n := range got {
		if keys[n.DedupKey] {
			t.Fatalf("dedup key %q reused", n.DedupKey)
		}
		keys[n.DedupKey] = true
	}
	if e.Tick(t0+63*sec) != nil {
		t.Fatal("notified again")
	}
}

func TestWhereValueAndColumnOrder(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: hot_lyon
    view: site_temp
    where: site = 'lyon'
    group_by: [device]
    condition: p95_temp * 2 > 80
    value: round(p95_temp)
`)
	// Columns in another order, a whole number for the DOUBLE column, an
	// unknown column ignored.
	cols := []string{"extra", "p95_temp", "device", "site"}
	e.Observe("site_temp", cols, []windows.Value{windows.Int(1), windows.Int(41), windows.String("d1"), windows.String("paris")}, t0)
	e.Observe("site_temp", cols, []windows.Value{windows.Int(1), windows.Int(40), windows.String("d2"), windows.String("lyon")}, t0)
	e.Observe("site_temp", cols, []windows.Value{windows.Int(1), windows.Float(41.4), windows.String("d3"), windows.String("lyon")}, t0)
	e.Observe("other_view", cols, nil, t0)
	if got := notes(e.Tick(t0)); got != "firing hot_lyon{device=\"d3\"} 41\n" {
		t.Fatalf("%q", got)
	}
	if s := e.Stats(); s.Rows != 3 {
		t.Fatalf("%+v", s)
	}
}

func TestEvalErrorsSkipTheRow(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: odd
    view: site_temp
    condition: 100 / CAST(p95_temp AS BIGINT) > 1
`)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 0, 0), t0)
	if got := states(e); got != "" || e.Stats().EvalErrors != 1 {
		t.Fatalf("%q %+v", got, e.Stats())
	}
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 10, 0), t0)
	if got := notes(e.Tick(t0)); got != "firing odd 10\n" {
		t.Fatalf("%q", got)
	}
}
