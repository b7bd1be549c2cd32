package aggregator

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/internal/fleettest"
	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestChildAggregator is the body of the child processes of
// TestTwoInstancesOneKilled: it runs an aggregator from the config in
// EDDY_AGG_CHILD until it is killed or gets SIGTERM.
func TestChildAggregator(t *testing.T) {
	path := os.Getenv("EDDY_AGG_CHILD")
	if path == "" {
		t.Skip("child process only")
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signalContext()
	defer stop()
	a, err := New(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	_ = a.Run(ctx)
	a.Close()
}

type child struct {
	cmd  *exec.Cmd
	api  string
	dir  string
	done chan struct{} // closed when the process has exited
}

func startChild(t *testing.T, addr, results, checkpoints, group string) *child {
	t.Helper()
	dir := t.TempDir()
	api := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cfg := testConfig(t, addr, results, checkpoints, group, dir, api)
	y := fmt.Sprintf("data_dir: %s\nkafka:\n  brokers: [%q]\n  results_topic: %s\n  checkpoints_topic: %s\n  group_id: %s\n  stall_timeout: 5s\nviews:\n  - name: fleet\n    sql: |\n%s\nretention: 87600h\nhttp:\n  addr: %q\n  token: secret\nstore:\n  batch_max_results: 300\n  batch_max_delay: 20ms\n",
		cfg.DataDir, addr, results, checkpoints, group, indent(fleettest.FleetSQL), api)
	path := filepath.Join(dir, "central.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildAggregator$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EDDY_AGG_CHILD="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, api: api, dir: dir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-c.done })
	testenv.WaitFor(t, 30*time.Second, func() bool { return c.status(t) != nil }, "child aggregator serves HTTP")
	return c
}

// status returns the child's counters, nil while it does not answer.
func (c *child) status(t *testing.T) map[string]int64 {
	var s Status
	if get2(c.api, "/v1/status", &s) != nil {
		return nil
	}
	return s.Counters
}

// Two instances in one group, one SIGKILLed mid-stream: the survivor takes
// its partitions over from the committed offsets. Every result is stored
// (none lost), each identity once with its highest revision (none doubled),
// and the fleet view over the union of the stores equals the direct
// computation.
func TestTwoInstancesOneKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocesses and the real Kafka")
	}
	addr := testenv.Kafka(t)
	results, checkpoints, group := topics(t, addr, 6)
	events := fleettest.Events(13, 12, 6, 60000, 3)
	msgs := fleettest.Rows(events, fleettest.Options{EarlyEvery: 6, ResendEvery: 17, StaleEvery: 3})
	a := startChild(t, addr, results, checkpoints, group)
	b := startChild(t, addr, results, checkpoints, group)

	cl := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 5 * time.Second}
	testenv.WaitFor(t, 60*time.Second, func() bool {
		res, err := cl.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err != nil || len(res.Groups) != 1 || res.Groups[0].GroupState != "Stable" || len(res.Groups[0].Members) != 2 {
			return false
		}
		for _, m := range res.Groups[0].Members {
			if len(m.MemberAssignments.Topics) == 0 {
				return false
			}
		}
		return true
	}, "both instances are members of the group with partitions")
	third := len(msgs) / 3
	produce(t, addr, results, msgs[:third])
	// Both instances consume (the group split the partitions) ...
	testenv.WaitFor(t, 60*time.Second, func() bool {
		sa, sb := a.status(t), b.status(t)
		return sa != nil && sb != nil && sa["rows"] > 0 && sb["rows"] > 0
	}, "both instances consume")
	// ... and one dies mid-stream, while more rows arrive.
	done := make(chan struct{})
	go func() { defer close(done); produce(t, addr, results, msgs[third:]) }()
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	<-done

	// Watch the group's lag without joining it: a member that holds
	// partitions and never commits would keep the lag from reaching 0.
	cons, err := newLagWatcher(testConfig(t, addr, results, checkpoints, group, t.TempDir(), "").Kafka)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.close()
	testenv.WaitFor(t, 2*time.Minute, func() bool {
		lag, err := cons.lag(context.Background())
		return err == nil && lag == 0
	}, "the survivor consumes and commits everything")
	res, err := cl.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil || len(res.Groups) != 1 || len(res.Groups[0].Members) != 1 {
		t.Fatalf("the group should have the survivor as its one member: %+v, %v", res, err)
	}
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-b.done

	// The union of the two stores: each identity once, at its highest
	// revision.
	want := latest(t, msgs)
	union := map[string]json.RawMessage{}
	revs := map[string]uint32{}
	perStore := []int{}
	for _, dir := range []string{a.dir, b.dir} {
		st, err := store.Open(storePath(dir), store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = st.View(func(tx *store.Tx) error {
			return tx.Results("telemetry_stats", math.MinInt64, math.MaxInt64, func(k []byte, rev uint32, row []byte) error {
				n++
				if old, ok := revs[string(k)]; !ok || rev > old {
					revs[string(k)] = rev
					union[string(k)] = append(json.RawMessage(nil), row...)
				}
				return nil
			})
		})
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		perStore = append(perStore, n)
	}
	t.Logf("results per store %v, union %d, produced identities %d, rows %d", perStore, len(union), len(want), len(msgs))
	if len(union) != len(want) {
		t.Fatalf("union holds %d identities, %d were produced", len(union), len(want))
	}
	for k, rev := range want {
		if revs[k] != rev {
			t.Fatalf("identity %q: stored revision %d, latest produced %d", k, revs[k], rev)
		}
	}
	// The fleet view over the union equals the direct computation.
	eng, err := fleet.New([]fleet.Program{{Name: "fleet", SQL: fleettest.FleetSQL}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "u.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rows []json.RawMessage
	err = st.Update(func(tx *store.Tx) error {
		bt := eng.Begin(tx, math.MinInt64)
		for _, row := range union {
			if err := bt.Add(row); err != nil {
				return err
			}
		}
		if _, err := bt.Finish(); err != nil {
			return err
		}
		_, err := eng.Rows(tx, "site_hourly", math.MinInt64, math.MaxInt64, func(r []byte) error {
			rows = append(rows, append(json.RawMessage(nil), r...))
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	compareRows(t, rows, fleettest.Direct(events))
}
