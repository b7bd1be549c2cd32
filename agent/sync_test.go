package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/simulate"
)

// resultsUpsert reads a results topic from the start and keeps, per row
// identity, the row with the highest revision: what an upserting consumer
// holds.
type resultsUpsert struct {
	rows     map[string]map[string]any
	revs     map[string]float64
	messages int
}

func (u *resultsUpsert) add(t *testing.T, b []byte) {
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("result row is not JSON: %v: %s", err, b)
	}
	u.messages++
	id := fmt.Sprint(r["agent"], "|", r["view"], "|", r["device"], "|", r["window_start"])
	rev, _ := r["revision"].(float64)
	if old, ok := u.revs[id]; !ok || rev >= old {
		u.rows[id], u.revs[id] = r, rev
	}
}

func (u *resultsUpsert) fleet() map[simulate.WindowKey]simulate.Agg {
	out := map[simulate.WindowKey]simulate.Agg{}
	for _, r := range u.rows {
		ws, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(r["window_start"]))
		num := func(k string) float64 { f, _ := r[k].(float64); return f }
		out[simulate.WindowKey{Device: fmt.Sprint(r["device"]), WindowStart: ws.UnixMilli()}] =
			simulate.Agg{Count: int64(num("readings")), Sum: num("temp_sum"), Min: num("temp_min"), Max: num("temp_max")}
	}
	return out
}

func equalFleet(got, want map[simulate.WindowKey]simulate.Agg) string {
	wrong := 0
	example := ""
	for k, w := range want {
		g, ok := got[k]
		if !ok || g.Count != w.Count || math.Abs(g.Sum-w.Sum) > 1e-9 || g.Min != w.Min || g.Max != w.Max {
			if example == "" {
				example = fmt.Sprintf("%v: got %+v (present %v), want %+v", k, g, ok, w)
			}
			wrong++
		}
	}
	if wrong == 0 && len(got) == len(want) {
		return ""
	}
	return fmt.Sprintf("%d of %d windows wrong or missing, %d in Kafka; e.g. %s", wrong, len(want), len(got), example)
}

// TestAgentOutageKafkaStoppedMidStream: the agent keeps computing while its
// Kafka is stopped mid-stream; after Kafka comes back the outbox drains by
// itself, every expected result is in Kafka (exact after upsert, no gap)
// and the outbox is empty.
func TestAgentOutageKafkaStoppedMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("needs brokers")
	}
	k := testenv.PrivateKafka(t)
	broker := testenv.MQTT(t)
	prefix := testenv.TopicName(t, "outage")
	cfg := simulate.Config{Devices: 200, Seed: 9, Readings: 40, Interval: 1000, Disorder: 2000,
		DupRate: 0.01, MalformedRate: 0.005, TopicPrefix: prefix, Start: time.Now().Add(-time.Minute).UnixMilli()}
	const window = 10_000
	prog := strings.Replace(simulate.SQL(cfg, window), "CREATE MATERIALIZED VIEW "+simulate.ViewName+" AS",
		"CREATE MATERIALIZED VIEW "+simulate.ViewName+" WITH (idle_timeout = '2s') AS", 1)
	results := "eddy.results." + prefix
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := agent.Start(ctx, agent.Settings{ID: "gw-outage", DataDir: t.TempDir(), TableWindows: 1000,
		Programs: []agent.Program{{Name: "fleet.sql", SQL: prog}},
		MQTT:     mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent")},
		Sync: &agent.SyncConfig{Enabled: true, Kafka: kafkaconn.Options{Brokers: []string{k.Addr()}},
			ResultsTopic: results, CheckpointsTopic: results + ".checkpoints", CheckpointEvery: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Run(ctx) }()
	defer func() { cancel(); <-done; rt.Close() }()
	testenv.WaitFor(t, 20*time.Second, rt.MQTTConnected, "agent subscribed")

	pub, err := simulate.DialMQTT(ctx, mqttconn.Options{Brokers: []string{broker}}, 200, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	published := make(chan error, 1)
	go func() {
		_, err := simulate.Publish(ctx, pub, simulate.New(cfg), 1, 1000)
		published <- err
	}()
	// Stop Kafka once results have started to flow, keep it down while the
	// fleet publishes, then bring it back.
	testenv.WaitFor(t, 30*time.Second, func() bool { return rt.Pipeline.Status().Results > 0 }, "first results")
	k.Stop(t)
	before := rt.Pipeline.Status().Results
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 60*time.Second, func() bool {
		ob, err := rt.Store.OutboxStats()
		return err == nil && ob.TotalDepth() >= 1 && rt.Pipeline.Status().Results >= before+200
	}, "results produced and kept in the outbox while Kafka is down")
	k.Start(t)

	want := simulate.Expect(cfg, window)
	u := &resultsUpsert{rows: map[string]map[string]any{}, revs: map[string]float64{}}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{k.Addr()}, Topic: results, Partition: 0, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	var why string
	defer func() {
		if t.Failed() {
			t.Logf("last comparison: %s; status %+v", why, rt.Pipeline.Status())
		}
	}()
	testenv.WaitFor(t, 120*time.Second, func() bool {
		rctx, rcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer rcancel()
		for {
			m, err := r.ReadMessage(rctx)
			if err != nil {
				break
			}
			if string(m.Key) != "gw-outage" {
				t.Fatalf("message key %q, want the agent id", m.Key)
			}
			u.add(t, m.Value)
		}
		why = equalFleet(u.fleet(), want)
		return why == ""
	}, "every expected result in Kafka after upsert")
	testenv.WaitFor(t, 30*time.Second, func() bool {
		ob, err := rt.Store.OutboxStats()
		return err == nil && ob.TotalDepth() == 0
	}, "outbox empty after the drain")
	t.Logf("%d windows exact after upsert from %d messages; outbox empty", len(want), u.messages)
}
