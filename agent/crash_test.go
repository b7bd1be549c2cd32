package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/simulate"
)

// buildEddy builds the eddy binary once per test run.
func buildEddy(t *testing.T) string {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "eddy")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/eddy")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// agentProc is the agent as a subprocess.
type agentProc struct {
	t    *testing.T
	bin  string
	cfg  string
	args []string // default: agent --config cfg
	log  *os.File
	out  *os.File // stdout, if not log
	cmd  *exec.Cmd
	http string
}

func (a *agentProc) start() {
	a.t.Helper()
	args := a.args
	if args == nil {
		args = []string{"agent", "--config", a.cfg}
	}
	a.cmd = exec.Command(a.bin, args...)
	a.cmd.Stdout, a.cmd.Stderr = a.log, a.log
	if a.out != nil {
		a.cmd.Stdout = a.out
	}
	if err := a.cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
}

func (a *agentProc) kill() {
	a.t.Helper()
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	_ = a.cmd.Wait()
}

func (a *agentProc) get(path string, v any) error {
	resp, err := http.Get("http://" + a.http + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s: %s", path, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// TestAgentCrashLosesNothingCountsNothingTwice: the agent runs as a
// subprocess against the real Mosquitto while the deterministic fleet
// publishes at QoS 1 (1000 devices, disorder within the watermark bound,
// 1% duplicates, 0.5% malformed); the test SIGKILLs it at 20+ random
// moments and restarts it; the final view equals simulate.Expect and every
// malformed message is a dead letter with its reason.
func TestAgentCrashLosesNothingCountsNothingTwice(t *testing.T) {
	broker := testenv.MQTT(t)
	bin := buildEddy(t)
	dir := t.TempDir()
	prefix := testenv.TopicName(t, "crash")
	cfg := simulate.Config{Devices: 1000, Seed: 42, Readings: 20, Interval: 1000, Disorder: 2000,
		DupRate: 0.01, MalformedRate: 0.005, TopicPrefix: prefix, Start: time.Now().Add(-time.Minute).UnixMilli()}
	const window = 10_000
	prog := simulate.SQL(cfg, window)
	prog = strings.Replace(prog, "CREATE MATERIALIZED VIEW "+simulate.ViewName+" AS",
		"CREATE MATERIALIZED VIEW "+simulate.ViewName+" WITH (idle_timeout = '3s') AS", 1)
	if err := os.WriteFile(filepath.Join(dir, "fleet.sql"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	yaml := fmt.Sprintf(`id: crash-agent
data_dir: %s
mqtt:
  brokers: [%q]
  client_id: %s
  clean_session: false
pipelines:
  - name: fleet
    file: fleet.sql
store:
  checkpoint_bytes: 64KiB # checkpoints of the state log between the kills too
http:
  addr: %s
log:
  level: warn
`, filepath.Join(dir, "data"), broker, testenv.TopicName(t, "agent"), httpAddr)
	cfgPath := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	a := &agentProc{t: t, bin: bin, cfg: cfgPath, log: logf, http: httpAddr}
	a.start()
	defer func() {
		a.kill()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("agent log:\n%s", b)
		}
	}()
	// The persistent session must exist before the fleet publishes, or the
	// broker would not queue for it while the agent is down.
	testenv.WaitFor(t, 20*time.Second, func() bool {
		var st struct {
			MQTT struct{ Subscribed int64 } `json:"mqtt"`
		}
		return a.get("/v1/status", &st) == nil && st.MQTT.Subscribed > 0
	}, "agent subscribed")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub, err := simulate.DialMQTT(ctx, mqttconn.Options{Brokers: []string{broker}}, 200, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	malformed := map[string]int{}
	for g := simulate.New(cfg); ; {
		m, ok := g.Next()
		if !ok {
			break
		}
		if m.Kind == simulate.Malformed {
			malformed[m.Reason]++
		}
	}
	done := make(chan error, 1)
	var stats simulate.Stats
	go func() {
		var err error
		stats, err = simulate.Publish(ctx, pub, simulate.New(cfg), 1, 2500)
		done <- err
	}()

	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	publishing := true
	for publishing || kills < 20 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("publish: %v", err)
			}
			publishing = false
		case <-time.After(time.Duration(100+rng.IntN(500)) * time.Millisecond):
		}
		a.kill()
		kills++
		a.start()
	}
	t.Logf("published %s; %d kills", stats, kills)

	want := simulate.Expect(cfg, window)
	var last string
	ok := false
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) && !ok {
		var rows []map[string]any
		if err := a.get("/v1/views/"+simulate.ViewName, &rows); err != nil {
			last = err.Error()
			time.Sleep(200 * time.Millisecond)
			continue
		}
		ok, last = sameFleet(rows, want)
		if !ok {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !ok {
		t.Fatalf("view never matched the expectation: %s", last)
	}
	var status struct {
		DeadLetters struct {
			ByReason map[string]uint64 `json:"ByReason"`
		} `json:"dead_letters"`
		Store struct{ Checkpoints, LogRecords int } `json:"store"`
	}
	if err := a.get("/v1/status", &status); err != nil {
		t.Fatal(err)
	}
	t.Logf("last agent process: %d checkpoints of the store's log, %d records in it", status.Store.Checkpoints, status.Store.LogRecords)
	for reason, n := range malformed {
		if got := status.DeadLetters.ByReason[reason]; got != uint64(n) {
			t.Errorf("dead letters %s: %d, want %d (all %v)", reason, got, n, status.DeadLetters.ByReason)
		}
	}
}

// sameFleet compares the view's rows with the expectation.
func sameFleet(rows []map[string]any, want map[simulate.WindowKey]simulate.Agg) (bool, string) {
	got := map[simulate.WindowKey]simulate.Agg{}
	for _, r := range rows {
		ws, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r["window_start"]))
		if err != nil {
			return false, err.Error()
		}
		num := func(k string) float64 { f, _ := r[k].(float64); return f }
		got[simulate.WindowKey{Device: fmt.Sprint(r["device"]), WindowStart: ws.UnixMilli()}] =
			simulate.Agg{Count: int64(num("readings")), Sum: num("temp_sum"), Min: num("temp_min"), Max: num("temp_max")}
	}
	wrong := 0
	var example string
	for k, w := range want {
		g, ok := got[k]
		if !ok || g.Count != w.Count || math.Abs(g.Sum-w.Sum) > 1e-9 || g.Min != w.Min || g.Max != w.Max {
			if example == "" {
				example = fmt.Sprintf("%v: got %+v (present %v), want %+v", k, g, ok, w)
			}
			wrong++
		}
	}
	extra := len(got) - (len(want) - wrong)
	if wrong == 0 && len(got) == len(want) {
		return true, ""
	}
	return false, fmt.Sprintf("%d of %d windows wrong or missing, %d rows in all (%d unexpected); e.g. %s",
		wrong, len(want), len(got), extra, example)
}
