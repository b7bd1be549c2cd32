package aggregator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/wire"
)

// testConfig is a config for the Kafka at addr with the fleet test view.
// An empty httpAddr is an ephemeral loopback port, never the default
// 8090: tests of several packages run at once.
func testConfig(t testing.TB, addr, results, checkpoints, group, dataDir, httpAddr string) *Config {
	t.Helper()
	if httpAddr == "" {
		httpAddr = "127.0.0.1:0"
	}
	y := fmt.Sprintf(`
data_dir: %s
kafka:
  brokers: [%q]
  results_topic: %s
  checkpoints_topic: %s
  group_id: %s
  stall_timeout: 5s
views:
  - name: fleet
    sql: |
%s
retention: 87600h
http:
  addr: %q
  token: secret
store:
  batch_max_delay: 20ms
`, dataDir, addr, results, checkpoints, group, indent(fleettest.FleetSQL), httpAddr)
	cfg, err := ParseConfig([]byte(y), "central.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func indent(s string) string {
	out := "      "
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += "      "
		}
	}
	return out
}

// topics creates a results and a checkpoints topic for this test.
func topics(t testing.TB, addr string, partitions int) (results, checkpoints, group string) {
	results = testenv.TopicName(t, "results")
	checkpoints = testenv.TopicName(t, "checkpoints")
	testenv.CreateTopic(t, addr, results, partitions, false)
	testenv.CreateTopic(t, addr, checkpoints, 1, true)
	return results, checkpoints, testenv.TopicName(t, "group")
}

// produce writes msgs as agents' forwarders do (key = agent, acks=all).
func produce(t testing.TB, addr, topic string, msgs []fleettest.Msg) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, BatchSize: 1000, Balancer: &kafka.Hash{}, MaxAttempts: 20,
		WriteBackoffMax: time.Second}
	defer w.Close()
	ms := make([]kafka.Message, len(msgs))
	for i, m := range msgs {
		ms[i] = kafka.Message{Key: []byte(m.Agent), Value: m.Value}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(ms) > 0 {
		n := min(len(ms), 2000)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.WriteMessages(ctx, ms[:n]...)
		cancel()
		if err != nil {
			if time.Now().After(deadline) {
				t.Fatalf("produce: %v", err)
			}
			continue // a broker restart: write the chunk again (the aggregator dedupes)
		}
		ms = ms[n:]
	}
}

// checkpointMsgs returns one checkpoint per agent of events.
func checkpointMsgs(events []fleettest.Event) []fleettest.Msg {
	seen := map[string]bool{}
	var out []fleettest.Msg
	for _, e := range events {
		if seen[e.Agent] {
			continue
		}
		seen[e.Agent] = true
		b, _ := wire.MarshalCheckpoint(&wire.Checkpoint{Agent: e.Agent, AgentVersion: "test", Time: time.Now().UTC().Format(time.RFC3339Nano),
			ConfigVersion: 3, Watermarks: map[string]int64{"telemetry": time.Now().Add(-2 * time.Second).UnixMilli()}, OutboxDepth: 2,
			Dropped: map[string]int64{"malformed_json": 1}})
		out = append(out, fleettest.Msg{Agent: e.Agent, Value: b})
	}
	return out
}

type fleetRow struct {
	Site        string  `json:"site"`
	Readings    int64   `json:"readings"`
	TempAvg     float64 `json:"temp_avg"`
	TempP95     float64 `json:"temp_p95"`
	TempMin     float64 `json:"temp_min"`
	TempMax     float64 `json:"temp_max"`
	WindowStart string  `json:"window_start"`
}

// compareRows checks site_hourly rows against the direct computation:
// exact aggregates equal, the sketch within its 1% relative accuracy.
func compareRows(t testing.TB, rows []json.RawMessage, want map[string]fleettest.Expected) {
	t.Helper()
	got := map[string]fleetRow{}
	for _, raw := range rows {
		var r fleetRow
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		got[r.Site+"|"+r.WindowStart] = r
	}
	if len(got) != len(want) {
		t.Fatalf("fleet rows: got %d, want %d", len(got), len(want))
	}
	for _, w := range want {
		k := w.Site + "|" + string(wire.AppendTime(nil, w.Start))
		g, ok := got[k]
		if !ok {
			t.Fatalf("no fleet row %s", k)
		}
		if g.Readings != w.Readings || g.TempAvg != w.Avg || g.TempMin != w.Min || g.TempMax != w.Max {
			t.Errorf("%s: got %+v, want %+v", k, g, w)
		}
		if math.Abs(g.TempP95-w.P95) > 0.01*math.Abs(w.P95) {
			t.Errorf("%s: p95 %v, direct %v: beyond the sketch's 1%%", k, g.TempP95, w.P95)
		}
	}
}

// get fetches an API path with the test token.
func get(t testing.TB, addr, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, b)
		}
	}
	return resp.StatusCode
}

type rowsAnswer struct {
	Count int               `json:"count"`
	Rows  []json.RawMessage `json:"rows"`
}

// startInProcess runs an aggregator until the test ends.
func startInProcess(t testing.TB, cfg *Config) (*Aggregator, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := a.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	return a, addr
}

// stored counts the result identities in a store.
func stored(a *Aggregator) int {
	n := 0
	_ = a.Store().View(func(tx *store.Tx) error {
		return tx.Results("telemetry_stats", math.MinInt64, math.MaxInt64, func([]byte, uint32, []byte) error { n++; return nil })
	})
	return n
}

// latest returns, per identity, the highest revision among msgs.
func latest(t testing.TB, msgs []fleettest.Msg) map[string]uint32 {
	var p fleetParser
	out := map[string]uint32{}
	for _, m := range msgs {
		r := p.parse(t, m.Value)
		if rev, ok := out[string(r.Key)]; !ok || r.Revision > rev {
			out[string(r.Key)] = r.Revision
		}
	}
	return out
}

type fleetParser struct {
	row fleet.Row
	p   fastParser
}

func storePath(dir string) string { return filepath.Join(dir, "aggregator.db") }
