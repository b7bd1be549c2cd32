package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/simulate"
	"github.com/eddy-iot/eddy/sinks"
	"github.com/eddy-iot/eddy/sinks/print"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/wire"
)

// fleetSQL is simulate's program with exact dedupe by device sequence
// numbers and an idle timeout, so that every window closes at the end.
func fleetSQL(cfg simulate.Config, window int64) string {
	s := simulate.SQL(cfg, window)
	s = strings.Replace(s, "CREATE MATERIALIZED VIEW "+simulate.ViewName+" AS",
		"CREATE MATERIALIZED VIEW "+simulate.ViewName+" WITH (idle_timeout = '10s') AS", 1)
	return s
}

type clock struct{ ms int64 }

func (c *clock) now() int64 { return c.ms }

type harness struct {
	t    *testing.T
	path string
	src  string
	clk  *clock
	out  *bytes.Buffer
	st   *store.Store
	p    *Pipeline
}

func newHarness(t *testing.T, src string, start int64) *harness {
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "eddy.db"), src: src, clk: &clock{start}, out: &bytes.Buffer{}}
	h.open()
	return h
}

func (h *harness) open() {
	h.t.Helper()
	st, err := store.Open(store.Options{Path: h.path})
	if err != nil {
		h.t.Fatal(err)
	}
	cat := sql.NewCatalog()
	if errs := cat.Exec("test.sql", h.src); len(errs) > 0 {
		h.t.Fatal(errs)
	}
	ded := map[string]Dedupe{}
	for _, s := range cat.Sources() {
		if s.Options["sequence.column"] != "" {
			ded[s.Name] = Dedupe{Device: s.Options["device.column"], Sequence: s.Options["sequence.column"]}
		}
	}
	p, err := New(cat, Options{AgentID: "a1", Store: st, Now: h.clk.now, Dedupe: ded, Outbox: true,
		TableWindows: 1000,
		OpenSink:     func(b *sql.BoundSink) (sinks.Sink, error) { return print.New(h.out, b.Name), nil }})
	if err != nil {
		h.t.Fatal(err)
	}
	h.st, h.p = st, p
}

// restart closes the store without any further commit, as a crash after
// the last commit would, and opens everything again.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.st.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

func (h *harness) step(msgs []ingest.Message) {
	h.t.Helper()
	if err := h.p.step(context.Background(), msgs); err != nil {
		h.t.Fatal(err)
	}
}

// rows returns a view's table as decoded JSON objects.
func (h *harness) rows(view string) []map[string]any {
	h.t.Helper()
	b, err := h.p.Rows(view)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("%v: %s", err, b)
	}
	return out
}

// sinkRows returns the rows committed to a sink's queue, as decoded JSON
// objects: what the sink's worker writes.
func (h *harness) sinkRows(sink string) []map[string]any {
	h.t.Helper()
	var out []map[string]any
	var scratch []byte
	err := h.st.LoadPipeline("sink:"+sink, func(k, v []byte) error {
		var err error
		scratch, err = wire.DecodeBatch(v, scratch[:0], func(row []byte) error {
			var m map[string]any
			if err := json.Unmarshal(row, &m); err != nil {
				return fmt.Errorf("%v: %s", err, row)
			}
			out = append(out, m)
			return nil
		})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func message(m simulate.Message, now int64, dup bool, id uint16) ingest.Message {
	return ingest.Message{Topic: m.Topic, Payload: m.Payload, QoS: 1, Dup: dup, ID: id, Received: now, Partition: -1}
}

// checkFleet compares the view's rows with simulate.Expect.
func checkFleet(t *testing.T, h *harness, cfg simulate.Config, window int64) {
	t.Helper()
	want := simulate.Expect(cfg, window)
	got := map[simulate.WindowKey]simulate.Agg{}
	for _, r := range h.rows(simulate.ViewName) {
		ws, err := time.Parse(time.RFC3339Nano, r["window_start"].(string))
		if err != nil {
			t.Fatal(err)
		}
		k := simulate.WindowKey{Device: r["device"].(string), WindowStart: ws.UnixMilli()}
		got[k] = simulate.Agg{Count: int64(r["readings"].(float64)), Sum: r["temp_sum"].(float64),
			Min: r["temp_min"].(float64), Max: r["temp_max"].(float64)}
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok || g.Count != w.Count || math.Abs(g.Sum-w.Sum) > 1e-9 || g.Min != w.Min || g.Max != w.Max {
			if bad < 5 {
				t.Errorf("%v: got %+v (present %v), want %+v", k, g, ok, w)
			}
			bad++
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected window %v", k)
		}
	}
	if bad > 0 || len(got) != len(want) {
		t.Fatalf("%d of %d windows wrong; %d rows", bad, len(want), len(got))
	}
}

func TestFleetExactWithDuplicatesMalformedAndRestarts(t *testing.T) {
	cfg := simulate.Config{Devices: 50, Seed: 7, Readings: 40, Interval: 1000, Disorder: 3000,
		DupRate: 0.02, MalformedRate: 0.01, Start: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).UnixMilli()}
	const window = 10_000
	h := newHarness(t, fleetSQL(cfg, window), cfg.Start)
	g := simulate.New(cfg)
	var batch []ingest.Message
	var committed []ingest.Message // for broker-style redeliveries
	malformed := map[string]int{}
	n := 0
	for {
		m, ok := g.Next()
		if !ok {
			break
		}
		if m.Kind == simulate.Malformed {
			malformed[m.Reason]++
		}
		if m.Time > h.clk.ms {
			h.clk.ms = m.Time
		}
		n++
		batch = append(batch, message(m, h.clk.ms, false, uint16(n)))
		if len(batch) == 97 {
			committed = append(committed[:0], batch...)
			h.step(batch)
			batch = nil
			switch {
			case n%1000 < 97:
				// A crash after a commit, and the broker redelivering
				// the last batch (acks lost) with DUP set.
				h.restart()
				for i := range committed {
					committed[i].Dup = true
				}
				h.step(committed)
			}
		}
	}
	h.step(batch)
	h.clk.ms += 30_000 // every device idle: all windows close
	h.step(nil)
	t.Logf("status %+v", h.p.Status())
	checkFleet(t, h, cfg, window)

	dl, err := h.st.DeadLetterStats()
	if err != nil {
		t.Fatal(err)
	}
	for reason, c := range malformed {
		if dl.ByReason[reason] != uint64(c) {
			t.Errorf("dead letters %s: %d, want %d (all: %v)", reason, dl.ByReason[reason], c, dl.ByReason)
		}
	}
	st := h.p.Status()
	if st.Redelivered == 0 {
		t.Errorf("no redelivery dropped by the fingerprint ring: %+v", st)
	}
	dups, err := h.st.Counter("duplicates." + simulate.SourceName)
	if err != nil {
		t.Fatal(err)
	}
	if dups == 0 {
		t.Errorf("no duplicate dropped by sequence numbers (persisted counter): %+v", st)
	}
	ob, err := h.st.OutboxStats()
	if err != nil {
		t.Fatal(err)
	}
	if ob.TotalDepth() == 0 {
		t.Error("nothing reached the outbox")
	}
	fmt.Fprintf(testWriter{t}, "%d messages, %d windows, status %+v\n", n, len(simulate.Expect(cfg, window)), st)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
