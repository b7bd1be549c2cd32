package alerts

import (
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

func TestAbsence(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: device_silent
    kind: absence
    view: site_temp
    where: device <> 'ignored'
    group_by: [device]
    for: 5m
`)
	obs := func(dev string, at int64) { e.Observe("site_temp", siteTempNames, row("lyon", dev, 20, 0), at) }
	obs("d1", t0)
	obs("d2", t0)
	obs("ignored", t0)
	for m := int64(1); m <= 4; m++ {
		obs("d2", t0+m*minute)
		if got := notes(e.Tick(t0 + m*minute)); got != "" {
			t.Fatalf("minute %d: %q", m, got)
		}
	}
	// d1 silent for 5 minutes; d2 reported a minute ago.
	if got := notes(e.Tick(t0 + 5*minute)); got != "firing device_silent{device=\"d1\"} 300000\n" {
		t.Fatalf("%q", got)
	}
	if got := notes(e.Tick(t0 + 9*minute)); got != "firing device_silent{device=\"d2\"} 300000\n" {
		t.Fatalf("%q", got)
	}
	if got := notes(e.Tick(t0 + 20*minute)); got != "" {
		t.Fatalf("notified twice: %q", got)
	}
	obs("d1", t0+21*minute)
	if got := notes(e.Tick(t0 + 21*minute)); got != "resolved device_silent{device=\"d1\"} 1260000\n" {
		t.Fatalf("%q", got)
	}
	// Silent again: a new episode.
	if got := notes(e.Tick(t0 + 26*minute)); got != "firing device_silent{device=\"d1\"} 300000\n" {
		t.Fatalf("%q", got)
	}
	if got := states(e); got != "device_silent{device=\"d1\"}=firing\ndevice_silent{device=\"d2\"}=firing\n" {
		t.Fatalf("%q", got)
	}
}

func TestRateOfChange(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: heating_fast
    kind: rate
    view: site_temp
    group_by: [device]
    value: p95_temp
    time: ts
    condition: rate > 0.5
    clear: rate < 0.1
`)
	obs := func(dev string, temp float64, ts int64) {
		e.Observe("site_temp", siteTempNames, row("lyon", dev, temp, ts), t0)
	}
	obs("d1", 20, t0)
	obs("d1", 21, t0+10*sec) // 0.1/s
	obs("d2", 20, t0)
	if got := states(e); got != "" {
		t.Fatalf("%q", got)
	}
	obs("d1", 31, t0+20*sec) // 1/s
	if got := notes(e.Tick(t0)); got != "firing heating_fast{device=\"d1\"} 1\n" {
		t.Fatalf("%q", got)
	}
	obs("d1", 30, t0+15*sec) // out of order: ignored
	obs("d1", 33, t0+30*sec) // 0.2/s: between clear and fire
	obs("d1", 33, t0+30*sec) // same time: ignored
	if got := states(e); got != "heating_fast{device=\"d1\"}=firing\n" {
		t.Fatalf("%q", got)
	}
	obs("d1", 33.5, t0+40*sec) // 0.05/s
	if got := notes(e.Tick(t0)); got != "resolved heating_fast{device=\"d1\"} 0.05\n" {
		t.Fatalf("%q", got)
	}
	// A falling rate, measured at Observe's time when there is no time column.
	e2 := mustEngine(t, `
rules:
  - name: cooling_fast
    kind: rate
    view: site_temp
    value: p95_temp
    condition: rate < -1
`)
	e2.Observe("site_temp", siteTempNames, row("lyon", "d1", 50, 0), t0)
	e2.Observe("site_temp", siteTempNames, row("lyon", "d1", 20, 0), t0+10*sec)
	if got := notes(e2.Tick(t0 + 10*sec)); got != "firing cooling_fast -3\n" {
		t.Fatalf("%q", got)
	}
}

// agentRow builds an agents view row in AgentsColumns order.
func agentRow(agent string, lastSeen int64, online bool, outboxBytes int64) []windows.Value {
	return []windows.Value{windows.String(agent), windows.Int(lastSeen), windows.Bool(online), windows.Int(10),
		windows.Int(outboxBytes), windows.Int(0), windows.Int(0), windows.Int(3)}
}

func agentNames() []string {
	n := make([]string, len(AgentsColumns))
	for i, c := range AgentsColumns {
		n[i] = c.Name
	}
	return n
}

func TestAgentOffline(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: agent_down
    kind: agent_offline
    for: 2m
    severity: critical
`)
	cols := agentNames()
	e.Observe(AgentsView, cols, agentRow("gw1", t0, true, 0), t0)
	e.Observe(AgentsView, cols, agentRow("gw2", t0, true, 0), t0)
	e.Observe(AgentsView, cols, agentRow("gw2", t0, false, 0), t0+minute)
	if got := notes(e.Tick(t0 + 2*minute)); got != "" {
		t.Fatalf("%q", got)
	}
	if got := notes(e.Tick(t0 + 3*minute)); got != "firing agent_down{agent=\"gw2\"} "+windows.Int(t0).String()+"\n" {
		t.Fatalf("%q", got)
	}
	e.Observe(AgentsView, cols, agentRow("gw2", t0+4*minute, true, 0), t0+4*minute)
	if got := notes(e.Tick(t0 + 4*minute)); got != "resolved agent_down{agent=\"gw2\"} "+windows.Int(t0+4*minute).String()+"\n" {
		t.Fatalf("%q", got)
	}
	r := e.Rules()[0]
	if r.View != AgentsView || r.Condition != "NOT online" || len(r.GroupBy) != 1 || r.GroupBy[0] != "agent" {
		t.Fatalf("%+v", r)
	}
}

func TestOutboxLimit(t *testing.T) {
	e := mustEngine(t, `
rules:
  - name: outbox_full
    kind: outbox
    limit: 100MB
    clear: outbox_bytes < 50000000
`)
	cols := agentNames()
	obs := func(b int64, at int64) { e.Observe(AgentsView, cols, agentRow("gw1", at, true, b), at) }
	obs(100_000_000, t0)
	if got := states(e); got != "" {
		t.Fatalf("at the limit: %q", got)
	}
	obs(100_000_001, t0+sec)
	if got := notes(e.Tick(t0 + sec)); got != "firing outbox_full{agent=\"gw1\"} 100000001\n" {
		t.Fatalf("%q", got)
	}
	obs(60_000_000, t0+2*sec)
	if got := states(e); got != "outbox_full{agent=\"gw1\"}=firing\n" {
		t.Fatalf("%q", got)
	}
	obs(40_000_000, t0+3*sec)
	if got := notes(e.Tick(t0 + 3*sec)); got != "resolved outbox_full{agent=\"gw1\"} 40000000\n" {
		t.Fatalf("%q", got)
	}
}
