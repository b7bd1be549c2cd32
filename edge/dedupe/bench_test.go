package dedupe

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkObserve is Check+Mark on 10k devices, in order with one event in
// 64 a duplicate.
func BenchmarkObserve(b *testing.B) {
	const devices = 10_000
	tr, _ := NewTracker(Config{})
	names := make([]string, devices)
	for i := range names {
		names[i] = fmt.Sprintf("site-a/device-%05d", i)
		tr.Observe(names[i], 0, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	seq := uint64(1)
	for i := 0; b.Loop(); i++ {
		d := i % devices
		if d == 0 {
			seq++
		}
		s := seq
		if i%64 == 63 {
			s--
		}
		tr.Observe(names[d], 0, s)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEncodeDirty encodes 1000 dirty devices with light reordering,
// what one commit writes.
func BenchmarkEncodeDirty(b *testing.B) {
	tr, _ := NewTracker(Config{})
	for d := 0; d < 1000; d++ {
		for s := uint64(0); s < 2000; s++ {
			if s%97 != 0 {
				tr.Observe(fmt.Sprint("dev-", d), 0, s)
			}
		}
	}
	var bytes int
	b.ReportAllocs()
	for b.Loop() {
		bytes = 0
		tr.EachDirty(func(_ string, st []byte) { bytes += len(st) })
	}
	b.ReportMetric(float64(bytes)/1000, "bytes/device")
}

// BenchmarkMemoryPerDevice reports the heap a tracker uses per device, for
// 10k devices with 20-byte names at the default window.
func BenchmarkMemoryPerDevice(b *testing.B) {
	const devices = 10_000
	names := make([]string, devices)
	for i := range names {
		names[i] = fmt.Sprintf("site-a/device-%05d", i)
	}
	var per float64
	for b.Loop() {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		tr, _ := NewTracker(Config{})
		for _, n := range names {
			tr.Observe(n, 0, 1)
		}
		tr.ClearDirty()
		runtime.GC()
		runtime.ReadMemStats(&m1)
		per = float64(m1.HeapAlloc-m0.HeapAlloc) / devices
		runtime.KeepAlive(tr)
	}
	b.ReportMetric(per, "bytes/device")
}
