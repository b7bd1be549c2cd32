package aggregator

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// BenchmarkAggregatorIngest: results/s consumed, merged into the fleet
// view and stored (one transaction and one offset commit per batch) by one
// instance, and ratio to a bare kafka-go group reader that only fetches
// the same topic in the same run. allocs/result and B/result count the
// heap allocations of the whole process while the aggregator runs
// (kafka-go's reader included).
func BenchmarkAggregatorIngest(b *testing.B) {
	b.ReportAllocs()
	addr := testenv.Kafka(b)
	results, checkpoints, _ := topics(b, addr, 4)
	events := fleettest.Events(21, 20, 50, 400_000, 6)
	msgs := fleettest.Rows(events, fleettest.Options{})
	produce(b, addr, results, msgs)
	n := len(msgs)
	b.ResetTimer()
	var bare, agg time.Duration
	var mallocs, bytes uint64
	var ms runtime.MemStats
	for i := 0; i < b.N; i++ {
		// Bare reader: fetch every message of the topic, commit at the end.
		start := time.Now()
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, GroupID: testenv.TopicName(b, "bare"),
			GroupTopics: []string{results}, StartOffset: kafka.FirstOffset, MaxBytes: 8 << 20, CommitInterval: 0})
		var last kafka.Message
		for range n {
			m, err := r.FetchMessage(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			last = m
		}
		_ = r.CommitMessages(context.Background(), last)
		bare += time.Since(start)
		r.Close()

		runtime.ReadMemStats(&ms)
		m0, b0 := ms.Mallocs, ms.TotalAlloc
		start = time.Now()
		cfg := testConfig(b, addr, results, checkpoints, testenv.TopicName(b, "agg"), b.TempDir(), "")
		a, _ := startInProcess(b, cfg)
		for a.Status().Counters["rows"] < int64(n) {
			time.Sleep(5 * time.Millisecond)
		}
		agg += time.Since(start)
		runtime.ReadMemStats(&ms)
		mallocs, bytes = mallocs+ms.Mallocs-m0, bytes+ms.TotalAlloc-b0
	}
	b.StopTimer()
	aggRate := float64(n*b.N) / agg.Seconds()
	bareRate := float64(n*b.N) / bare.Seconds()
	b.ReportMetric(aggRate, "results/s")
	b.ReportMetric(bareRate, "bare_results/s")
	b.ReportMetric(aggRate/bareRate, "ratio")
	b.ReportMetric(float64(mallocs)/float64(n*b.N), "allocs/result")
	b.ReportMetric(float64(bytes)/float64(n*b.N), "B/result")
	b.ReportMetric(0, "ns/op")
}
