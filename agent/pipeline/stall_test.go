package pipeline

import (
	"testing"

	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/simulate"
)

// TestDowntimeIsNotIdleness: an agent down for ten times the idle timeout
// (10 s) comes back to the broker's backlog. The downtime is not silence
// of the devices: no window is flushed early, no held-back reading is late,
// and the final results equal the expectation.
func TestDowntimeIsNotIdleness(t *testing.T) {
	cfg := simulate.Config{Devices: 20, Seed: 3, Readings: 60, Interval: 1000, Disorder: 2000, Start: 1_700_000_000_000}
	const window = 10_000
	h := newHarness(t, fleetSQL(cfg, window), cfg.Start)
	g := simulate.New(cfg)
	var msgs []simulate.Message
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		msgs = append(msgs, m)
	}
	feed := func(ms []simulate.Message) {
		for i := 0; i < len(ms); i += 50 {
			batch := ms[i:min(i+50, len(ms))]
			in := make([]ingest.Message, 0, len(batch))
			for _, m := range batch {
				in = append(in, message(m, h.clk.ms, false, 0))
			}
			h.step(in)
			h.clk.ms += 100
		}
	}
	half := len(msgs) / 2
	feed(msgs[:half])
	h.clk.ms += 100_000 // down for 100 s
	h.restart()
	feed(msgs[half:])
	if st := h.p.Status(); st.Late != 0 {
		t.Fatalf("%d readings late after the downtime", st.Late)
	}
	h.clk.ms += 20_000 // every device silent now: the idle timeout flushes the last windows
	h.step(nil)
	checkFleet(t, h, cfg, window)
}
