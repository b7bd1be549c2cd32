package aggregator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/wire"
)

// clock is an injected wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hook is a webhook receiver that records notifications.
type hook struct {
	mu    sync.Mutex
	got   []map[string]any
	auth  []string
	posts int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var batch []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	h.mu.Lock()
	h.got = append(h.got, batch...)
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	h.posts++
	h.mu.Unlock()
}

// count returns the notifications of rule in state.
func (h *hook) count(rule, state string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.got {
		if m["rule"] == rule && m["state"] == state {
			n++
		}
	}
	return n
}

func (h *hook) total() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.got) }

func alertConfig(t *testing.T, dir, hookURL string) *Config {
	t.Helper()
	y := fmt.Sprintf(`
data_dir: %s
kafka:
  brokers: ["127.0.0.1:1"]
views:
  - name: fleet
    sql: |
%s
heartbeat_timeout: 5m
http: {addr: "", token: secret}
alerts:
  rules:
    - name: hot
      view: site_hourly
      group_by: [site]
      condition: temp_max > 40
      clear: temp_max < 35
      for: 1m
      severity: critical
      notify: [ops]
    - name: offline
      kind: agent_offline
      notify: [ops]
  notifiers:
    ops:
      type: webhook
      url: %s
      token_env: EDDY_TEST_HOOK_TOKEN
      max_attempts: 3
`, dir, indent(fleettest.FleetSQL), hookURL)
	t.Setenv("EDDY_TEST_HOOK_TOKEN", "hook-secret")
	cfg, err := ParseConfig([]byte(y), filepath.Join(dir, "central.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// openAlerting opens an aggregator that is fed by handle (no Kafka) and
// steps its evaluator by hand; its notifiers deliver in the background.
func openAlerting(t *testing.T, cfg *Config, clk *clock) (*Aggregator, *httptest.Server) {
	t.Helper()
	a, err := New(context.Background(), cfg, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, n := range a.alerts.notif {
		wg.Add(1)
		go func() { defer wg.Done(); n.run(ctx) }()
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		wg.Wait()
		a.Close()
	})
	return a, srv
}

func reading(agent, site string, ts int64, temp float64) kafka.Message {
	evs := []fleettest.Event{{Agent: agent, Site: site, Device: agent + "-d1", TS: ts, Temp: temp}}
	start := ts - ts%fleettest.Minute
	return kafka.Message{Topic: "eddy.results", Key: []byte(agent),
		Value: fleettest.Row(fleettest.Aggregates(), agent, site, agent+"-d1", start, evs, 0, true)}
}

func checkpoint(t *testing.T, agent string, at time.Time) kafka.Message {
	b, err := wire.MarshalCheckpoint(&wire.Checkpoint{Agent: agent, AgentVersion: "test", Time: at.UTC().Format(time.RFC3339Nano), ConfigVersion: 2})
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Topic: "eddy.checkpoints", Key: []byte(agent), Value: b, Time: at}
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %v: %s", method, path, resp.StatusCode, err, b)
		}
	}
	return resp.StatusCode
}

func alertByID(t *testing.T, srv *httptest.Server, id string) *apiAlert {
	t.Helper()
	var list []apiAlert
	if code := call(t, srv, "GET", "/v1/alerts", "", &list); code != 200 {
		t.Fatalf("GET /v1/alerts: %d", code)
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// A fleet row crosses the threshold: pending, firing after `for`, one
// notification to the webhook, acknowledged and silenced through the API;
// an agent goes offline when its checkpoints stop; after a restart the
// alerts keep their state and nothing is notified twice.
func TestAlertLifecycle(t *testing.T) {
	h := &hook{}
	hs := httptest.NewServer(h)
	defer hs.Close()
	dir := t.TempDir()
	cfg := alertConfig(t, dir, hs.URL+"/alerts")
	clk := &clock{t: time.UnixMilli(fleettest.Base + 10*fleettest.Minute).UTC()}
	a, srv := openAlerting(t, cfg, clk)
	step := func(msgs ...kafka.Message) {
		t.Helper()
		if len(msgs) > 0 {
			if err := a.handle(msgs, a.prepare(msgs)); err != nil {
				t.Fatal(err)
			}
		}
		a.alerts.step()
	}

	t0 := clk.Now()
	step(checkpoint(t, "gw-1", t0), reading("gw-1", "lyon", fleettest.Base+5*fleettest.Minute, 45), reading("gw-1", "paris", fleettest.Base+5*fleettest.Minute, 20))
	const id = `hot{site="lyon"}`
	if al := alertByID(t, srv, id); al == nil || al.State.String() != "pending" || al.Kind != "threshold" || al.Value != 45.0 {
		t.Fatalf("after a hot row: %+v, want pending with value 45", al)
	}
	if al := alertByID(t, srv, `hot{site="paris"}`); al != nil {
		t.Fatalf("paris is not hot: %+v", al)
	}

	clk.Add(30 * time.Second)
	step()
	if al := alertByID(t, srv, id); al.State.String() != "pending" {
		t.Fatalf("30s into for: 1m: %s", al.State)
	}
	clk.Add(31 * time.Second)
	step()
	al := alertByID(t, srv, id)
	if al.State.String() != "firing" || al.FiredAtMS != clk.Now().UnixMilli() {
		t.Fatalf("after for: %+v", al)
	}
	testenv.WaitFor(t, 10*time.Second, func() bool { return h.count("hot", "firing") == 1 }, "the firing notification reaches the webhook")

	// More rows, ticks and the same batch again: no second notification.
	for range 5 {
		clk.Add(10 * time.Second)
		step(reading("gw-1", "lyon", fleettest.Base+5*fleettest.Minute, 45))
	}
	late := []kafka.Message{reading("gw-1", "lyon", fleettest.Base+6*fleettest.Minute, 44)}
	if err := a.handle(late, a.prepare(late)); err != nil {
		t.Fatal(err)
	}
	a.alerts.step()
	// The ack below is delivered after any queued notification would be.
	var ok map[string]any
	if code := call(t, srv, "POST", "/v1/alerts/"+urlEscape(id)+"/ack", `{"by":"alice"}`, &ok); code != 200 {
		t.Fatalf("ack: %d %v", code, ok)
	}
	if code := call(t, srv, "POST", "/v1/alerts/"+urlEscape(id)+"/ack", `{}`, nil); code != 400 {
		t.Fatalf("ack without by: %d", code)
	}
	if code := call(t, srv, "POST", "/v1/alerts/nope/ack", `{"by":"alice"}`, nil); code != 404 {
		t.Fatalf("ack of an unknown alert: %d", code)
	}
	if al := alertByID(t, srv, id); al.AckedBy != "alice" || al.AckedAtMS != clk.Now().UnixMilli() {
		t.Fatalf("after the ack: %+v", al)
	}
	var sil map[string]any
	until := clk.Now().Add(time.Hour).UnixMilli()
	body := fmt.Sprintf(`{"matchers":{"site":"lyon"},"until_ms":%d,"by":"alice","comment":"maintenance"}`, until)
	if code := call(t, srv, "POST", "/v1/silences", body, &sil); code != 200 || sil["id"] == "" {
		t.Fatalf("silence: %d %v", code, sil)
	}
	if al := alertByID(t, srv, id); al.SilencedBy != sil["id"] {
		t.Fatalf("silenced alert: %+v", al)
	}
	if h.total() != 1 || h.count("hot", "firing") != 1 {
		t.Fatalf("webhook got %d notifications, want the one firing: %v", h.total(), h.got)
	}
	h.mu.Lock()
	if h.auth[0] != "Bearer hook-secret" {
		t.Fatalf("webhook Authorization %q: want the token from token_env", h.auth[0])
	}
	h.mu.Unlock()

	// The agent's checkpoints stop: offline after heartbeat_timeout.
	clk.Add(2 * time.Minute) // 231 s since the checkpoint
	step()
	if al := alertByID(t, srv, `offline{agent="gw-1"}`); al != nil {
		t.Fatalf("offline before the heartbeat timeout: %+v", al)
	}
	clk.Add(2 * time.Minute)
	step()
	if al := alertByID(t, srv, `offline{agent="gw-1"}`); al == nil || al.State.String() != "firing" || al.Kind != "agent_offline" {
		t.Fatalf("offline after the heartbeat timeout: %+v", al)
	}
	testenv.WaitFor(t, 10*time.Second, func() bool { return h.count("offline", "firing") == 1 }, "the offline notification reaches the webhook")

	var rules []apiRule
	if code := call(t, srv, "GET", "/v1/rules", "", &rules); code != 200 || len(rules) != 2 || rules[1].View != "agents" {
		t.Fatalf("GET /v1/rules: %d %+v", code, rules)
	}
	var metrics bytes.Buffer
	a.set.WritePrometheus(&metrics)
	if !strings.Contains(metrics.String(), `eddy_aggregator_notifications_total{notifier="ops",outcome="delivered"} 2`) {
		t.Fatalf("metrics:\n%s", metrics.String())
	}

	// Restart: the state comes back, nothing is notified again.
	srv.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	a2, srv2 := openAlerting(t, alertConfig(t, dir, hs.URL+"/alerts"), clk)
	a2.alerts.step()
	clk.Add(10 * time.Second)
	a2.alerts.step()
	al = alertByID(t, srv2, id)
	if al == nil || al.State.String() != "firing" || al.AckedBy != "alice" || al.SilencedBy == "" {
		t.Fatalf("after the restart: %+v", al)
	}
	if al := alertByID(t, srv2, `offline{agent="gw-1"}`); al == nil || al.State.String() != "firing" {
		t.Fatalf("offline after the restart: %+v", al)
	}
	var sils []map[string]any
	if call(t, srv2, "GET", "/v1/silences", "", &sils); len(sils) != 1 {
		t.Fatalf("silences after the restart: %v", sils)
	}
	var hist []map[string]any
	if call(t, srv2, "GET", "/v1/alerts/history", "", &hist); len(hist) < 4 {
		t.Fatalf("history after the restart: %v", hist)
	}
	// The agent comes back: the offline alert resolves and says so, once.
	step2 := func(msgs ...kafka.Message) {
		if err := a2.handle(msgs, a2.prepare(msgs)); err != nil {
			t.Fatal(err)
		}
		a2.alerts.step()
	}
	step2(checkpoint(t, "gw-1", clk.Now()))
	testenv.WaitFor(t, 10*time.Second, func() bool { return h.count("offline", "resolved") == 1 }, "the resolution reaches the webhook")
	if h.count("hot", "firing") != 1 || h.count("offline", "firing") != 1 {
		t.Fatalf("notified again after the restart: %v", h.got)
	}
	if code := call(t, srv2, "DELETE", "/v1/silences/"+sils[0]["id"].(string), "", nil); code != 200 {
		t.Fatalf("DELETE silence: %d", code)
	}
	if code := call(t, srv2, "DELETE", "/v1/silences/s99", "", nil); code != 404 {
		t.Fatalf("DELETE unknown silence: %d", code)
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", "=", "%3D")
	return r.Replace(s)
}

// The API and the event stream need the token; the stream takes it as
// ?token=, the dashboard's files need none.
func TestAlertAPIAuthAndEvents(t *testing.T) {
	dir := t.TempDir()
	cfg := alertConfig(t, dir, "http://127.0.0.1:1/none")
	clk := &clock{t: time.UnixMilli(fleettest.Base + 10*fleettest.Minute).UTC()}
	a, srv := openAlerting(t, cfg, clk)
	for _, p := range []string{"/v1/alerts", "/v1/silences", "/v1/rules", "/v1/events", "/v1/alerts?token=secret"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("GET %s without the token: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/", "/index.html"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/events?token=secret", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan [2]string, 100)
	go func() {
		defer close(events)
		var name string
		buf := make([]byte, 0, 1<<16)
		tmp := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(tmp)
			buf = append(buf, tmp[:n]...)
			for {
				i := bytes.Index(buf, []byte("\n\n"))
				if i < 0 {
					break
				}
				for _, l := range strings.Split(string(buf[:i]), "\n") {
					if v, ok := strings.CutPrefix(l, "event: "); ok {
						name = v
					}
					if v, ok := strings.CutPrefix(l, "data: "); ok {
						events <- [2]string{name, v}
					}
				}
				buf = buf[i+2:]
			}
			if err != nil {
				return
			}
		}
	}()
	want := func(name string, check func(data string) bool) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case e, ok := <-events:
				if !ok {
					t.Fatalf("stream ended before a %s event", name)
				}
				if e[0] == name && check(e[1]) {
					return
				}
			case <-timeout:
				t.Fatalf("no %s event", name)
			}
		}
	}
	want("agents", func(d string) bool { return d == "[]" })
	want("alerts", func(d string) bool { return d == "[]" })
	want("status", func(d string) bool { return strings.Contains(d, `"counters"`) })
	if err := a.handle([]kafka.Message{checkpoint(t, "gw-7", clk.Now()), reading("gw-7", "oslo", fleettest.Base, 50)}, nil); err != nil {
		t.Fatal(err)
	}
	a.alerts.step()
	want("rows", func(d string) bool {
		var r struct {
			View string           `json:"view"`
			Rows []map[string]any `json:"rows"`
		}
		return json.Unmarshal([]byte(d), &r) == nil && r.View == "site_hourly" && len(r.Rows) == 1 && r.Rows[0]["site"] == "oslo"
	})
	want("agents", func(d string) bool { return strings.Contains(d, `"agent":"gw-7"`) })
	want("alerts", func(d string) bool {
		return strings.Contains(d, `hot{site=\"oslo\"}`) && strings.Contains(d, `"state":"pending"`)
	})
}

// Inline rules are checked against the fleet views with this file's
// line numbers; unknown notifiers and unset secrets are config errors.
func TestAlertConfigErrors(t *testing.T) {
	dir := t.TempDir()
	base := fmt.Sprintf("data_dir: %s\nkafka: {brokers: [\"127.0.0.1:1\"]}\nviews:\n  - name: fleet\n    sql: |\n%s\n", dir, indent(fleettest.FleetSQL))
	cfg, err := ParseConfig([]byte(base+`alerts:
  rules:
    - name: hot
      view: site_hourly
      condition: temp_maxx > 40
`), "central.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = CheckViews(cfg)
	lines := strings.Count(base, "\n")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("central.yaml:%d:", lines+5)) || !strings.Contains(err.Error(), "temp_maxx") {
		t.Fatalf("bad column: %v (want central.yaml:%d)", err, lines+5)
	}
	_, err = ParseConfig([]byte(base+`alerts:
  rules:
    - {name: hot, view: site_hourly, condition: temp_max > 40, notify: [pager]}
`), "central.yaml")
	if err == nil || !strings.Contains(err.Error(), `notifies "pager"`) {
		t.Fatalf("unknown notifier: %v", err)
	}
	os.Unsetenv("EDDY_TEST_UNSET")
	_, err = ParseConfig([]byte(base+`alerts:
  notifiers:
    ops: {type: webhook, url: "http://x/y", token_env: EDDY_TEST_UNSET}
`), "central.yaml")
	if err == nil || !strings.Contains(err.Error(), "EDDY_TEST_UNSET is not set") {
		t.Fatalf("unset secret: %v", err)
	}
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte("rules:\n  - name: hot\n    view: site_hourly\n    condition: temp_max > 40\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err = ParseConfig([]byte(base+"alerts: {rules_file: rules.yaml}\n"), filepath.Join(dir, "central.yaml"))
	if err != nil || len(cfg.Alerts.RuleList()) != 1 {
		t.Fatalf("rules_file: %v", err)
	}
	if err := CheckViews(cfg); err != nil {
		t.Fatal(err)
	}
}
