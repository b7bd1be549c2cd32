package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// countMessages subscribes to filter on the plain listener at QoS 1 and
// returns the number of messages received so far.
func countMessages(t *testing.T, filter string) func() int64 {
	t.Helper()
	var n atomic.Int64
	c := paho.NewClient(paho.NewClientOptions().AddBroker(testenv.MQTT(t)).
		SetClientID(testenv.TopicName(t, "sub")).SetCleanSession(true).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	tok := c.Subscribe(filter, 1, func(paho.Client, paho.Message) { n.Add(1) })
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return n.Load
}

var sentRE = regexp.MustCompile(`sent (\d+) messages \((\d+) good, (\d+) duplicate, (\d+) malformed, (\d+) late\)`)

// runSim runs eddy simulate and returns its exit code, stdout and stderr.
func runSim(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"simulate"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// simSummary is the counts of eddy simulate's summary line.
type simSummary struct{ sent, good, duplicate, malformed, late int }

// simulateOK runs eddy simulate, which must succeed and print its summary,
// and returns the summary's counts, stdout and stderr.
func simulateOK(t *testing.T, args ...string) (simSummary, string, string) {
	t.Helper()
	code, out, errs := runSim(args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	m := sentRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary %q does not say what was sent", out)
	}
	n := make([]int, 5)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return simSummary{n[0], n[1], n[2], n[3], n[4]}, out, errs
}

func TestSimulatePublishesToMosquitto(t *testing.T) {
	prefix := testenv.TopicName(t, "sim")
	count := countMessages(t, prefix+"/#")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	sum, out, _ := simulateOK(t, "--broker", testenv.MQTT(t), "--prefix", prefix, "--devices", "200",
		"--readings", "10", "--sites", "3", "--qos", "1", "--seed", "9", "--dup-rate", "0.02",
		"--malformed-rate", "0.01", "--start", "2024-11-24T00:00:00Z", "--events", events)
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("summary is not one line: %q", out)
	}
	sent := int64(sum.sent)
	if sum.good != 2000 {
		t.Fatalf("%d good readings, want 200 devices × 10: %s", sum.good, out)
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return count() >= sent }, "the subscriber receives every message")
	if got := count(); got != sent {
		t.Fatalf("received %d, sent %d", got, sent)
	}

	f, err := os.Open(events)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := int64(0)
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		if !strings.Contains(sc.Text(), `"topic":"`+prefix+"/") {
			t.Fatalf("event line %d: %s", lines+1, sc.Text())
		}
	}
	if lines != sent {
		t.Fatalf("%d event lines, %d sent", lines, sent)
	}
}

func TestSimulateTLSPasswordFromEnv(t *testing.T) {
	user, pass := testenv.MQTTAuth(t)
	ca := os.Getenv("EDDY_TEST_CA")
	t.Setenv("EDDY_MQTT_PASSWORD", pass)
	prefix := testenv.TopicName(t, "sim")
	count := countMessages(t, prefix+"/#")

	code, out, errs := runSim("--broker", testenv.MQTTTLS(t), "--username", user, "--ca", ca,
		"--prefix", prefix, "--devices", "5", "--readings", "4", "--dup-rate", "0", "--malformed-rate", "0")
	if code != 0 {
		t.Fatalf("TLS + password: exit %d\n%s%s", code, out, errs)
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return count() >= 20 }, "20 messages over TLS")

	code, out, errs = runSim("--broker", testenv.MQTTMTLS(t), "--username", user, "--ca", ca,
		"--cert", os.Getenv("EDDY_TEST_CLIENT_CERT"), "--key", os.Getenv("EDDY_TEST_CLIENT_KEY"),
		"--prefix", prefix, "--devices", "5", "--readings", "4", "--dup-rate", "0", "--malformed-rate", "0")
	if code != 0 {
		t.Fatalf("mutual TLS: exit %d\n%s%s", code, out, errs)
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return count() >= 40 }, "20 more messages over mutual TLS")
	if strings.Contains(out+errs, pass) {
		t.Fatalf("the password appears in the output:\n%s%s", out, errs)
	}
}

func TestSimulateWrongPasswordIsNotPrinted(t *testing.T) {
	user, _ := testenv.MQTTAuth(t)
	secret := "not-the-password-" + testenv.TopicName(t, "x")
	code, out, errs := runSim("--broker", testenv.MQTTTLS(t), "--username", user, "--password", secret,
		"--ca", os.Getenv("EDDY_TEST_CA"), "--connect-timeout", "1s", "--devices", "1", "--readings", "1")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "not connected") {
		t.Errorf("stderr does not say the connection failed: %s", errs)
	}
	if strings.Contains(out+errs, secret) {
		t.Fatalf("the password appears in the output:\n%s%s", out, errs)
	}
}

func TestSimulateFlags(t *testing.T) {
	f := func(code int, want string, args ...string) {
		t.Helper()
		got, out, errs := runSim(args...)
		if got != code || !strings.Contains(out+errs, want) {
			t.Fatalf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", args, got, code, want, out, errs)
		}
	}
	f(0, "WATERMARK FOR ts AS ts - INTERVAL '2500' MILLISECOND", "--sql", "1m", "--disorder", "2.5s")
	f(0, "topic = 'plant/{site}/{device}/telemetry'", "--sql", "10s", "--prefix", "plant")
	f(0, "TUMBLE(telemetry, ts, INTERVAL '10' SECOND)", "--sql", "10s")
	f(1, "devices = 0", "--devices", "0")
	f(1, "--qos 3", "--qos", "3")
	f(1, "--rate -1", "--rate", "-1")
	f(1, "--start", "--start", "yesterday")
	f(1, "whole milliseconds", "--interval", "1500us")
	f(1, "wildcards", "--prefix", "a/#")
	f(1, "--count -1", "--count", "-1")
	f(1, "whole milliseconds", "--clock-skew", "1500us")
	f(1, "clock skew", "--clock-skew", "2h")
	f(1, "dropout rate", "--dropout-rate", "2")
	f(2, "flag provided but not defined", "--nope")
	f(2, "unexpected argument", "extra")
	f(0, "-broker URL", "-h")
}

func TestParseStart(t *testing.T) {
	f := func(s string, want int64) {
		t.Helper()
		got, err := parseStart(s)
		if err != nil || got != want {
			t.Fatalf("parseStart(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	f("2024-11-24T00:00:00Z", 1732406400000)
	f("2024-11-24T01:00:00.123+01:00", 1732406400123)
	f("1732406400123", 1732406400123)
	if _, err := parseStart("12abc"); err == nil {
		t.Fatal("12abc accepted")
	}
	now, err := parseStart("now")
	if err != nil || now%1000 != 0 || now < time.Now().Add(-time.Minute).UnixMilli() {
		t.Fatalf("now: %d, %v", now, err)
	}
}

// TestSimulateCountWithFaults stops a run with clock skew and dropouts by
// a message count: exactly that many reach the broker and the event log.
func TestSimulateCountWithFaults(t *testing.T) {
	prefix := testenv.TopicName(t, "sim-count")
	count := countMessages(t, prefix+"/#")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	sum, out, errs := simulateOK(t, "--broker", testenv.MQTT(t), "--prefix", prefix, "--devices", "50",
		"--readings", "20", "--count", "321", "--clock-skew", "30s", "--dropout-rate", "0.5",
		"--dropout-readings", "5", "--start", "2024-11-24T00:00:00Z", "--events", events)
	if sum.sent != 321 {
		t.Fatalf("summary %q: want 321 messages sent", out)
	}
	if strings.Contains(errs, "connection errors") {
		t.Fatalf("progress shown although stderr is not a terminal: %q", errs)
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return count() >= 321 }, "the subscriber receives 321 messages")
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 321 {
		t.Fatalf("%d event lines, want 321", n)
	}
}

// TestSimulateLateReadings: --late-rate sends late readings, counts them in
// the summary and in its total, and writes them to the event log as kind
// late, so the log has one line per message sent.
func TestSimulateLateReadings(t *testing.T) {
	prefix := "eddy-test/" + testenv.TopicName(t, "sim-late")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	sum, out, _ := simulateOK(t, "--broker", testenv.MQTT(t), "--prefix", prefix, "--devices", "20",
		"--readings", "60", "--late-rate", "0.05", "--late-by", "15s", "--dup-rate", "0", "--malformed-rate", "0",
		"--start", "2024-11-24T00:00:00Z", "--events", events)
	sent, good, late := sum.sent, sum.good, sum.late
	if sent != 20*60 || good+late != sent || late == 0 {
		t.Fatalf("summary %q: want 1200 readings sent, some of them late", out)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != sent {
		t.Fatalf("%d event lines, want %d", n, sent)
	}
	if n := strings.Count(string(b), `"kind":"late"`); n != late {
		t.Fatalf("%d late events in the log, the summary says %d", n, late)
	}
}

// TestSimulateDuration: --duration stops a stream that would otherwise run
// for minutes (1000 messages at 100 msgs/s), and the event log holds
// exactly the messages sent before it stopped.
func TestSimulateDuration(t *testing.T) {
	prefix := "eddy-test/" + testenv.TopicName(t, "sim-duration")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	sum, out, _ := simulateOK(t, "--broker", testenv.MQTT(t), "--prefix", prefix, "--devices", "10",
		"--readings", "100", "--rate", "100", "--duration", "500ms", "--start", "2024-11-24T00:00:00Z", "--events", events)
	sent := sum.sent
	if sent == 0 || sent >= 1000 {
		t.Fatalf("summary %q: want the stream stopped part way by --duration", out)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != sent {
		t.Fatalf("%d event lines, want the %d messages sent", n, sent)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSimulateProgress(t *testing.T) {
	if got := progressLine(5000, 1500, 500*time.Millisecond, 2); got != "eddy simulate: sent 5000, 3000 msgs/s, 2 connection errors" {
		t.Fatalf("progressLine: %q", got)
	}
	var out syncBuffer
	var sent atomic.Int64
	sent.Store(42)
	stop := showProgress(&out, sent.Load, func() int64 { return 0 }, 5*time.Millisecond)
	testenv.WaitFor(t, 5*time.Second, func() bool { return strings.Contains(out.String(), "sent 42,") }, "a progress line")
	stop()
	if s := out.String(); !strings.HasPrefix(s, "\r\033[K") || !strings.HasSuffix(s, "\r\033[K") {
		t.Fatalf("progress output %q: each update rewrites the line, and stop clears it", s)
	}
}
