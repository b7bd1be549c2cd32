package demo

import (
	"math"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/simulate"
)

// TestSiteHotFiresAtEveryHour: the demo's alert must fire within a minute
// whatever the time of day the demo starts (an absolute threshold fired
// within seconds in the afternoon and after two minutes at night). It
// recomputes the fleet view the rule sees from the simulated readings, each
// device's 10 s window then the site's average of device averages and
// maximum of maxima, for a start at every hour of a day.
func TestSiteHotFiresAtEveryHour(t *testing.T) {
	const window = 10_000
	day := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC).UnixMilli()
	for h := 0; h < 24; h++ {
		start := day + int64(h)*3_600_000
		fired := int64(-1)
		for i := range plants {
			cfg := fleetConfig(i, 40, start)
			cfg.Readings = 60
			got := simulate.Expect(cfg, window)
			type site struct{ sumAvg, n, max float64 }
			sites := map[int64]*site{}
			for k, a := range got {
				s := sites[k.WindowStart]
				if s == nil {
					s = &site{max: math.Inf(-1)}
					sites[k.WindowStart] = s
				}
				s.sumAvg += a.Sum / float64(a.Count)
				s.n++
				s.max = max(s.max, a.Max)
			}
			for ws, s := range sites {
				// A window's row reaches the rule once it closes.
				if s.max-s.sumAvg/s.n > hotSpread && (fired < 0 || ws+window < fired) {
					fired = ws + window
				}
			}
		}
		switch {
		case fired < 0:
			t.Errorf("demo started at %02d:00 UTC: site_hot does not fire in its first minute", h)
		case fired-start > 50_000:
			t.Errorf("demo started at %02d:00 UTC: site_hot's first window closes %d ms after the start, want within 50 s", h, fired-start)
		}
	}
}
