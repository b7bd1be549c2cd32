package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator"
	"github.com/eddy-iot/eddy/aggregator/dashboard"
	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/wire"
)

// siteSQL is a per-minute fleet view over the edge view the test's agents
// send (fleettest.EdgeSQL: per device and minute).
const siteSQL = `CREATE SOURCE device_stats (agent VARCHAR, device VARCHAR, site VARCHAR, readings BIGINT,
    temp_avg DOUBLE, temp_p95 DOUBLE, temp_min DOUBLE, temp_max DOUBLE, window_start TIMESTAMP)
  WITH (connector = 'eddy', view = 'telemetry_stats');
CREATE MATERIALIZED VIEW site_1m AS
SELECT site, sum(readings) AS readings, avg(temp_avg) AS avg_temp, max(temp_max) AS temp_max
FROM TUMBLE(device_stats, window_start, INTERVAL '1' MINUTE) GROUP BY site;`

// TestBrowserAggregator is issue 9's "must show" against the real thing:
// three agents' results and checkpoints go through the test Kafka (written
// as an agent's forwarder writes them: key = agent, acks=all), a real
// aggregator consumes them, merges the fleet view site_1m, evaluates the
// rule hot (avg_temp > 80 per site) and serves this dashboard; the browser
// test of TestBrowserFixture then runs against it: the fleet page lists the
// agents, the alert fires when hot readings arrive and shows on the alerts
// page, the script acknowledges it through the page, and GET /v1/alerts
// reports it acknowledged. Screenshots: screenshots/dashboard/aggregator/.
func TestBrowserAggregator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	addr := testenv.Kafka(t)
	results := testenv.TopicName(t, "results")
	checkpoints := testenv.TopicName(t, "checkpoints")
	testenv.CreateTopic(t, addr, results, 2, false)
	testenv.CreateTopic(t, addr, checkpoints, 1, true)
	dir := t.TempDir()
	const token = "browser-secret"
	y := fmt.Sprintf(`
data_dir: %s
kafka:
  brokers: [%q]
  results_topic: %s
  checkpoints_topic: %s
  group_id: %s
views:
  - name: sites
    sql: |
%s
heartbeat_timeout: 30m
http: {addr: "127.0.0.1:0", token: %s}
store: {batch_max_delay: 20ms}
alerts:
  rules:
    - name: hot
      view: site_1m
      group_by: [site]
      condition: avg_temp > 80
      clear: avg_temp < 70
      severity: critical
      summary: a site is too hot
`, dir, addr, results, checkpoints, testenv.TopicName(t, "group"), indent(siteSQL), token)
	cfg, err := aggregator.ParseConfig([]byte(y), filepath.Join(dir, "central.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := aggregator.New(ctx, cfg, aggregator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := a.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})

	w := &kafka.Writer{Addr: kafka.TCP(addr), RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond,
		Balancer: &kafka.Hash{}, MaxAttempts: 20}
	defer w.Close()
	send := func(msgs ...kafka.Message) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer wcancel()
		if err := w.WriteMessages(wctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	aggs := fleettest.Aggregates()
	agents := []string{"gw-lyon-01", "gw-lyon-02", "gw-paris-01"}
	sites := map[string]string{"gw-lyon-01": "lyon", "gw-lyon-02": "lyon", "gw-paris-01": "paris"}
	// rows: one device-minute per agent for the last few minutes, at temp
	row := func(agent, device string, start int64, temp float64) kafka.Message {
		evs := []fleettest.Event{{Agent: agent, Site: sites[agent], Device: device, TS: start + 1000, Temp: temp},
			{Agent: agent, Site: sites[agent], Device: device, TS: start + 2000, Temp: temp + 0.5}}
		return kafka.Message{Topic: results, Key: []byte(agent),
			Value: fleettest.Row(aggs, agent, sites[agent], device, start, evs, 0, true)}
	}
	now := time.Now().UnixMilli()
	minute := now - now%fleettest.Minute
	var msgs []kafka.Message
	for _, ag := range agents {
		for i := int64(5); i >= 1; i-- {
			msgs = append(msgs, row(ag, ag+"-t1", minute-i*fleettest.Minute, 20+float64(i)))
		}
		b, err := wire.MarshalCheckpoint(&wire.Checkpoint{Agent: ag, AgentVersion: "test", Time: time.Now().UTC().Format(time.RFC3339Nano),
			ConfigVersion: 4, Watermarks: map[string]int64{"telemetry": now - 3000}, Dropped: map[string]int64{}})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafka.Message{Topic: checkpoints, Key: []byte(ag), Value: b})
	}
	send(msgs...)
	testenv.WaitFor(t, 60*time.Second, func() bool {
		list := getJSON[[]aggregator.Agent](t, api, token, "/v1/agents")
		return len(list) == len(agents)
	}, "the aggregator lists every agent")

	dashboard.RunBrowser(t, dashboard.BrowserTarget{
		URL: "http://" + api, Token: token, Agents: agents,
		Health:    map[string]string{"gw-lyon-01": "online", "gw-paris-01": "online"},
		AlertRule: "hot", View: "site_1m", AlertTimeout: 2 * time.Minute,
		Fire: func(t *testing.T) {
			// A second lyon gateway's device reports 200 °C this minute: the
			// site's average goes above 80.
			m := time.Now().UnixMilli()
			m -= m % fleettest.Minute
			send(row("gw-lyon-02", "gw-lyon-02-t9", m, 200))
		},
	}, "aggregator")

	// The acknowledgement is in the alert state the aggregator keeps.
	var acked bool
	for _, al := range getJSON[[]map[string]any](t, api, token, "/v1/alerts") {
		if al["rule"] == "hot" && al["acked_by"] == "browser-test" && al["silenced_by"] != "" {
			acked = true
		}
	}
	if !acked {
		t.Fatalf("GET /v1/alerts: no hot alert acknowledged by browser-test and silenced: %v", getJSON[[]map[string]any](t, api, token, "/v1/alerts"))
	}
}

func getJSON[T any](t *testing.T, addr, token, path string) T {
	t.Helper()
	var v T
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return v
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(s, "\n", "\n      ")
}
