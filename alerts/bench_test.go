package alerts

import (
	"fmt"
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

// BenchmarkObserve feeds rows of 10,000 groups (devices) to a threshold
// rule with hysteresis and for, an absence rule and a rate rule, with a Tick
// every 10,000 rows. About 1% of rows are hot, so alerts come and go.
func BenchmarkObserve(b *testing.B) {
	const groups = 10_000
	e := mustEngine(b, `
rules:
  - name: hot
    view: site_temp
    group_by: [site, device]
    condition: p95_temp > 40
    clear: p95_temp < 37
    for: 1m
  - name: silent
    kind: absence
    view: site_temp
    group_by: [device]
    for: 5m
  - name: jump
    kind: rate
    view: site_temp
    group_by: [device]
    value: p95_temp
    time: ts
    condition: abs(rate) > 5
`)
	rows := make([][]windows.Value, groups)
	for i := range rows {
		rows[i] = row(fmt.Sprintf("site%d", i%50), fmt.Sprintf("dev%05d", i), 20, 0)
	}
	at := t0
	feed := func(i int) {
		r := rows[i%groups]
		temp := 20 + float64(i%7)
		if i%97 == 0 {
			temp = 45
		}
		at += 1
		r[2], r[3] = windows.Float(temp), windows.Int(at)
		e.Observe("site_temp", siteTempNames, r, at)
		if i%groups == groups-1 {
			e.Tick(at)
			e.TakeHistory()
		}
	}
	for i := 0; i < 2*groups; i++ { // every group seen: the steady state
		feed(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		feed(i)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(e.Stats().Instances), "instances")
}
