package agent_test

// BenchmarkCompaction1000Devices measures how much smaller the results that
// leave a gateway are than the raw readings that reach it:
//
//	scripts/testenv.sh run -- go test ./agent -run '^$' -bench Compaction1000Devices -benchtime 1x
//
// 1000 devices at 1 Hz for 10 minutes of event time go through a 1-minute
// tumbling view with count/avg/min/max/p95 per device; the rows are drained
// into a private Kafka, and the bytes Kafka stored for the topic (its log
// segments) are compared with the raw MQTT payload bytes. Sub-benchmarks
// per Kafka codec: snappy (the default) and zstd (sync.compression).

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/agent/pipeline"
	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/simulate"
	"github.com/eddy-iot/eddy/sync/forward"
)

func BenchmarkCompaction1000Devices(b *testing.B) {
	if testing.Short() {
		b.Skip("needs Kafka")
	}
	k := testenv.PrivateKafka(b)
	cfg := simulate.Config{Devices: 1000, Seed: 11, Readings: 600, Interval: 1000, Disorder: 2000,
		TopicPrefix: "plant", Start: time.Now().Add(-15 * time.Minute).UnixMilli()}
	const window = 60_000
	prog := `CREATE SOURCE telemetry (site VARCHAR, device VARCHAR, seq BIGINT, ts TIMESTAMP(3), temp DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (connector = 'mqtt', topic = 'plant/{site}/{device}/telemetry', device.column = 'device', sequence.column = 'seq');
CREATE MATERIALIZED VIEW temp_1m AS
  SELECT site, device, count(*) AS n, avg(temp) AS temp_avg, min(temp) AS temp_min, max(temp) AS temp_max,
    approx_percentile(0.95) WITHIN GROUP (ORDER BY temp) AS temp_p95
  FROM TUMBLE(telemetry, ts, INTERVAL '1' MINUTE) GROUP BY site, device;`
	for _, codec := range []string{"snappy", "zstd"} {
		b.Run(codec, func(b *testing.B) { benchCompaction(b, k, cfg, prog, codec) })
	}
}

func benchCompaction(b *testing.B, k *testenv.Broker, cfg simulate.Config, prog, codec string) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		topic := testenv.TopicName(b, "compaction-"+codec)
		cat, err := agent.Compile([]agent.Program{{Name: "bench.sql", SQL: prog}})
		if err != nil {
			b.Fatal(err)
		}
		st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "eddy.db")})
		if err != nil {
			b.Fatal(err)
		}
		pl, err := pipeline.New(cat, pipeline.Options{AgentID: "gw-bench", Store: st, Outbox: true})
		if err != nil {
			b.Fatal(err)
		}
		in := make(chan ingest.Message, 4096)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = pl.Run(ctx, in) }()
		var raw int64
		g := simulate.New(cfg)
		for {
			m, ok := g.Next()
			if !ok {
				break
			}
			raw += int64(len(m.Payload))
			in <- ingest.Message{Topic: m.Topic, Payload: m.Payload, Received: time.Now().UnixMilli(), Partition: -1}
		}
		close(in)
		<-done
		cancel()
		ob, err := st.OutboxStats()
		if err != nil {
			b.Fatal(err)
		}
		results := pl.Status().Results
		fwd, err := forward.New(forward.Config{AgentID: "gw-bench", Kafka: kafkaconn.Options{Brokers: []string{k.Addr()}},
			ResultsTopic: topic, CheckpointsTopic: topic + ".cp", CreateTopics: true, Compression: codec}, agent.OutboxOf(st))
		if err != nil {
			b.Fatal(err)
		}
		if err := fwd.EnsureTopics(context.Background()); err != nil {
			b.Fatal(err)
		}
		for {
			n, err := fwd.Step(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		kafkaBytes := logBytes(b, k.Dir(), topic)
		_ = st.Close()
		b.ReportMetric(float64(raw)/float64(kafkaBytes), "compaction-x")
		b.ReportMetric(float64(ob.TotalBytes())/float64(results), "outbox-bytes/result")
		b.ReportMetric(float64(kafkaBytes)/float64(results), "kafka-bytes/result")
		b.ReportMetric(float64(results), "results")
	}
}

// logBytes sums the log segments Kafka keeps for topic's partitions.
func logBytes(b *testing.B, dir, topic string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".log") &&
			strings.HasPrefix(filepath.Base(filepath.Dir(p)), topic+"-") {
			n += fi.Size()
		}
		return nil
	})
	if n == 0 {
		b.Fatalf("no log segment of %s under %s", topic, dir)
	}
	return n
}
