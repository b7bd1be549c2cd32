package simulate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/simulate"
)

type winKey struct {
	device string
	start  int64
}

type winAgg struct {
	n                   int64
	sum, minimum, maxim float64
}

// fromEventLog computes what the agent must report from an event log
// alone: per device and tumbling window the count, sum, min and max of temp
// over the good events (read from their payloads with encoding/json), the
// dead letters per reason, and the number of duplicates.
func fromEventLog(t *testing.T, log []byte, window int64) (wins map[winKey]winAgg, dead map[string]uint64, dups, late uint64) {
	t.Helper()
	wins = map[winKey]winAgg{}
	dead = map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		var e simulate.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event log line %s: %v", sc.Bytes(), err)
		}
		switch e.Kind {
		case "duplicate":
			dups++
		case "late":
			late++
		case "malformed":
			dead[e.Reason]++
		case "good":
			var p struct {
				TS   int64   `json:"ts"`
				Temp float64 `json:"temp"`
			}
			if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
				t.Fatalf("good payload %s: %v", e.Payload, err)
			}
			k := winKey{strings.Split(e.Topic, "/")[len(strings.Split(e.Topic, "/"))-2], p.TS - ((p.TS%window)+window)%window}
			a, ok := wins[k]
			if !ok {
				a.minimum, a.maxim = p.Temp, p.Temp
			}
			a.n++
			a.sum += p.Temp
			a.minimum, a.maxim = min(a.minimum, p.Temp), max(a.maxim, p.Temp)
			wins[k] = a
		default:
			t.Fatalf("event of kind %q", e.Kind)
		}
	}
	return wins, dead, dups, late
}

// TestEventLogMatchesAgent publishes a fleet with every fault the
// simulator has (disorder, duplicates, malformed messages of every reason,
// clock skew, dropouts, late readings) to the real Mosquitto, stopped by a message count,
// and checks that an in-process agent running SQL's program reports
// exactly what the event log of the run says: every window's count, sum,
// min and max, every dead letter by reason, every duplicate dropped, every
// late reading counted late and kept out of its closed window.
func TestEventLogMatchesAgent(t *testing.T) {
	broker := testenv.MQTT(t)
	prefix := "eddy-test/" + testenv.TopicName(t, "sim-log")
	cfg := simulate.Config{Devices: 60, Seed: 9, Readings: 40, Interval: 1000, Disorder: 2000,
		DupRate: 0.03, MalformedRate: 0.03, Sites: 3, TopicPrefix: prefix, ClockSkew: 20_000,
		DropoutRate: 0.3, DropoutReadings: 8, LateRate: 0.02, LateBy: 14_000, Start: time.Now().Add(-15 * time.Minute).UnixMilli()}
	const window, count = 10_000, 2000 // the full stream is about 2200 messages
	prog := strings.Replace(simulate.SQL(cfg, window), "CREATE MATERIALIZED VIEW "+simulate.ViewName+" AS",
		"CREATE MATERIALIZED VIEW "+simulate.ViewName+" WITH (idle_timeout = '1s') AS", 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := agent.Start(ctx, agent.Settings{ID: "sim-log", DataDir: t.TempDir(), TableWindows: 1000,
		// The agent advances watermarks once per batch (as Flink emits them
		// periodically), so a reading beyond the disorder bound is late only
		// if a batch boundary lies between it and the reading that closed its
		// window. LateBy leaves about 80 messages between them: batches of
		// at most 32 make every late reading late.
		Batch:    32,
		Programs: []agent.Program{{Name: "fleet.sql", SQL: prog}},
		MQTT:     mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent")},
		Logger:   slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
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
	g := simulate.New(cfg)
	g.Limit(count)
	st, err := simulate.Publish(ctx, pub, g, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total() != count {
		t.Fatalf("published %d messages, want %d", st.Total(), count)
	}
	var log bytes.Buffer
	if err := simulate.WriteEvents(&log, cfg, st.Total()); err != nil {
		t.Fatal(err)
	}
	want, dead, dups, late := fromEventLog(t, log.Bytes(), window)
	if len(dead) < len(simulate.Reasons()) || dups == 0 || late == 0 {
		t.Fatalf("the run lacks faults: dead letters %v, %d duplicates, %d late", dead, dups, late)
	}

	// Poll until equal; fail with the last differences.
	deadline := time.Now().Add(30 * time.Second)
	for why := compare(t, rt, want, dead, dups, late); why != ""; why = compare(t, rt, want, dead, dups, late) {
		if time.Now().After(deadline) {
			t.Fatalf("the agent's results differ from the event log: %s", why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// compare returns "" when the agent's view, dead letters and duplicates
// equal the expectation, else the first differences.
func compare(t *testing.T, rt *agent.Runtime, want map[winKey]winAgg, dead map[string]uint64, dups, late uint64) string {
	b, err := rt.Pipeline.Rows(simulate.ViewName)
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Device      string  `json:"device"`
		WindowStart string  `json:"window_start"`
		Readings    int64   `json:"readings"`
		Sum         float64 `json:"temp_sum"`
		Min         float64 `json:"temp_min"`
		Max         float64 `json:"temp_max"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	got := map[winKey]winAgg{}
	for _, r := range rows {
		ws, err := time.Parse(time.RFC3339Nano, r.WindowStart)
		if err != nil {
			t.Fatal(err)
		}
		got[winKey{r.Device, ws.UnixMilli()}] = winAgg{r.Readings, r.Sum, r.Min, r.Max}
	}
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; g != w {
			diffs = append(diffs, fmt.Sprintf("%v: got %+v (present %v), want %+v", k, g, ok, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%v: not in the event log", k))
		}
	}
	dl, err := rt.Store.DeadLetterStats()
	if err != nil {
		t.Fatal(err)
	}
	for reason, n := range dead {
		if dl.ByReason[reason] != n {
			diffs = append(diffs, fmt.Sprintf("dead letters %s: %d, want %d", reason, dl.ByReason[reason], n))
		}
	}
	if len(dl.ByReason) != len(dead) {
		diffs = append(diffs, fmt.Sprintf("dead letters %v, want %v", dl.ByReason, dead))
	}
	if st := rt.Pipeline.Status(); st.Duplicates != dups || st.Late != late {
		diffs = append(diffs, fmt.Sprintf("%d duplicates dropped, want %d; %d late, want %d", st.Duplicates, dups, st.Late, late))
	}
	if len(diffs) > 4 {
		diffs = append(diffs[:4], fmt.Sprintf("... %d differences", len(diffs)))
	}
	return strings.Join(diffs, "; ")
}
