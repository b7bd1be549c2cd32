package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// The jobs of our users' journey, as they write them: only the bootstrap
// address is changed to the test broker's.
var journeyJobs = []struct {
	name, sql, view string
}{
	{"hand-written consumer, in Eddy SQL", `
CREATE SOURCE orders (merchant_id VARCHAR NOT NULL, amount DOUBLE)
  WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.servers = 'localhost:9092');
CREATE MATERIALIZED VIEW orders_per_merchant AS
  SELECT merchant_id, count(*) AS orders FROM orders GROUP BY merchant_id;
`, "orders_per_merchant"},
	{"Flink", `
CREATE TABLE orders (merchant_id STRING) WITH ('connector' = 'kafka', 'topic' = 'orders',
  'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
CREATE TABLE order_summary WITH ('connector'='print') AS SELECT merchant_id, COUNT(*) FROM orders GROUP BY merchant_id;
`, "order_summary"},
	{"RisingWave", `
CREATE SOURCE orders (merchant_id VARCHAR) WITH (connector = 'kafka', topic = 'orders',
properties.bootstrap.servers = 'localhost:9092', format = 'json');
CREATE MATERIALIZED VIEW order_summary AS SELECT merchant_id, COUNT(*) AS order_count FROM orders GROUP BY
merchant_id;
`, "order_summary"},
}

// TestRunJourneyJobsExactThroughKills runs the three jobs with `eddy run`
// over one known stream of orders on a private Kafka, SIGKILLs each at
// random moments while the orders are produced (each time once the job
// serves its API again, so that kills land in processing, not only in
// startup), restarts it, and checks the per-merchant counts served at
// /v1/views/{name}: none lost, none twice. The Flink job's print sink is
// checked too: its last line per merchant is the exact count.
func TestRunJourneyJobsExactThroughKills(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Kafka")
	}
	k := testenv.PrivateKafka(t)
	bin := buildEddy(t)
	testenv.CreateTopic(t, k.Addr(), "orders", 3, false)

	var procs []*agentProc
	for i, job := range journeyJobs {
		dir := t.TempDir()
		src := strings.ReplaceAll(job.sql, "localhost:9092", k.Addr())
		file := filepath.Join(dir, "job.sql")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, "run.log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { logf.Close() })
		outf, err := os.Create(filepath.Join(dir, "stdout"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { outf.Close() })
		p := &agentProc{t: t, bin: bin, log: logf, out: outf, http: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))}
		p.args = []string{"run", "--data-dir", filepath.Join(dir, "data"), "--http", p.http, "--id", fmt.Sprintf("job%d", i), file}
		p.start()
		procs = append(procs, p)
		t.Cleanup(func() {
			p.kill()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s log:\n%s", job.name, b)
			}
		})
	}

	w := &kafka.Writer{Addr: kafka.TCP(k.Addr()), Topic: "orders", RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, BatchSize: 500, Balancer: &kafka.Hash{}}
	defer w.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[string]int64{}
	const total, chunk = 30000, 1000
	kills := 0
	for sent := 0; sent < total; sent += chunk {
		msgs := make([]kafka.Message, chunk)
		for i := range msgs {
			m := fmt.Sprintf("m%03d", rng.IntN(200))
			want[m]++
			msgs[i] = kafka.Message{Key: []byte(m), Value: fmt.Appendf(nil, `{"merchant_id":%q,"amount":%d.5,"order_id":%d}`, m, rng.IntN(100), sent+i)}
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			t.Fatal(err)
		}
		// Kill one job at a random moment of each chunk, once it runs.
		p := procs[rng.IntN(len(procs))]
		testenv.WaitForReason(t, 30*time.Second, func() (bool, string) {
			var v any
			if err := p.get("/v1/status", &v); err != nil {
				return false, err.Error()
			}
			return true, ""
		}, "the job serves /v1/status after its restart")
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond) // a random moment, not a wait for a result
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
		kills++
		p.start()
	}
	t.Logf("%d orders, %d merchants, %d kills", total, len(want), kills)

	for i, job := range journeyJobs {
		p := procs[i]
		testenv.WaitForReason(t, 90*time.Second, func() (bool, string) {
			var rows []map[string]any
			if err := p.get("/v1/views/"+job.view, &rows); err != nil {
				return false, err.Error()
			}
			return sameCounts(rows, want)
		}, job.name+": exact per-merchant counts")
		if job.name != "Flink" {
			continue
		}
		// The print sink writes "order_summary> {row}" lines to stdout, at
		// least once: after a kill, rows written but not yet marked done
		// are written again, in order, so the last line of a merchant holds
		// its final count.
		testenv.WaitForReason(t, 30*time.Second, func() (bool, string) {
			b, err := os.ReadFile(p.out.Name())
			if err != nil {
				return false, err.Error()
			}
			last := map[string]map[string]any{}
			for _, line := range strings.Split(string(b), "\n") {
				row, ok := strings.CutPrefix(line, job.view+"> ")
				if !ok {
					continue
				}
				var r map[string]any
				if err := json.Unmarshal([]byte(row), &r); err != nil {
					return false, fmt.Sprintf("print line %q: %v", line, err)
				}
				last[fmt.Sprint(r["merchant_id"])] = r
			}
			rows := make([]map[string]any, 0, len(last))
			for _, r := range last {
				rows = append(rows, r)
			}
			ok, why := sameCounts(rows, want)
			return ok, "print sink: " + why
		}, "Flink: the print sink's last line per merchant is exact")
	}
}

// sameCounts compares rows {merchant_id, <count column>} with want.
func sameCounts(rows []map[string]any, want map[string]int64) (bool, string) {
	got := map[string]int64{}
	for _, r := range rows {
		m := fmt.Sprint(r["merchant_id"])
		for k, v := range r {
			if f, ok := v.(float64); ok && k != "merchant_id" && k != "revision" {
				got[m] = int64(f)
			}
		}
	}
	if len(got) != len(want) {
		return false, fmt.Sprintf("%d merchants, want %d", len(got), len(want))
	}
	for m, n := range want {
		if got[m] != n {
			return false, fmt.Sprintf("%s: %d, want %d", m, got[m], n)
		}
	}
	return true, ""
}
