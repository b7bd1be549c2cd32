package agent_test

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/simulate"
)

// quotaRun is one agent with a 64 KiB outbox whose Kafka is down while a
// fleet publishes through the real Mosquitto, then comes back.
type quotaRun struct {
	rt      *agent.Runtime
	want    map[simulate.WindowKey]simulate.Agg
	got     map[simulate.WindowKey]simulate.Agg // after upsert, once drained
	rows    int                                 // result messages read from Kafka
	outbox  store.OutboxStats                   // when the fleet was done, before Kafka came back
	stalled bool                                // the agent had stopped taking input at that point
}

const quotaBytes = 64 << 10

// runQuota publishes 100 devices × 120 readings (1200 results of 10 s
// windows, several times the quota once compressed) with Kafka stopped,
// waits until policy has acted, starts Kafka, and reads the whole results
// topic once the outbox is empty.
func runQuota(t *testing.T, policy store.Policy) quotaRun {
	k := testenv.PrivateKafka(t)
	k.Stop(t)
	broker := testenv.MQTT(t)
	prefix := testenv.TopicName(t, "quota")
	cfg := simulate.Config{Devices: 100, Seed: 4, Readings: 120, Interval: 1000, Disorder: 2000,
		TopicPrefix: prefix, Start: time.Now().Add(-10 * time.Minute).UnixMilli()}
	const window = 10_000
	prog := strings.Replace(simulate.SQL(cfg, window), "CREATE MATERIALIZED VIEW "+simulate.ViewName+" AS",
		"CREATE MATERIALIZED VIEW "+simulate.ViewName+" WITH (idle_timeout = '1s') AS", 1)
	results := "eddy.results." + prefix
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rt, err := agent.Start(ctx, agent.Settings{ID: "gw-quota", DataDir: t.TempDir(), TableWindows: 1000,
		Programs: []agent.Program{{Name: "fleet.sql", SQL: prog}},
		MQTT:     mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent")},
		Store:    store.Options{Outbox: store.OutboxOptions{QuotaBytes: quotaBytes, Policy: policy}},
		Sync: &agent.SyncConfig{Enabled: true, Kafka: kafkaconn.Options{Brokers: []string{k.Addr()}},
			ResultsTopic: results, CheckpointsTopic: results + ".checkpoints", CheckpointEvery: time.Second},
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; rt.Close() })
	testenv.WaitFor(t, 20*time.Second, rt.MQTTConnected, "agent subscribed")

	pub, err := simulate.DialMQTT(ctx, mqttconn.Options{Brokers: []string{broker}}, 200, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	st, err := simulate.Publish(ctx, pub, simulate.New(cfg), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	run := quotaRun{rt: rt, want: simulate.Expect(cfg, window)}
	if policy == store.DropOldest {
		// Every result is computed; the oldest no longer fit.
		testenv.WaitFor(t, 60*time.Second, func() bool {
			ob, err := rt.Store.OutboxStats()
			return err == nil && rt.Pipeline.Status().Results == uint64(len(run.want)) && ob.DroppedOldest > 0
		}, "every result computed and the oldest entries dropped")
	} else {
		// The outbox is full and the agent holds its input back: commits
		// fail with the outbox full while messages wait in the broker.
		testenv.WaitFor(t, 60*time.Second, func() bool {
			s := rt.Pipeline.Status()
			return s.CommitErrors > 0 && s.Messages < uint64(st.Total())
		}, "the agent stalled on the full outbox")
		run.stalled = true
	}
	if run.outbox, err = rt.Store.OutboxStats(); err != nil {
		t.Fatal(err)
	}
	if run.outbox.TotalBytes() > quotaBytes {
		t.Fatalf("outbox holds %d bytes, over the %d byte quota", run.outbox.TotalBytes(), quotaBytes)
	}
	k.Start(t)

	testenv.WaitFor(t, 120*time.Second, func() bool {
		ob, err := rt.Store.OutboxStats()
		return err == nil && ob.TotalDepth() == 0 && rt.Pipeline.Status().Results == uint64(len(run.want))
	}, "every result computed and the outbox drained")
	// Everything acknowledged by Kafka is below its last offset.
	conn, err := kafka.DialLeader(ctx, "tcp", k.Addr(), results, 0)
	if err != nil {
		t.Fatal(err)
	}
	last, err := conn.ReadLastOffset()
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	u := &resultsUpsert{rows: map[string]map[string]any{}, revs: map[string]float64{}}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{k.Addr()}, Topic: results, Partition: 0, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	for off := int64(0); off < last; {
		rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
		m, err := r.ReadMessage(rctx)
		rcancel()
		if err != nil {
			t.Fatalf("reading %s at offset %d of %d: %v", results, off, last, err)
		}
		u.add(t, m.Value)
		off = m.Offset + 1
	}
	run.got, run.rows = u.fleet(), u.messages
	return run
}

// TestOutboxQuotaDropOldest: with Kafka down and a 64 KiB outbox under
// drop_oldest, the agent keeps computing, drops whole entries from the
// oldest end and counts them; after the drain Kafka holds exactly the
// newest results, every one of them exact, and nothing older than a
// result it lost.
func TestOutboxQuotaDropOldest(t *testing.T) {
	if testing.Short() {
		t.Skip("needs brokers")
	}
	run := runQuota(t, store.DropOldest)
	ob := run.outbox
	if ob.DroppedOldest == 0 || ob.DroppedOldestBytes == 0 {
		t.Fatalf("nothing counted as dropped: %+v", ob)
	}
	var missing []simulate.WindowKey
	newestMissing, oldestKept := map[string]int64{}, map[string]int64{} // per device
	for k, w := range run.want {
		g, ok := run.got[k]
		if !ok {
			missing = append(missing, k)
			if s, ok := newestMissing[k.Device]; !ok || k.WindowStart > s {
				newestMissing[k.Device] = k.WindowStart
			}
			continue
		}
		if s, ok := oldestKept[k.Device]; !ok || k.WindowStart < s {
			oldestKept[k.Device] = k.WindowStart
		}
		if g.Count != w.Count || math.Abs(g.Sum-w.Sum) > 1e-9 || g.Min != w.Min || g.Max != w.Max {
			t.Fatalf("%v: got %+v, want %+v", k, g, w)
		}
	}
	if len(run.got) > len(run.want) {
		t.Fatalf("%d results in Kafka, only %d computed", len(run.got), len(run.want))
	}
	if len(missing) == 0 || len(run.got) == 0 {
		t.Fatalf("%d results missing, %d kept: the quota should have dropped some and kept some", len(missing), len(run.got))
	}
	// A key's windows close in event-time order (its watermark only moves
	// forward), so the oldest entries hold each device's oldest windows: no
	// kept window of a device starts before a dropped one of that device.
	// Across devices there is no such order: windows close per key, and a
	// device whose watermark lags closes its window after another's newer
	// one.
	for dev, dropped := range newestMissing {
		if kept, ok := oldestKept[dev]; ok && dropped > kept {
			t.Fatalf("%s: its result of window %d was dropped while the one of its older window %d was kept",
				dev, dropped, kept)
		}
	}
	t.Logf("%d entries (%d bytes) dropped, counted; %d of %d results dropped, the %d newest in Kafka exact",
		ob.DroppedOldest, ob.DroppedOldestBytes, len(missing), len(run.want), len(run.got))
}

// TestOutboxQuotaBackpressure: with Kafka down and a 64 KiB outbox under
// backpressure, the agent stops taking input when the outbox is full (the
// messages wait in Mosquitto, unacknowledged), drops nothing, and after
// Kafka comes back every result is in Kafka, exact after upsert.
func TestOutboxQuotaBackpressure(t *testing.T) {
	if testing.Short() {
		t.Skip("needs brokers")
	}
	run := runQuota(t, store.Backpressure)
	if !run.stalled {
		t.Fatal("the agent never held its input back")
	}
	if why := equalFleet(run.got, run.want); why != "" {
		t.Fatalf("after the drain: %s; status %+v", why, run.rt.Pipeline.Status())
	}
	ob, err := run.rt.Store.OutboxStats()
	if err != nil {
		t.Fatal(err)
	}
	if ob.DroppedOldest != 0 || ob.ExpiredTTL != 0 {
		t.Fatalf("backpressure dropped entries: %+v", ob)
	}
	t.Logf("outbox held %d bytes in %d entries at the stall; all %d results exact in Kafka (%d messages)",
		run.outbox.TotalBytes(), run.outbox.TotalDepth(), len(run.want), run.rows)
}
