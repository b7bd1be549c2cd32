package pipeline

import (
	"testing"
	"time"

	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/simulate"
)

// TestFleetLateReadingsCountedNotAdded: readings a device sends after their
// window closed are counted as late and change no result; every in-time
// window is still exact.
func TestFleetLateReadingsCountedNotAdded(t *testing.T) {
	const window = 10_000
	cfg := simulate.Config{Devices: 50, Seed: 12, Readings: 60, Interval: 1000, Disorder: 3000,
		DupRate: 0.01, MalformedRate: 0.005, LateRate: 0.03, LateBy: window + 1000 + 3000,
		Start: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).UnixMilli()}
	h := newHarness(t, fleetSQL(cfg, window), cfg.Start)
	g := simulate.New(cfg)
	var batch []ingest.Message
	late, n := 0, 0
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		if m.Kind == simulate.Late {
			late++
		} else if m.Time > h.clk.ms {
			h.clk.ms = m.Time
		}
		n++
		batch = append(batch, message(m, h.clk.ms, false, uint16(n)))
		if len(batch) == 50 {
			h.step(batch)
			batch = nil
		}
	}
	h.step(batch)
	h.clk.ms += 30_000
	h.step(nil)
	checkFleet(t, h, cfg, window)
	if late == 0 {
		t.Fatal("the stream had no late reading")
	}
	if got := h.p.Status().Late; got != uint64(late) {
		t.Fatalf("%d late readings counted, want %d", got, late)
	}
}
