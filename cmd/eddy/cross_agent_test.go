package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestCrossAgentsRunPipeline runs the armv7 and arm64 binaries of `make
// cross` under qemu as edge agents (`eddy agent --config`) against the test
// Mosquitto and Kafka, publishes a known stream, and checks their
// per-device counts twice: over the agent's HTTP API, and in the results
// the agent forwarded through its outbox to Kafka (upserted by key and
// revision, as a consumer would). It also reports the stripped binary
// sizes (target ≤ 15 MB for arm64).
func TestCrossAgentsRunPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ARM binaries under qemu: not under -short")
	}
	broker := testenv.MQTT(t)
	kafkaAddr := testenv.Kafka(t)
	ci := testenv.CI()
	for _, tc := range []struct{ bin, qemu, cpu string }{
		{"eddy-linux-armv7", "qemu-arm-static", "cortex-a7"},
		{"eddy-linux-arm64", "qemu-aarch64-static", "cortex-a53"},
	} {
		t.Run(tc.bin, func(t *testing.T) {
			t.Parallel()
			bin, _ := filepath.Abs(filepath.Join("..", "..", "dist", tc.bin))
			fi, err := os.Stat(bin)
			q, qerr := exec.LookPath(tc.qemu)
			if err != nil || qerr != nil {
				if ci {
					t.Fatalf("%s or %s missing (CI=true: `make test` builds dist/ and installs qemu-user-static)", bin, tc.qemu)
				}
				t.Skipf("%s or %s missing: run `make cross`, apt-get install qemu-user-static", bin, tc.qemu)
			}
			t.Logf("%s: %.1f MB stripped", tc.bin, float64(fi.Size())/(1<<20))
			if tc.bin == "eddy-linux-arm64" && fi.Size() > 15<<20 {
				t.Errorf("%s is %d bytes, over the 15 MB target", tc.bin, fi.Size())
			}
			prefix := "eddy-test/" + testenv.TopicName(t, "arm")
			id := testenv.TopicName(t, "arm")
			results := "eddy.results." + id
			dir := t.TempDir()
			prog := fmt.Sprintf(`CREATE SOURCE s (dev VARCHAR, n BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts)
  WITH (connector = 'mqtt', topic = '%s/{dev}');
CREATE MATERIALIZED VIEW per_dev AS SELECT dev, count(*) AS c, sum(n) AS total FROM s GROUP BY dev;
`, prefix)
			if err := os.WriteFile(filepath.Join(dir, "p.sql"), []byte(prog), 0o644); err != nil {
				t.Fatal(err)
			}
			addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
			conf := fmt.Sprintf(`id: %s
data_dir: %s
mqtt:
  brokers: [%s]
pipelines:
  - name: p
    file: p.sql
sync:
  enabled: true
  kafka:
    brokers: [%s]
  results_topic: %s
  checkpoints_topic: %s.checkpoints
  checkpoint_every: 1s
http:
  addr: %s
log:
  level: warn
`, id, filepath.Join(dir, "data"), broker, kafkaAddr, results, results, addr)
			confFile := filepath.Join(dir, "agent.yaml")
			if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			logf, err := os.Create(filepath.Join(dir, "log"))
			if err != nil {
				t.Fatal(err)
			}
			defer logf.Close()
			ctx, cancel := context.WithCancel(context.Background())
			cmd := exec.CommandContext(ctx, q, "-cpu", tc.cpu, bin, "agent", "--config", confFile)
			cmd.Stdout, cmd.Stderr = logf, logf
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cancel()
				_ = cmd.Wait()
				if t.Failed() {
					b, _ := os.ReadFile(logf.Name())
					t.Logf("log:\n%s", b)
				}
			}()
			get := func(path string, v any) error {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 {
					return fmt.Errorf("%s", resp.Status)
				}
				return json.Unmarshal(b, v)
			}
			testenv.WaitFor(t, 90*time.Second, func() bool {
				var st struct {
					MQTT struct{ Subscribed int64 } `json:"mqtt"`
				}
				return get("/v1/status", &st) == nil && st.MQTT.Subscribed > 0
			}, tc.bin+" under qemu subscribed")

			pub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(t, "pub")))
			if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publisher: %v", tok.Error())
			}
			defer pub.Disconnect(100)
			want := map[string][2]int64{}
			now := time.Now().UnixMilli()
			for i := range 300 {
				dev := fmt.Sprintf("d%d", i%7)
				w := want[dev]
				want[dev] = [2]int64{w[0] + 1, w[1] + int64(i)}
				tok := pub.Publish(prefix+"/"+dev, 1, false, fmt.Sprintf(`{"n":%d,"ts":%d}`, i, now+int64(i)))
				if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
					t.Fatalf("publish: %v", tok.Error())
				}
			}
			testenv.WaitFor(t, 60*time.Second, func() bool {
				var rows []struct {
					Dev      string `json:"dev"`
					C, Total int64
				}
				if get("/v1/views/per_dev", &rows) != nil || len(rows) != len(want) {
					return false
				}
				for _, r := range rows {
					if w := want[r.Dev]; w != [2]int64{r.C, r.Total} {
						return false
					}
				}
				return true
			}, tc.bin+": exact per-device counts over HTTP")

			// The same counts in Kafka: the latest revision per device.
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{kafkaAddr}, Topic: results, Partition: 0,
				MaxWait: 200 * time.Millisecond})
			defer r.Close()
			latest := map[string]struct{ rev, c, total int64 }{}
			messages := 0
			testenv.WaitFor(t, 90*time.Second, func() bool {
				rctx, rcancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer rcancel()
				for {
					m, err := r.ReadMessage(rctx)
					if err != nil {
						break
					}
					messages++
					var row struct {
						Agent, View, Dev   string
						Revision, C, Total int64
					}
					if err := json.Unmarshal(m.Value, &row); err != nil {
						t.Fatalf("result in Kafka is not the JSON row: %v: %s", err, m.Value)
					}
					if row.Agent != id || row.View != "per_dev" || string(m.Key) != id {
						t.Fatalf("result keyed %q for agent %q view %q, want agent %q view per_dev", m.Key, row.Agent, row.View, id)
					}
					if l, ok := latest[row.Dev]; !ok || row.Revision >= l.rev {
						latest[row.Dev] = struct{ rev, c, total int64 }{row.Revision, row.C, row.Total}
					}
				}
				if len(latest) != len(want) {
					return false
				}
				for dev, l := range latest {
					if want[dev] != [2]int64{l.c, l.total} {
						return false
					}
				}
				return true
			}, tc.bin+": exact per-device counts in Kafka")
			t.Logf("%s under qemu: %d devices exact over HTTP and in Kafka (%d result messages)", tc.bin, len(want), messages)
		})
	}
}
