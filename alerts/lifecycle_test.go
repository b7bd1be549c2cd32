package alerts

import "testing"

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
