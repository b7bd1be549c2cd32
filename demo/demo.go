// Package demo is the composition root behind `eddy demo`: the whole system
// on one laptop, on loopback only, with embedded defaults.
//
// # What runs
//
//   - an embedded MQTT broker (mochi-mqtt) and an embedded Kafka-compatible
//     broker for development (franz-go's kfake, in memory — production uses
//     a real Kafka cluster);
//   - a simulated fleet (package simulate) of two plants publishing
//     temperature readings at 1 Hz per device, with spikes;
//   - two edge agents, one per plant, each with a 10-second tumbling view
//     per device, forwarding results and checkpoints through their outbox;
//   - the central aggregator merging the plants into a per-site fleet view,
//     evaluating an alert rule on it, and serving the dashboard.
//
// Everything stops cleanly when the context ends (Ctrl-C). State lives in a
// temporary directory unless Options.Dir names one.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/aggregator"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/simulate"
)

// Options tune the demo.
type Options struct {
	// HTTPAddr is the dashboard's address; default 127.0.0.1:8080.
	HTTPAddr string
	// Dir holds the state files; default a new temporary directory,
	// removed at the end.
	Dir string
	// Devices per plant; default 40.
	Devices int
	Logger  *slog.Logger
	Stdout  io.Writer
	// Ready, if set, receives the dashboard URL once everything runs.
	Ready func(url string)
}

// plants are the demo's sites: each has its own agent.
var plants = []string{"plant-a", "plant-b"}

// edgeSQL is what each agent computes: per device, 10-second windows.
const edgeSQL = `
CREATE SOURCE telemetry (
  zone VARCHAR, device VARCHAR, seq BIGINT NOT NULL, ts TIMESTAMP(3), temp DOUBLE NOT NULL, humidity DOUBLE,
  site AS '%[1]s',
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (connector = 'mqtt', topic = '%[1]s/{zone}/{device}/telemetry', qos = '1',
  device.column = 'device', sequence.column = 'seq');

CREATE MATERIALIZED VIEW telemetry_stats WITH (idle_timeout = '30s') AS
  SELECT site, device, count(*) AS readings, avg(temp) AS temp_avg, min(temp) AS temp_min, max(temp) AS temp_max,
         approx_percentile(0.95) WITHIN GROUP (ORDER BY temp) AS temp_p95
  FROM TUMBLE(telemetry, ts, INTERVAL '10' SECOND)
  GROUP BY site, device;
`

// hotSpread is the site_hot rule's threshold: how far, in °C, the hottest
// device of a site's window reads above the site's average.
const hotSpread = 8.0

// fleetSQL is what the aggregator computes: per site, over every agent.
const fleetSQL = `
CREATE SOURCE device_stats (agent VARCHAR, site VARCHAR, device VARCHAR, readings BIGINT,
    temp_avg DOUBLE, temp_min DOUBLE, temp_max DOUBLE, temp_p95 DOUBLE, window_start TIMESTAMP)
  WITH (connector = 'eddy', view = 'telemetry_stats');

CREATE MATERIALIZED VIEW site_stats AS
  SELECT site, sum(readings) AS readings, avg(temp_avg) AS temp_avg, min(temp_min) AS temp_min,
         max(temp_max) AS temp_max, approx_percentile(0.95) WITHIN GROUP (ORDER BY temp_p95) AS temp_p95
  FROM TUMBLE(device_stats, window_start, INTERVAL '10' SECOND)
  GROUP BY site;
`

// Run starts everything, calls o.Ready with the dashboard URL, and runs
// until ctx ends.
func Run(ctx context.Context, o Options) (err error) {
	if o.HTTPAddr == "" {
		o.HTTPAddr = "127.0.0.1:8080"
	}
	if o.Devices <= 0 {
		o.Devices = 40
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	log := o.Logger
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "eddy-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.Dir = dir
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: every goroutine below ends with ctx

	mq, err := startMQTT(log)
	if err != nil {
		return err
	}
	defer mq.Close()
	kf, err := startKafka()
	if err != nil {
		return err
	}
	defer kf.Close()
	kafka := kafkaconn.Options{Brokers: []string{kf.addr}}

	cfg, err := aggregatorConfig(o, kf.addr)
	if err != nil {
		return err
	}
	agg, err := aggregator.New(ctx, cfg, aggregator.Options{Logger: log.With("component", "aggregator"), CreateTopics: 1})
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	defer agg.Close()
	addr, err := agg.Serve(ctx)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	errs := make(chan error, 8)
	wg.Add(1)
	go func() { defer wg.Done(); errs <- named("aggregator", agg.Run(ctx)) }()

	start := time.Now().UnixMilli()
	for i, plant := range plants {
		rt, err := agent.Start(ctx, agent.Settings{
			ID: "gw-" + plant, DataDir: filepath.Join(o.Dir, plant),
			Programs: []agent.Program{{Name: plant + ".sql", SQL: fmt.Sprintf(edgeSQL, plant)}},
			MQTT:     mqttconn.Options{Brokers: []string{mq.url}, ClientID: "eddy-gw-" + plant},
			Sync: &agent.SyncConfig{Enabled: true, Kafka: kafka, ResultsTopic: "eddy.results",
				CheckpointsTopic: "eddy.checkpoints", CheckpointEvery: 5 * time.Second},
			Logger: log.With("component", "agent", "agent", "gw-"+plant), Stdout: o.Stdout,
		})
		if err != nil {
			return fmt.Errorf("agent gw-%s: %w", plant, err)
		}
		defer rt.Close()
		wg.Add(1)
		go func() { defer wg.Done(); errs <- named("agent gw-"+plant, rt.Run(ctx)) }()

		gen := simulate.New(fleetConfig(i, o.Devices, start))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- named("fleet "+plant, publish(ctx, mq.url, plant, gen, float64(o.Devices), log))
		}()
	}

	url := "http://" + addr + "/"
	if o.Ready != nil {
		o.Ready(url)
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errs:
		if err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	}
}

// publish runs one plant's simulated devices in real time.
func publish(ctx context.Context, url, plant string, g *simulate.Generator, rate float64, log *slog.Logger) error {
	p, err := simulate.DialMQTT(ctx, mqttconn.Options{Brokers: []string{url}, ClientID: "eddy-demo-fleet-" + plant},
		100, 0, log.With("component", "fleet", "plant", plant))
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = simulate.Publish(ctx, p, g, 1, rate)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// fleetConfig is the simulated fleet of plant i, its first reading at start.
func fleetConfig(i, devices int, start int64) simulate.Config {
	return simulate.Config{Devices: devices, Seed: int64(i + 1), Start: start, Interval: 1000,
		Readings: 1 << 30, Disorder: 1000, DupRate: 0.01, MalformedRate: 0.002, TopicPrefix: plants[i], Sites: 1}
}

func named(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

func aggregatorConfig(o Options, kafkaAddr string) (*aggregator.Config, error) {
	y := fmt.Sprintf(`data_dir: %q
kafka:
  brokers: [%q]
  group_id: eddy-demo
views:
  - name: fleet
    sql: |
%s
heartbeat_timeout: 30s
alerts:
  rules:
    # A spike is 8-15 °C above the device's own reading; devices differ by
    # up to 10 °C and all follow the same daily cycle, so the spread of a
    # site's window (its hottest device against its average) does not
    # depend on the time of day. With 40 devices per plant at 1 Hz a spread
    # of 8 °C comes within a minute (TestSiteHotFiresAtEveryHour).
    - name: site_hot
      view: site_stats
      group_by: [site]
      condition: temp_max - temp_avg > %g
      value: temp_max
      severity: warning
      summary: a device read more than %g °C above its site's average
    - name: agent_offline
      kind: agent_offline
      view: agents
      group_by: [agent]
      severity: critical
http:
  addr: %q
`, filepath.Join(o.Dir, "aggregator"), kafkaAddr, indent(fleetSQL, "      "), hotSpread, hotSpread, o.HTTPAddr)
	return aggregator.ParseConfig([]byte(y), "demo aggregator config")
}

func indent(s, pre string) string {
	out := ""
	for _, line := range splitLines(s) {
		out += pre + line + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
