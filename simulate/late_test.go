package simulate

import "testing"

// TestLateReadings: late readings come at about LateRate, are valid
// readings (Kind Late, natural sequence numbers), and when one is published
// its device has already published an in-time reading at least LateBy −
// Interval newer, so its window has closed for any tumbling window up to
// LateBy − Interval − Disorder. Expect leaves them out.
func TestLateReadings(t *testing.T) {
	cfg := Config{Devices: 50, Seed: 3, Readings: 200, Interval: 1000, Disorder: 3000,
		DupRate: 0.01, LateRate: 0.02, LateBy: 14000}
	g := New(cfg)
	newest := map[string]int64{}
	late, good := 0, 0
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		switch m.Kind {
		case Good:
			good++
			newest[m.Device] = max(newest[m.Device], m.Time)
		case Late:
			late++
			if n := newest[m.Device]; n < m.Time+cfg.LateBy-cfg.Interval {
				t.Fatalf("late reading %s seq %d at %d: its device's newest in-time reading is only %d", m.Device, m.Seq, m.Time, n)
			}
		}
	}
	if total := late + good; total != cfg.Devices*cfg.Readings {
		t.Fatalf("%d good + %d late readings, want %d", good, late, cfg.Devices*cfg.Readings)
	}
	if rate := float64(late) / float64(late+good); rate < 0.01 || rate > 0.03 {
		t.Fatalf("late rate %.4f, want about %.2f", rate, cfg.LateRate)
	}
	var counted int64
	for _, a := range Expect(cfg, 10_000) {
		counted += a.Count
	}
	if counted != int64(good) {
		t.Fatalf("Expect counts %d readings, want the %d in-time ones", counted, good)
	}
}
