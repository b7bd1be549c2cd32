package forward_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/forward"
)

// BenchmarkOutboxDrain fills a real bbolt outbox with b.N result rows (the
// realistic rows of rowMaker, 200 to a snappy batch as the agent encodes one
// engine step, 10 batches to a commit), then times the forwarder draining it
// into the shared Kafka with its default settings (acks=all, snappy). Target:
// 50,000 results/s. Besides results/s it reports per result: json-bytes (the
// row), outbox-bytes (snappy payload in the outbox), file-bytes (bbolt file
// minus free pages, with bbolt's page rounding and growth slack) and
// kafka-bytes (the broker's log). Run it with a fixed count, for example
//
//	go test ./sync/forward -run '^$' -bench OutboxDrain -benchtime 200000x
func BenchmarkOutboxDrain(b *testing.B) {
	if testing.Short() {
		b.Skip("real Kafka: not under -short")
	}
	addr := testenv.Kafka(b)
	topic := testenv.TopicName(b, "results")
	testenv.CreateTopic(b, addr, topic, 1, false)
	s := openStore(b, "")
	m := newRowMaker(b, "gw-bench")
	payload := m.fill(b, s, 0, b.N, 200, 10)
	size, err := s.Size()
	if err != nil {
		b.Fatal(err)
	}
	f, err := forward.New(forward.Config{AgentID: "gw-bench", ResultsTopic: topic,
		Kafka:  kafkaconn.Options{Brokers: []string{addr}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, storeOutbox{s})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for failures := 0; outboxDepth(b, s) > 0; {
		if _, err := f.Step(ctx); err != nil {
			// Retried as Run does (a loaded shared broker sometimes answers
			// NOT_LEADER right after a topic is created); counted below.
			if failures++; failures > 20 {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	b.StopTimer()
	if st := f.Stats(); st.Rows != int64(b.N) {
		b.Fatalf("forwarded %d rows, want %d", st.Rows, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
	b.ReportMetric(float64(payload)/float64(b.N), "outbox-bytes/result")
	b.ReportMetric(float64(size.FileBytes-size.FreeBytes)/float64(b.N), "file-bytes/result")
	b.ReportMetric(float64(f.Stats().Bytes)/float64(b.N), "json-bytes/result")
	b.ReportMetric(float64(f.Stats().Failures), "failed-writes")
	// What the broker stores per result (Kafka-level snappy over the rows),
	// when the shared broker's data directory is at hand (scripts/testenv.sh
	// keeps it under the run's state directory).
	if state := os.Getenv("EDDY_TESTENV_STATE"); state != "" {
		files, _ := filepath.Glob(filepath.Join(state, "kafka", "data", topic+"-*", "*.log"))
		var size int64
		for _, f := range files {
			if st, err := os.Stat(f); err == nil {
				size += st.Size()
			}
		}
		if size > 0 {
			b.ReportMetric(float64(size)/float64(b.N), "kafka-bytes/result")
		}
	}
}
