// Package firmwareexamples holds only tests: they build and run the device
// examples of this folder against the real Mosquitto and an in-process
// agent running eddy.sql, and check that every reading is counted exactly
// once in the agent's results.
package firmwareexamples

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// requireTool skips under -short, and when the tool is missing fails in CI
// (CI=true: a skipped example would hide that it is no longer tested) or
// skips on a developer's machine, saying how to install it.
func requireTool(t *testing.T, present bool, what, install string) {
	t.Helper()
	if testing.Short() {
		t.Skip("firmware example test skipped under -short")
	}
	testenv.NeedTool(t, present, what, install+" (scripts/testenv.sh install does it on Debian)")
}

func lookPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// programSQL is eddy.sql reading the topics under prefix instead of
// sensors/.
func programSQL(t *testing.T, prefix string) string {
	t.Helper()
	b, err := os.ReadFile("eddy.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	const topic = "topic = 'sensors/{site}/{device}/telemetry'"
	if !strings.Contains(s, topic) {
		t.Fatalf("eddy.sql no longer reads %s", topic)
	}
	return strings.Replace(s, topic, "topic = '"+prefix+"/{site}/{device}/telemetry'", 1)
}

// startAgent runs eddy.sql in an in-process agent on broker, subscribed
// under prefix, and waits until its subscription is acknowledged. With a
// persistent session (clean = false) the broker queues for the agent while
// it is disconnected.
func startAgent(t *testing.T, broker, prefix string, clean bool) *agent.Runtime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := agent.Start(ctx, agent.Settings{ID: "fw", DataDir: t.TempDir(),
		Programs: []agent.Program{{Name: "eddy.sql", SQL: programSQL(t, prefix)}},
		MQTT: mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent"),
			CleanSession: clean},
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; rt.Close() })
	testenv.WaitFor(t, 30*time.Second, rt.MQTTConnected, "agent subscribed on "+broker)
	return rt
}

// total is one row of the device_totals view.
type total struct {
	Readings int64   `json:"readings"`
	TempSum  float64 `json:"temp_sum"`
	LastSeq  int64   `json:"last_seq"`
}

// totals returns device_totals by device.
func totals(t *testing.T, rt *agent.Runtime) map[string]total {
	t.Helper()
	b, err := rt.Pipeline.Rows("device_totals")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Device string `json:"device"`
		total
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("device_totals: %v in %s", err, b)
	}
	out := make(map[string]total, len(rows))
	for _, r := range rows {
		out[r.Device] = r.total
	}
	return out
}

// waitTotals waits until device_totals equals want exactly and the agent
// has dropped at least dups duplicates, and fails with the last difference.
func waitTotals(t *testing.T, rt *agent.Runtime, want map[string]total, dups uint64) {
	t.Helper()
	var last string
	ok := func() bool {
		got := totals(t, rt)
		st := rt.Pipeline.Status()
		last = fmt.Sprintf("device_totals %v, want %v; %d duplicates dropped, want %d; %d dead letters",
			got, want, st.Duplicates, dups, st.DeadLetters)
		if len(got) != len(want) || st.Duplicates < dups {
			return false
		}
		for d, w := range want {
			if got[d] != w {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("agent results: %s", last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := rt.Pipeline.Status(); st.DeadLetters != 0 {
		t.Errorf("%d dead letters: every payload of the example must decode", st.DeadLetters)
	}
}

// capture records every message published under prefix, as the broker
// forwards them, so a test can check the payloads and send them again.
type capture struct {
	mu   sync.Mutex
	msgs []paho.Message
	c    paho.Client
}

func startCapture(t *testing.T, broker, prefix string) *capture {
	t.Helper()
	cp := &capture{}
	opts := paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(t, "capture"))
	cp.c = paho.NewClient(opts)
	if tok := cp.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("capture: connect: %v", tok.Error())
	}
	t.Cleanup(func() { cp.c.Disconnect(100) })
	tok := cp.c.Subscribe(prefix+"/#", 1, func(_ paho.Client, m paho.Message) {
		cp.mu.Lock()
		cp.msgs = append(cp.msgs, m)
		cp.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("capture: subscribe: %v", tok.Error())
	}
	return cp
}

func (cp *capture) len() int {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return len(cp.msgs)
}

func (cp *capture) all() []paho.Message {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return append([]paho.Message(nil), cp.msgs...)
}

// republish sends messages again at QoS 1, as a device retransmitting after
// a lost acknowledgement would.
func (cp *capture) republish(t *testing.T, msgs []paho.Message) {
	t.Helper()
	for _, m := range msgs {
		if tok := cp.c.Publish(m.Topic(), 1, false, m.Payload()); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("republish: %v", tok.Error())
		}
	}
}

// reading is the payload every example publishes.
type reading struct {
	Device   string   `json:"device"`
	Seq      *int64   `json:"seq"`
	TS       *int64   `json:"ts"`
	Temp     *float64 `json:"temp"`
	Humidity *float64 `json:"humidity"`
}

// checkPayloads decodes every captured message strictly and checks its
// topic, fields and event time; it returns the sequence numbers seen.
func checkPayloads(t *testing.T, msgs []paho.Message, topic, device string, from, to time.Time) []int64 {
	t.Helper()
	var seqs []int64
	for _, m := range msgs {
		var r reading
		dec := json.NewDecoder(strings.NewReader(string(m.Payload())))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("payload %s: %v", m.Payload(), err)
		}
		switch {
		case m.Topic() != topic:
			t.Errorf("topic %s, want %s", m.Topic(), topic)
		case r.Device != device || r.Seq == nil || r.TS == nil || r.Temp == nil:
			t.Errorf("payload %s: want device %q, seq, ts and temp", m.Payload(), device)
		case *r.TS < from.Add(-time.Second).UnixMilli() || *r.TS > to.Add(time.Second).UnixMilli():
			t.Errorf("payload %s: ts %d is not the time it was read (between %d and %d)", m.Payload(), *r.TS,
				from.UnixMilli(), to.UnixMilli())
		default:
			seqs = append(seqs, *r.Seq)
		}
	}
	return seqs
}

// lineWatcher is a process's output, as an io.Writer that a test can poll
// for lines while the process runs (exec copies into it; Wait waits for the
// copy).
type lineWatcher struct {
	mu    sync.Mutex
	buf   []byte
	lines []string
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines = append(w.lines, string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// count is how many lines so far contain s.
func (w *lineWatcher) count(s string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// checkJSONReading decodes one payload strictly as the examples' shape.
func checkJSONReading(t *testing.T, payload string) {
	t.Helper()
	var r reading
	dec := json.NewDecoder(strings.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || r.Device == "" || r.Seq == nil || r.TS == nil || r.Temp == nil {
		t.Errorf("payload %s: %v; want device, seq, ts and temp", payload, err)
	}
}
