package firmwareexamples

import (
	"context"
	"fmt"
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

// microPython prepares a board directory for main.py under the shim: a
// config.py like the template's, pointing at broker, in a fresh directory
// that holds the board's flash (the seq file).
func microPython(t *testing.T, broker, prefix, device string, count int, interval time.Duration) (dir string) {
	t.Helper()
	requireTool(t, lookPath("python3"), "python3", "apt-get install python3")
	u, err := url.Parse(broker)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile("micropython/config.py")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(tmpl) + fmt.Sprintf(`
# The test's settings, overriding the template's.
BROKER = %q
PORT = %s
PREFIX = %q
SITE = "lab"
DEVICE = %q
DS18B20_CONVERSION_MS = 0
DHT22_PIN = 5
INTERVAL_MS = %d
COUNT = %d
`, u.Hostname(), u.Port(), prefix, device, interval.Milliseconds(), count)
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.py"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// microPythonCmd runs main.py under the shim in the board directory, the
// DS18B20 stand-in reading temps in turn.
func microPythonCmd(ctx context.Context, t *testing.T, dir string, temps []float64) *exec.Cmd {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, v := range temps {
		list = append(list, strconv.FormatFloat(v, 'f', -1, 64))
	}
	cmd := exec.CommandContext(ctx, "python3", filepath.Join(wd, "micropython/shim/run.py"), filepath.Join(wd, "micropython/main.py"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1",
		"EDDY_SHIM_TEMPS="+strings.Join(list, ","), "EDDY_SHIM_HUMIDITY=40.2")
	return cmd
}

// TestMicroPythonSensorCountedExactly runs the MicroPython example under
// CPython with the shim standing in for umqtt.simple (a raw-socket MQTT
// 3.1.1 client), machine, network, ntptime and the sensor drivers. It
// boots twice (the sequence numbers continue from the seq file in
// "flash"), some messages are sent again, and the agent running eddy.sql
// on the real Mosquitto decodes every payload and counts every reading
// exactly once with the exact sum of the temperatures.
func TestMicroPythonSensorCountedExactly(t *testing.T) {
	broker := testenv.MQTT(t)
	prefix := "eddy-test/" + testenv.TopicName(t, "fw-mp")
	const device = "mp-sensor"
	temps := []float64{21.4375, -0.0625, 19, 25.125} // DS18B20 sixteenths: sums are exact in any order
	tempSum := func(n int) float64 {
		s := 0.0
		for i := range n {
			s += temps[i%len(temps)] // each boot starts the sensor's list again
		}
		return s
	}
	dir := microPython(t, broker, prefix, device, 30, 20*time.Millisecond)
	rt := startAgent(t, broker, prefix, true)
	cp := startCapture(t, broker, prefix)

	start := time.Now()
	boot := func(count int) {
		t.Helper()
		if count != 30 { // the second boot takes fewer readings
			cfg, _ := os.ReadFile(filepath.Join(dir, "config.py"))
			cfg = append(cfg, fmt.Sprintf("COUNT = %d\n", count)...)
			if err := os.WriteFile(filepath.Join(dir, "config.py"), cfg, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := microPythonCmd(ctx, t, dir, temps).CombinedOutput()
		if err != nil {
			t.Fatalf("main.py: %v\n%s", err, out)
		}
		if want := fmt.Sprintf("%d readings taken, %d acknowledged, 0 dropped", count, count); !strings.Contains(string(out), want) {
			t.Fatalf("main.py did not report %q:\n%s", want, out)
		}
	}
	boot(30)
	testenv.WaitFor(t, 10*time.Second, func() bool { return cp.len() == 30 }, "30 messages captured")
	boot(10)
	end := time.Now()
	testenv.WaitFor(t, 10*time.Second, func() bool { return cp.len() == 40 }, "40 messages captured")

	msgs := cp.all()
	seqs := checkPayloads(t, msgs, prefix+"/lab/"+device+"/telemetry", device, start, end)
	var want []int64
	for i := range int64(30) {
		want = append(want, 1+i)
	}
	for i := range int64(10) {
		want = append(want, 1001+i) // after the reboot, above the reserved block
	}
	if !slices.Equal(seqs, want) {
		t.Fatalf("sequence numbers %v, want %v", seqs, want)
	}
	if got := string(msgs[0].Payload()); !strings.HasSuffix(got, `"temp":21.4375,"humidity":40.2}`) {
		t.Errorf("first payload %s: want temp 21.4375 and humidity 40.2", got)
	}

	cp.republish(t, []paho.Message{msgs[3], msgs[29], msgs[30], msgs[39]})
	waitTotals(t, rt, map[string]total{device: {Readings: 40, TempSum: tempSum(30) + tempSum(10), LastSeq: 1010}}, 4)
}

// TestMicroPythonSensorBuffersThroughBrokerOutage stops a private Mosquitto
// while main.py publishes; it keeps reading into its list, reconnects with
// its backoff when the broker is back, and the agent (persistent session)
// counts every reading exactly once.
func TestMicroPythonSensorBuffersThroughBrokerOutage(t *testing.T) {
	m := testenv.PrivateMosquitto(t)
	broker := m.Addr()
	prefix := "eddy-test/" + testenv.TopicName(t, "fw-mp-outage")
	const device, count = "mp-outage", 50
	dir := microPython(t, broker, prefix, device, count, 50*time.Millisecond)
	rt := startAgent(t, broker, prefix, false)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := microPythonCmd(ctx, t, dir, []float64{18.5})
	out := &lineWatcher{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("main.py output:\n%s", out)
		}
	}()
	testenv.WaitFor(t, 20*time.Second, func() bool {
		return len(totals(t, rt)) == 1 && totals(t, rt)[device].Readings >= 5
	}, "5 readings counted")
	m.Stop(t)
	testenv.WaitFor(t, 10*time.Second, func() bool { return out.count("disconnected:") > 0 }, "main.py notices the outage")
	testenv.WaitFor(t, 20*time.Second, func() bool { return out.count("connect failed") >= 2 }, "main.py retries")
	m.Start(t)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("main.py: %v", err)
	}
	if want := fmt.Sprintf("%d readings taken, %d acknowledged, 0 dropped", count, count); out.count(want) != 1 {
		t.Fatalf("main.py did not report %q", want)
	}
	waitTotals(t, rt, map[string]total{device: {Readings: count, TempSum: count * 18.5, LastSeq: count}}, 0)
}
