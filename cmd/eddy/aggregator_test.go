package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eddy aggregator --check compiles the fleet views and the alert rules
// (a rules_file next to the config) and checks the notifiers; a rule over
// an unknown column is an error naming the rule file's line.
func TestAggregatorCheckAlerts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("fleet.sql", `CREATE SOURCE device_stats (agent VARCHAR, site VARCHAR, temp_avg DOUBLE, window_start TIMESTAMP)
  WITH (connector = 'eddy', view = 'telemetry_stats');
CREATE MATERIALIZED VIEW site_1m AS
SELECT site, avg(temp_avg) AS avg_temp FROM TUMBLE(device_stats, window_start, INTERVAL '1' MINUTE) GROUP BY site;
`)
	write("token", "s3cret\n")
	write("central.yaml", `data_dir: `+dir+`
kafka: {brokers: ["127.0.0.1:9092"]}
views: [{name: fleet, file: fleet.sql}]
alerts:
  rules_file: rules.yaml
  notifiers:
    ops: {type: webhook, url: "https://hooks.example.com/eddy", token_file: token}
    site: {type: mqtt, topic: "eddy/alerts/{rule}", mqtt: {brokers: ["tcp://127.0.0.1:1883"]}}
    bus: {type: kafka, topic: eddy.alerts}
`)
	write("rules.yaml", `rules:
  - name: hot
    view: site_1m
    group_by: [site]
    condition: avg_temp > 40
    notify: [ops, site, bus]
  - name: offline
    kind: agent_offline
    notify: [ops]
`)
	var out, errb bytes.Buffer
	cfg := filepath.Join(dir, "central.yaml")
	if code := run([]string{"aggregator", "--check", "--config", cfg}, &out, &errb); code != 0 {
		t.Fatalf("--check: %d %s", code, errb.String())
	}
	if strings.Contains(out.String()+errb.String(), "s3cret") {
		t.Fatal("the token file's secret was printed")
	}
	write("rules.yaml", "rules:\n  - name: hot\n    view: site_1m\n    condition: avg_tmp > 40\n")
	out.Reset()
	errb.Reset()
	if code := run([]string{"aggregator", "--check", "--config", cfg}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "rules.yaml:4:") {
		t.Fatalf("bad rule: %d %q, want exit 2 naming rules.yaml:4", code, errb.String())
	}
}
