package firmwareexamples

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// buildLinuxC compiles linux-c/eddy-sensor.c as its README says, with every
// warning an error.
func buildLinuxC(t *testing.T) string {
	t.Helper()
	requireTool(t, lookPath("gcc"), "gcc", "apt-get install gcc")
	_, err := os.Stat("/usr/include/mosquitto.h")
	requireTool(t, err == nil, "libmosquitto's header (/usr/include/mosquitto.h)", "apt-get install libmosquitto-dev")
	bin := filepath.Join(t.TempDir(), "eddy-sensor")
	cmd := exec.Command("gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", bin,
		"linux-c/eddy-sensor.c", "-lmosquitto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// sensorArgs are the flags for one run against broker: a fake sensor file
// holding millidegrees, the state file, and count readings every interval.
func sensorArgs(t *testing.T, broker, prefix, device, sensor, state string, count int, interval time.Duration) []string {
	t.Helper()
	u, err := url.Parse(broker)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"-h", u.Hostname(), "-p", u.Port(), "-P", prefix, "-s", "lab", "-d", device,
		"-f", sensor, "-S", state, "-n", strconv.Itoa(count), "-i", strconv.FormatInt(interval.Milliseconds(), 10), "-v"}
}

// TestLinuxCSensorCountedExactly compiles the C example, runs it twice
// against the real Mosquitto (a restart in between: the sequence numbers
// continue from the state file), sends some of its messages again as a
// retransmitting device would, and checks that the in-process agent running
// eddy.sql counts every reading exactly once, with the exact sum.
func TestLinuxCSensorCountedExactly(t *testing.T) {
	bin := buildLinuxC(t)
	broker := testenv.MQTT(t)
	prefix := "eddy-test/" + testenv.TopicName(t, "fw-c")
	rt := startAgent(t, broker, prefix, true)
	cp := startCapture(t, broker, prefix)
	dir := t.TempDir()
	sensor, state := filepath.Join(dir, "temperature"), filepath.Join(dir, "seq")
	const device = "c-sensor"

	run := func(millideg string, count int) {
		t.Helper()
		if err := os.WriteFile(sensor, []byte(millideg+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, sensorArgs(t, broker, prefix, device, sensor, state, count, 20*time.Millisecond)...)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("eddy-sensor: %v\n%s", err, stderr.String())
		}
		if want := strconv.Itoa(count) + " readings taken, " + strconv.Itoa(count) + " acknowledged"; !strings.Contains(stderr.String(), want) {
			t.Fatalf("eddy-sensor did not report %q:\n%s", want, stderr.String())
		}
	}
	start := time.Now()
	run("21500", 25) // 21.5 °C
	testenv.WaitFor(t, 10*time.Second, func() bool { return cp.len() == 25 }, "25 messages captured")
	run("-3250", 15) // −3.25 °C, after a restart
	end := time.Now()
	testenv.WaitFor(t, 10*time.Second, func() bool { return cp.len() == 40 }, "40 messages captured")

	msgs := cp.all()
	seqs := checkPayloads(t, msgs, prefix+"/lab/"+device+"/telemetry", device, start, end)
	var want []int64
	for i := range int64(25) {
		want = append(want, 1+i) // the first run reserved 1..1000
	}
	for i := range int64(15) {
		want = append(want, 1001+i) // the restart continues above the reserved block
	}
	if !slices.Equal(seqs, want) {
		t.Fatalf("sequence numbers %v, want %v", seqs, want)
	}
	if got, err := os.ReadFile(state); err != nil || strings.TrimSpace(string(got)) != "2001" {
		t.Errorf("state file %q (%v), want 2001: the next block reserved", got, err)
	}

	// Retransmissions: the agent must drop them by sequence number.
	cp.republish(t, []paho.Message{msgs[0], msgs[7], msgs[24], msgs[25], msgs[39]})
	waitTotals(t, rt, map[string]total{device: {Readings: 40, TempSum: 25*21.5 + 15*-3.25, LastSeq: 1015}}, 5)
}

// TestLinuxCSensorBuffersThroughBrokerOutage stops a private Mosquitto while
// the C example publishes: it keeps reading into its buffer, reconnects when
// the broker is back, and delivers everything; the agent (persistent
// session on the same broker) counts every reading exactly once.
func TestLinuxCSensorBuffersThroughBrokerOutage(t *testing.T) {
	bin := buildLinuxC(t)
	m := testenv.PrivateMosquitto(t)
	broker := m.Addr()
	prefix := "eddy-test/" + testenv.TopicName(t, "fw-c-outage")
	rt := startAgent(t, broker, prefix, false)
	dir := t.TempDir()
	sensor, state := filepath.Join(dir, "temperature"), filepath.Join(dir, "seq")
	if err := os.WriteFile(sensor, []byte("19250\n"), 0o644); err != nil { // 19.25 °C: sums of it are exact
		t.Fatal(err)
	}
	const device, count = "c-outage", 60

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, sensorArgs(t, broker, prefix, device, sensor, state, count, 50*time.Millisecond)...)
	lines := &lineWatcher{}
	cmd.Stderr = lines
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("eddy-sensor output:\n%s", lines)
		}
	}()
	testenv.WaitFor(t, 20*time.Second, func() bool { return lines.count("acked seq") >= 10 }, "10 readings acknowledged")
	m.Stop(t)
	testenv.WaitFor(t, 10*time.Second, func() bool { return lines.count("disconnected (") > 0 }, "the sensor notices the outage")
	testenv.WaitFor(t, 20*time.Second, func() bool { return lines.count("offline") >= 10 }, "10 readings buffered offline")
	m.Start(t)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("eddy-sensor: %v", err)
	}
	if !strings.Contains(lines.String(), "60 readings taken, 60 acknowledged, 0 dropped") {
		t.Fatalf("eddy-sensor did not deliver all 60 readings")
	}
	waitTotals(t, rt, map[string]total{device: {Readings: count, TempSum: count * 19.25, LastSeq: count}}, 0)
}
