package simulate

import "testing"

// TestReadingShape checks the reading model's parts separately: the daily
// cycle (warmest at 15:00, coldest at 03:00 UTC, 2–4 °C either way), the
// noise bound, the spike rate and size, the per-device drift and the
// humidity range and its inverse relation to the cycle.
func TestReadingShape(t *testing.T) {
	cfg := Config{Seed: 7, Interval: 1000, Readings: 1}
	cfg = cfg.withDefaults()
	const hour = 3600000
	day0 := int64(1_700_006_400_000) // a midnight UTC
	cfg.Start = day0
	drifts := map[int64]bool{}
	spikes, readings := 0, 0
	for dev := range 40 {
		// smooth is the model without noise and spike at ts.
		smooth := func(ts int64) int64 {
			d := int64(dev)
			base := 16*16 + int64(hash(cfg.Seed, d, 0, tagBase)%(10*16))
			amp := 32 + int64(hash(cfg.Seed, d, 0, tagAmplitude)%33)
			rate := int64(hash(cfg.Seed, d, 0, tagDrift)%17) - 8
			return base + amp*cycle(ts)/1000 + rate*(ts-cfg.Start)/dayMs
		}
		warm := makeReading(&cfg, dev, 0, day0+15*hour)
		cold := makeReading(&cfg, dev, 0, day0+3*hour)
		if diff := smooth(day0+15*hour) - smooth(day0+3*hour); diff < 2*32-4 || diff > 2*64+4 { // 2 × amplitude, ± half a day's drift
			t.Fatalf("device %d: 15:00 is %d/16 °C warmer than 03:00, want 4 to 8 °C", dev, diff)
		}
		if warm.hum10 >= cold.hum10 {
			t.Fatalf("device %d: humidity %d at 15:00 is not below %d at 03:00", dev, warm.hum10, cold.hum10)
		}
		// Drift: the same time of day 30 days later differs by the device's
		// rate, at most 0.5 °C a day.
		d30 := smooth(day0+30*dayMs) - smooth(day0)
		if d30 < -8*30 || d30 > 8*30 {
			t.Fatalf("device %d drifts %d/16 °C in 30 days, want at most 15 °C", dev, d30)
		}
		drifts[d30] = true
		for k := range int64(2000) {
			ts := day0 + k*37*60000 // every 37 minutes, through the day
			r := makeReading(&cfg, dev, k, ts)
			readings++
			if r.hum10 < 0 || r.hum10 > 1000 {
				t.Fatalf("device %d reading %d: humidity %d‰ out of range", dev, k, r.hum10)
			}
			off := r.temp16 - smooth(ts)
			switch {
			case off >= -3 && off <= 3: // noise of ±3/16 °C
			case off >= 8*16-3 && off <= 15*16+3:
				spikes++
			default:
				t.Fatalf("device %d reading %d: %d/16 °C off the smooth curve, neither noise nor a spike", dev, k, off)
			}
		}
	}
	if rate := float64(spikes) / float64(readings); rate < 0.001 || rate > 0.003 {
		t.Fatalf("spike rate %.4f, want about 1 in 500", rate)
	}
	if len(drifts) < 5 {
		t.Fatalf("drift over 30 days takes only the values %v across 40 devices: want each device its own", drifts)
	}
}
