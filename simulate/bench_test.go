package simulate

import "testing"

// BenchmarkGenerator measures Next on a 10k-device fleet with the crash
// test's fault rates.
func BenchmarkGenerator(b *testing.B) {
	cfg := Config{Devices: 10000, Seed: 1, Readings: 1 << 20, Disorder: 2000, DupRate: 0.01, MalformedRate: 0.005}
	g := New(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok := g.Next(); !ok {
			b.Fatal("stream ended")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
