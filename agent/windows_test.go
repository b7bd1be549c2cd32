package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

type event struct {
	dev string
	ts  int64
	v   int64
}

type win struct {
	dev        string
	start, end int64
}

type agg struct{ n, sum int64 }

// expectTumble, expectHop and expectSession compute the windows of the
// test's events directly from their definitions.
func expectTumble(evs []event, size int64) map[win]agg {
	out := map[win]agg{}
	for _, e := range evs {
		s := e.ts - e.ts%size
		a := out[win{e.dev, s, s + size}]
		out[win{e.dev, s, s + size}] = agg{a.n + 1, a.sum + e.v}
	}
	return out
}

func expectHop(evs []event, slide, size int64) map[win]agg {
	out := map[win]agg{}
	for _, e := range evs {
		for s := e.ts - e.ts%slide; s > e.ts-size; s -= slide {
			a := out[win{e.dev, s, s + size}]
			out[win{e.dev, s, s + size}] = agg{a.n + 1, a.sum + e.v}
		}
	}
	return out
}

func expectSession(evs []event, gap int64) map[win]agg {
	out := map[win]agg{}
	byDev := map[string][]event{}
	for _, e := range evs {
		byDev[e.dev] = append(byDev[e.dev], e) // events are in time order per device
	}
	for dev, es := range byDev {
		start, last, a := es[0].ts, es[0].ts, agg{}
		for i, e := range es {
			if i > 0 && e.ts-last >= gap {
				out[win{dev, start, last + gap}] = a
				start, a = e.ts, agg{}
			}
			last = e.ts
			a = agg{a.n + 1, a.sum + e.v}
		}
		out[win{dev, start, last + gap}] = a
	}
	return out
}

// TestWindowedViewsOverKafkaAndMQTT runs TUMBLE, HOP and SESSION views over a
// Kafka source and an MQTT source on the real brokers and compares every
// window with the expectation computed above.
func TestWindowedViewsOverKafkaAndMQTT(t *testing.T) {
	kafkaAddr, broker := testenv.Kafka(t), testenv.MQTT(t)
	topic := testenv.TopicName(t, "win")
	testenv.CreateTopic(t, kafkaAddr, topic, 1, false)
	prefix := "eddy-test/" + testenv.TopicName(t, "win")

	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Now().Add(-10*time.Minute).UnixMilli() / 60000 * 60000
	var evs []event
	for d := range 5 {
		ts := base + int64(rng.IntN(1000))
		for range 60 {
			gap := int64(100 + rng.IntN(900))
			if rng.IntN(10) == 0 {
				gap = 3000 + int64(rng.IntN(2000)) // a session break
			}
			if rng.IntN(25) == 0 {
				gap = 3000 // exactly one gap: a new session
			}
			ts += gap
			evs = append(evs, event{fmt.Sprintf("dev%d", d), ts, int64(rng.IntN(100))})
		}
	}
	// Interleave devices in time order, as a fleet publishes.
	sorted := append([]event(nil), evs...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].ts < sorted[j-1].ts; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}

	views := ""
	for _, src := range []string{"k", "m"} {
		views += fmt.Sprintf(`
CREATE MATERIALIZED VIEW %[1]s_tumble WITH (idle_timeout = '1s') AS
  SELECT dev, count(*) AS n, sum(v) AS s FROM TUMBLE(%[1]s, ts, INTERVAL '10' SECOND) GROUP BY dev;
CREATE MATERIALIZED VIEW %[1]s_hop WITH (idle_timeout = '1s') AS
  SELECT dev, count(*) AS n, sum(v) AS s FROM HOP(%[1]s, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) GROUP BY dev;
CREATE MATERIALIZED VIEW %[1]s_session WITH (idle_timeout = '1s') AS
  SELECT dev, count(*) AS n, sum(v) AS s FROM SESSION(%[1]s, ts, INTERVAL '3' SECOND) GROUP BY dev;
`, src)
	}
	prog := fmt.Sprintf(`
CREATE SOURCE k (dev VARCHAR, ts TIMESTAMP, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '%s', properties.bootstrap.servers = '%s', device.column = 'dev');
CREATE SOURCE m (dev VARCHAR, ts TIMESTAMP, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'mqtt', topic = '%s/{dev}', device.column = 'dev');
`, topic, kafkaAddr, prefix) + views

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := agent.Start(ctx, agent.Settings{ID: "win", DataDir: t.TempDir(), TableWindows: 1000,
		Programs: []agent.Program{{Name: "windows.sql", SQL: prog}},
		MQTT:     mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent")}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Run(ctx) }()
	defer func() { cancel(); <-done; rt.Close() }()

	// The agent is subscribed once its MQTT input reports connected.
	testenv.WaitFor(t, 20*time.Second, func() bool { return rt.MQTTConnected() }, "agent connected to MQTT")

	pub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(t, "pub")))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	w := &kafka.Writer{Addr: kafka.TCP(kafkaAddr), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	var kmsgs []kafka.Message
	for _, e := range sorted {
		payload := fmt.Appendf(nil, `{"dev":%q,"ts":%d,"v":%d}`, e.dev, e.ts, e.v)
		kmsgs = append(kmsgs, kafka.Message{Value: payload})
		if tok := pub.Publish(prefix+"/"+e.dev, 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	if err := w.WriteMessages(context.Background(), kmsgs...); err != nil {
		t.Fatal(err)
	}

	want := map[string]map[win]agg{
		"tumble":  expectTumble(evs, 10_000),
		"hop":     expectHop(evs, 5_000, 10_000),
		"session": expectSession(evs, 3_000),
	}
	for _, src := range []string{"k", "m"} {
		for kind, exp := range want {
			name := src + "_" + kind
			var why string
			defer func() {
				if why != "" {
					t.Logf("%s: %s; status %+v", name, why, rt.Pipeline.Status())
				}
			}()
			testenv.WaitFor(t, 20*time.Second, func() bool {
				why = compareWindows(t, rt, name, exp)
				return why == ""
			}, name+" equals the expectation")
			if why != "" {
				t.Logf("%s: %s; status %+v", name, why, rt.Pipeline.Status())
			}
		}
	}
}

func compareWindows(t *testing.T, rt *agent.Runtime, view string, want map[win]agg) string {
	b, err := rt.Pipeline.Rows(view)
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Dev         string `json:"dev"`
		N, S        int64
		WindowStart string `json:"window_start"`
		WindowEnd   string `json:"window_end"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	got := map[win]agg{}
	for _, r := range rows {
		s, _ := time.Parse(time.RFC3339Nano, r.WindowStart)
		e, _ := time.Parse(time.RFC3339Nano, r.WindowEnd)
		got[win{r.Dev, s.UnixMilli(), e.UnixMilli()}] = agg{r.N, r.S}
	}
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			diffs = append(diffs, fmt.Sprintf("%v: got %v (present %v), want %v", k, g, ok, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%v: unexpected", k))
		}
	}
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("... %d differences", len(diffs)))
	}
	return strings.Join(diffs, "; ")
}
