package pipeline

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/simulate"
)

// TestFleetLateReadingsCountedNotAdded: readings a device sends after their
// window closed are counted as late and change no result; every in-time
// window is still exact; and each late reading, none other, reaches the
// view's late sink (stream = 'late') with the window it missed.
func TestFleetLateReadingsCountedNotAdded(t *testing.T) {
	const window = 10_000
	cfg := simulate.Config{Devices: 50, Seed: 12, Readings: 60, Interval: 1000, Disorder: 3000,
		DupRate: 0.01, MalformedRate: 0.005, LateRate: 0.03, LateBy: window + 1000 + 3000,
		Start: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).UnixMilli()}
	src := fleetSQL(cfg, window) + "\nCREATE SINK late_readings FROM " + simulate.ViewName +
		" WITH (connector = 'print', stream = 'late');\n"
	h := newHarness(t, src, cfg.Start)
	g := simulate.New(cfg)
	var batch []ingest.Message
	late, n := 0, 0
	wantLate := map[string]int64{} // device/seq → event time
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		if m.Kind == simulate.Late {
			late++
			var r struct {
				Device string `json:"device"`
				Seq    int64  `json:"seq"`
				TS     int64  `json:"ts"`
			}
			if err := json.Unmarshal(m.Payload, &r); err != nil {
				t.Fatal(err)
			}
			wantLate[fmt.Sprintf("%s/%d", r.Device, r.Seq)] = r.TS
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
	rows := h.sinkRows("late_readings")
	if len(rows) != late {
		t.Errorf("late sink got %d rows, want the %d late readings", len(rows), late)
	}
	for _, r := range rows {
		key := fmt.Sprintf("%v/%v", r["device"], r["seq"])
		ts, ok := wantLate[key]
		if !ok {
			t.Errorf("late sink row %v is not a late reading", r)
			continue
		}
		delete(wantLate, key)
		ws, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r["late_window_start"]))
		wm, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(r["late_watermark"]))
		if err != nil || err2 != nil || r["late_view"] != simulate.ViewName || ws.UnixMilli() != ts/window*window ||
			wm.UnixMilli() < ws.UnixMilli()+window {
			t.Errorf("late sink row %v: want late_view %q, late_window_start the window of ts %d, late_watermark past its end",
				r, simulate.ViewName, ts)
		}
	}
	if len(wantLate) > 0 {
		t.Errorf("%d late readings missing from the late sink", len(wantLate))
	}
}
