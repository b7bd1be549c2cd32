package agent_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// fleetHarness runs one agent as a subprocess with a control connection to
// the TLS listener of the real Mosquitto (its own client id and
// credentials) and a data connection to the plain one, and drives it with
// the eddy config CLI.
type fleetHarness struct {
	t                *testing.T
	bin, dir, prefix string
	data, control    string
	user, pass, ca   string
	dataTopic        string
	agent            *agentProc
	pub              paho.Client
	sent             map[string]int // device → readings published
	sum              map[string]float64
	seq              map[string]int64
}

const fleetAgentID = "fleet-agent"

func (h *fleetHarness) run(args ...string) (string, int) {
	h.t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Env = append(os.Environ(), "EDDY_MQTT_PASSWORD="+h.pass)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatal(err)
	}
	return out.String(), code
}

func (h *fleetHarness) conn() []string {
	return []string{"--broker", h.control, "--ca-file", h.ca, "--username", h.user, "--prefix", h.prefix}
}

// sign writes the SQL as a configuration of version v and signs it with key.
func (h *fleetHarness) sign(key string, version int, sqlText string) string {
	h.t.Helper()
	in := filepath.Join(h.dir, fmt.Sprintf("v%d-%s.yaml", version, filepath.Base(key)))
	sqlFile := strings.TrimSuffix(in, ".yaml") + ".sql"
	if err := os.WriteFile(sqlFile, []byte(sqlText), 0o644); err != nil {
		h.t.Fatal(err)
	}
	y := fmt.Sprintf("comment: test version %d\npipelines:\n  - name: fleet\n    file: %s\n", version, filepath.Base(sqlFile))
	if err := os.WriteFile(in, []byte(y), 0o644); err != nil {
		h.t.Fatal(err)
	}
	out := strings.TrimSuffix(in, ".yaml") + ".json"
	if s, code := h.run("config", "sign", "--key", key, "-version", fmt.Sprint(version), "-agent", fleetAgentID, "-o", out, in); code != 0 {
		h.t.Fatalf("sign: %s", s)
	}
	return out
}

func (h *fleetHarness) push(doc string) (string, int) {
	h.t.Helper()
	return h.run(append(append([]string{"config", "push"}, h.conn()...), "--agent", fleetAgentID, "-timeout", "60s", doc)...)
}

// publish sends n readings to each device at QoS 1, with sequence numbers.
func (h *fleetHarness) publish(devices []string, n int, v float64) {
	h.t.Helper()
	if err := h.tryPublish(devices, n, v); err != nil {
		h.t.Fatal(err)
	}
}

// tryPublish is publish for other goroutines than the test's.
func (h *fleetHarness) tryPublish(devices []string, n int, v float64) error {
	for i := 0; i < n; i++ {
		for _, d := range devices {
			h.seq[d]++
			h.sent[d]++
			h.sum[d] += v
			p := fmt.Sprintf(`{"seq": %d, "v": %g}`, h.seq[d], v)
			tok := h.pub.Publish(h.dataTopic+"/"+d, 1, false, p)
			if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				return fmt.Errorf("publish: %v", tok.Error())
			}
		}
	}
	return nil
}

// viewRows returns a view's rows by device.
func (h *fleetHarness) viewRows(view string) (map[string]map[string]any, error) {
	var rows []map[string]any
	if err := h.agent.get("/v1/views/"+view, &rows); err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, r := range rows {
		out[fmt.Sprint(r["device"])] = r
	}
	return out, nil
}

// waitCounts waits until the counts view holds exactly what was published.
func (h *fleetHarness) waitCounts(what string) {
	h.t.Helper()
	var last string
	testenv.WaitFor(h.t, 30*time.Second, func() bool {
		rows, err := h.viewRows("counts")
		if err != nil {
			last = err.Error()
			return false
		}
		for d, n := range h.sent {
			r := rows[d]
			if r == nil || r["n"] != float64(n) || r["total"] != h.sum[d] {
				last = fmt.Sprintf("device %s: row %v, want n=%d total=%g", d, r, n, h.sum[d])
				return false
			}
		}
		return len(rows) == len(h.sent)
	}, what+": counts exact ("+last+")")
}

type agentConfigStatus struct {
	Config struct {
		Source    string `json:"source"`
		Version   int64  `json:"version"`
		AppliedAt string `json:"applied_at"`
		LastError *struct {
			Version int64  `json:"version"`
			Code    string `json:"code"`
			Reason  string `json:"reason"`
		} `json:"last_error"`
		Control *struct {
			Connected bool `json:"connected"`
		} `json:"control"`
	} `json:"config"`
	MQTT struct{ Subscribed int64 } `json:"mqtt"`
}

func (h *fleetHarness) status() agentConfigStatus {
	h.t.Helper()
	var st agentConfigStatus
	if err := h.agent.get("/v1/status", &st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *fleetHarness) waitUp() {
	h.t.Helper()
	testenv.WaitFor(h.t, 30*time.Second, func() bool {
		var st agentConfigStatus
		return h.agent.get("/v1/status", &st) == nil && st.MQTT.Subscribed > 0 &&
			st.Config.Control != nil && st.Config.Control.Connected
	}, "agent up: data subscribed, control connected")
}

const fleetSQL = `CREATE SOURCE readings (device VARCHAR, seq BIGINT NOT NULL, v DOUBLE)
  WITH (connector = 'mqtt', topic = '%s/{device}', qos = '1', device.column = 'device', sequence.column = 'seq');
CREATE MATERIALIZED VIEW counts AS SELECT device, count(*) AS n, sum(v) AS total FROM readings GROUP BY device;
`

// TestFleetConfigPushApplyRejectRestart is the whole story of issue 10 on
// one agent subprocess: push a new pipeline (applied, its view and sink
// produce), push invalid SQL (rejected with file:line:col, old pipeline
// keeps counting), a document signed by an unknown key and a replayed old
// version (rejected), an unchanged view's counts continue exactly across
// every push, and a restarted agent comes back on the pushed version
// without applying it again.
func TestFleetConfigPushApplyRejectRestart(t *testing.T) {
	data := testenv.MQTT(t)
	control := testenv.MQTTTLS(t)
	user, pass := testenv.MQTTAuth(t)
	ca := os.Getenv("EDDY_TEST_CA")
	if ca == "" {
		t.Skip("EDDY_TEST_CA not set")
	}
	h := &fleetHarness{t: t, bin: buildEddy(t), dir: t.TempDir(), prefix: testenv.TopicName(t, "ctl"),
		data: data, control: control, user: user, pass: pass, ca: ca, dataTopic: testenv.TopicName(t, "fleetdata"),
		sent: map[string]int{}, sum: map[string]float64{}, seq: map[string]int64{}}
	trusted := filepath.Join(h.dir, "trusted")
	rogue := filepath.Join(h.dir, "rogue")
	out, code := h.run("config", "keygen", "-out", trusted)
	if code != 0 {
		t.Fatal(out)
	}
	pubKey := regexp.MustCompile(`- (ed25519:\S+)`).FindStringSubmatch(out)
	if pubKey == nil {
		t.Fatalf("keygen printed no key line:\n%s", out)
	}
	if out, code := h.run("config", "keygen", "-out", rogue); code != 0 {
		t.Fatal(out)
	}

	base := fmt.Sprintf(fleetSQL, h.dataTopic)
	if err := os.WriteFile(filepath.Join(h.dir, "fleet.sql"), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	sinkFile := filepath.Join(h.dir, "maxes.jsonl")
	cfg := fmt.Sprintf(`id: %s
data_dir: %s
mqtt:
  brokers: [%q]
  client_id: %s
pipelines:
  - name: fleet
    file: fleet.sql
http:
  addr: %s
log:
  level: info
control:
  brokers: [%q]
  client_id: %s
  username: %s
  password: %s
  ca_file: %s
  topic_prefix: %s
  trusted_keys: [%q]
`, fleetAgentID, filepath.Join(h.dir, "data"), data, testenv.TopicName(t, "data"), httpAddr,
		control, testenv.TopicName(t, "control"), user, pass, ca, h.prefix, pubKey[1])
	cfgPath := filepath.Join(h.dir, "agent.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(h.dir, "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	h.agent = &agentProc{t: t, bin: h.bin, cfg: cfgPath, log: logf, http: httpAddr}
	h.agent.start()
	defer func() {
		h.agent.kill()
		if t.Failed() || os.Getenv("EDDY_TEST_AGENT_LOG") != "" {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("agent log:\n%s", b)
		}
	}()
	h.waitUp()
	h.pub = paho.NewClient(paho.NewClientOptions().AddBroker(data).SetClientID(testenv.TopicName(t, "pub")))
	if tok := h.pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer h.pub.Disconnect(100)
	devices := []string{"d1", "d2", "d3"}
	h.publish(devices, 20, 1.5)
	h.waitCounts("before any push")

	// 1. A new view with a sink: applied; counts continue exactly.
	withMaxes := base + fmt.Sprintf(`CREATE MATERIALIZED VIEW maxes AS SELECT device, max(v) AS hi, count(*) AS n FROM readings GROUP BY device;
CREATE SINK maxes_out FROM maxes WITH (connector = 'file', path = '%s');
`, sinkFile)
	v1 := h.sign(trusted+".key", 1, withMaxes)
	if out, code := h.push(v1); code != 0 || !strings.Contains(out, "applied: agent "+fleetAgentID+" runs version 1") {
		t.Fatalf("push v1: exit %d:\n%s", code, out)
	}
	h.waitUp()
	h.publish(devices, 10, 7)
	h.waitCounts("after v1")
	testenv.WaitFor(t, 30*time.Second, func() bool {
		rows, err := h.viewRows("maxes")
		if err != nil || len(rows) != len(devices) {
			return false
		}
		for _, r := range rows {
			// A new view starts afresh: it saw only the readings after the push.
			if r["hi"] != 7.0 || r["n"] != 10.0 {
				return false
			}
		}
		b, _ := os.ReadFile(sinkFile)
		return bytes.Count(b, []byte(`"hi":7`)) >= len(devices)
	}, "the new view and its sink produce the readings after the push")

	// 2. Invalid SQL: rejected with file:line:col; the old pipeline runs on.
	bad := withMaxes + "CREATE MATERIALIZED VIEW broken AS SELECT devise, count(*) AS n FROM readings GROUP BY devise;\n"
	v2 := h.sign(trusted+".key", 2, bad)
	out, code = h.push(v2)
	if code == 0 || !regexp.MustCompile(`rejected: .*invalid_config`).MatchString(out) || !regexp.MustCompile(`fleet\.sql:6:\d+: unknown column "devise"`).MatchString(out) {
		t.Fatalf("push v2 (invalid SQL): exit %d:\n%s", code, out)
	}
	st := h.status()
	if st.Config.Version != 1 || st.Config.LastError == nil || st.Config.LastError.Version != 2 ||
		!regexp.MustCompile(`fleet\.sql:6:\d+:`).MatchString(st.Config.LastError.Reason) {
		t.Fatalf("status after invalid SQL: %+v %+v", st.Config, st.Config.LastError)
	}
	sout, code := h.run(append(append([]string{"config", "status"}, h.conn()...), "--agent", fleetAgentID)...)
	if code != 0 || !strings.Contains(sout, fleetAgentID+"  online  version 1") || !regexp.MustCompile(`last rejected: version 2 .*invalid_config`).MatchString(sout) ||
		!regexp.MustCompile(`fleet\.sql:6:\d+:`).MatchString(sout) {
		t.Fatalf("eddy config status: exit %d:\n%s", code, sout)
	}
	h.publish(devices, 5, 2)
	h.waitCounts("after the rejected v2")

	// 3. Signed by a key the agent does not trust.
	v3 := h.sign(rogue+".key", 3, withMaxes)
	if out, code := h.push(v3); code == 0 || !strings.Contains(out, "unknown_key") {
		t.Fatalf("push v3 (unknown key): exit %d:\n%s", code, out)
	}

	// Unsigned, and changed after signing (copies of version 4, which they
	// leave free since they are rejected).
	signed, err := os.ReadFile(h.sign(trusted+".key", 4, withMaxes))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := regexp.MustCompile(`(?s),\s*"signature": \{.*?\}`).ReplaceAll(signed, nil)
	tampered := bytes.Replace(signed, []byte("max(v) AS hi"), []byte("min(v) AS hi"), 1)
	for _, c := range []struct {
		name string
		doc  []byte
		code string
	}{{"unsigned", unsigned, "unsigned"}, {"tampered", tampered, "bad_signature"}} {
		f := filepath.Join(h.dir, c.name+".json")
		if err := os.WriteFile(f, c.doc, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, code := h.push(f); code == 0 || !strings.Contains(out, c.code) {
			t.Fatalf("push %s: exit %d:\n%s", c.name, code, out)
		}
	}

	// 4. Same pipelines, new version: applied; counts continue exactly.
	// Readings keep coming while the pipeline is swapped: those the old
	// loop did not commit are redelivered to the new one, none is counted
	// twice.
	v4 := h.sign(trusted+".key", 4, withMaxes)
	published := make(chan error, 1)
	go func() { published <- h.tryPublish(devices, 300, 3) }()
	if out, code := h.push(v4); code != 0 {
		t.Fatalf("push v4: exit %d:\n%s", code, out)
	}
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	h.waitUp()
	h.publish(devices, 5, 3)
	h.waitCounts("after v4, published during the swap")

	// 5. A replay of version 1.
	if out, code := h.push(v1); code == 0 || !strings.Contains(out, "stale_version") || !strings.Contains(out, "not newer than the applied version 4") {
		t.Fatalf("replayed v1: exit %d:\n%s", code, out)
	}
	before := h.status()
	if before.Config.Version != 4 || before.Config.Source != "fleet" {
		t.Fatalf("status after replay: %+v", before.Config)
	}

	// 6. Restart: back on version 4 without applying it again; counts
	// continue exactly.
	h.agent.kill()
	// The broker publishes the last will: the retained status says offline.
	testenv.WaitFor(t, 30*time.Second, func() bool {
		out, code := h.run(append(append([]string{"config", "status"}, h.conn()...), "--agent", fleetAgentID)...)
		return code == 0 && strings.HasPrefix(out, fleetAgentID+"  offline")
	}, "status offline after the agent was killed")
	h.agent.start()
	h.waitUp()
	after := h.status()
	if after.Config.Version != 4 || after.Config.AppliedAt != before.Config.AppliedAt {
		t.Fatalf("after restart: %+v, before %+v", after.Config, before.Config)
	}
	h.publish(devices, 5, 4)
	h.waitCounts("after restart")
	rows, err := h.viewRows("maxes")
	if err != nil || rows["d1"]["n"] != 325.0 {
		t.Fatalf("maxes after restart: %v %v", rows, err)
	}
	b, _ := os.ReadFile(logf.Name())
	if n := strings.Count(string(b), "fleet configuration applied"); n != 2 {
		t.Errorf("%d applies in the agent log, want 2 (v1, v4)", n)
	}
}
