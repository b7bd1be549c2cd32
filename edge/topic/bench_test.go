package topic

import "testing"

func BenchmarkMatch(b *testing.B) {
	p := MustCompile("sensors/{site}/{device}/telemetry")
	caps := make([]string, 0, 2)
	b.ReportAllocs()
	for b.Loop() {
		var ok bool
		if caps, ok = p.Match(caps[:0], "sensors/site-7/dev-0042/telemetry"); !ok {
			b.Fatal("no match")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRoute routes a topic through five sources, two of which match.
func BenchmarkRoute(b *testing.B) {
	var r Router[int]
	for i, s := range []string{
		"alarms/{device}", "sensors/{site}/{device}/status", "sensors/{site}/{device}/telemetry",
		"sensors/{site}/#", "$SYS/#",
	} {
		r.Add(MustCompile(s), i)
	}
	hits := make([]Hit[int], 0, 8)
	caps := make([]string, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		hits, caps = r.Route(hits[:0], caps[:0], "sensors/site-7/dev-0042/telemetry")
		if len(hits) != 2 {
			b.Fatal(len(hits))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
