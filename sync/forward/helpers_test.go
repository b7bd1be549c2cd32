package forward_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/forward"
	"github.com/eddy-iot/eddy/sync/wire"
	"github.com/eddy-iot/eddy/windows"
)

// storeOutbox adapts the real outbox (edge/store) to forward.Outbox the way
// the agent does: the forwarder's opaque id packs the priority into the top
// byte and the per-priority sequence into the rest.
type storeOutbox struct{ s *store.Store }

func packID(id store.EntryID) uint64 { return uint64(id.Priority)<<56 | id.Seq }

func unpackID(id uint64) store.EntryID {
	return store.EntryID{Priority: store.Priority(id >> 56), Seq: id & (1<<56 - 1)}
}

func (o storeOutbox) Peek(maxEntries, maxBytes int) ([]forward.Entry, error) {
	es, err := o.s.Peek(maxEntries, int64(maxBytes))
	if err != nil {
		return nil, err
	}
	out := make([]forward.Entry, len(es))
	for i, e := range es {
		out[i] = forward.Entry{ID: packID(e.ID), Data: e.Payload}
	}
	return out, nil
}

func (o storeOutbox) Ack(ids []uint64) error {
	eids := make([]store.EntryID, len(ids))
	for i, id := range ids {
		eids[i] = unpackID(id)
	}
	return o.s.Ack(eids...)
}

func openStore(t testing.TB, path string) *store.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "agent.db")
	}
	s, err := store.Open(store.Options{Path: path, LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func outboxDepth(t testing.TB, s *store.Store) uint64 {
	t.Helper()
	st, err := s.OutboxStats()
	if err != nil {
		t.Fatal(err)
	}
	return st.TotalDepth()
}

// The rows the tests forward: view temp_1m, GROUP BY site, device over
// 1-minute tumbling windows with count, avg, min, max and p95 of 60 readings,
// as the agent would emit them. Row i is device i%devices in window
// i/devices, so (agent, view, device, window_start) names i and the tests can
// check for gaps and duplicates.
const (
	devices    = 100
	viewName   = "temp_1m"
	baseWindow = int64(1795000000000) // 2026-11-19, a minute boundary
)

// rowMaker builds realistic result rows. The aggregate states are computed
// for a few dozen variants once, so filling a big outbox stays cheap.
type rowMaker struct {
	agent    string
	variants [][]wire.Agg
	r        wire.Result
	keys     [2]wire.Column
	buf      []byte
}

func newRowMaker(t testing.TB, agent string) *rowMaker {
	t.Helper()
	names := []string{"n", "avg_temp", "min_temp", "max_temp", "p95_temp"}
	aggs := make([]windows.Aggregate, len(names))
	for i, fn := range []string{"count", "avg", "min", "max", "approx_percentile"} {
		var args windows.AggArgs
		if fn == "approx_percentile" {
			args.Quantiles = []float64{0.95}
		}
		a, err := windows.NewAggregate(fn, args)
		if err != nil {
			t.Fatal(err)
		}
		aggs[i] = a
	}
	m := &rowMaker{agent: agent}
	for v := 0; v < 32; v++ {
		out := make([]wire.Agg, len(aggs))
		for i, a := range aggs {
			st := a.NewState()
			for s := 0; s < 60; s++ {
				st.Add(windows.Float(20+float64(v)/10+3*math.Sin(float64(s+v)/7)), 0)
			}
			// As the agent builds them: every aggregate with its mergeable
			// columns, the sketch with its state too.
			out[i], _ = wire.AggOf(names[i], a.Name(), st, nil)
		}
		m.variants = append(m.variants, out)
	}
	return m
}

// append appends row i as JSON.
func (m *rowMaker) append(dst []byte, i int) []byte {
	ws := baseWindow + int64(i/devices)*60000
	m.keys[0] = wire.Column{Name: "site", Value: windows.String(fmt.Sprintf("site-%d", i%devices/10))}
	m.keys[1] = wire.Column{Name: "device", Value: windows.String(fmt.Sprintf("dev-%04d", i%devices))}
	m.r = wire.Result{Agent: m.agent, View: viewName, Windowed: true, WindowStart: ws, WindowEnd: ws + 60000,
		Final: true, Keys: m.keys[:], Aggs: m.variants[i%len(m.variants)]}
	return wire.AppendJSON(dst, &m.r)
}

// fill commits rows [from, to) to s, perEntry rows per outbox entry (one
// snappy batch, as the agent encodes the results of one engine step) and
// entriesPerCommit entries per store transaction. It returns the payload
// bytes enqueued.
func (m *rowMaker) fill(t testing.TB, s *store.Store, from, to, perEntry, entriesPerCommit int) int64 {
	t.Helper()
	var enc wire.BatchEncoder
	b := s.NewBatch()
	var total int64
	flush := func() {
		if b.Len() == 0 {
			return
		}
		total += b.OutboxBytes()
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		b.Reset()
	}
	for i := from; i < to; {
		enc.Reset()
		for ; i < to && enc.Rows() < perEntry; i++ {
			m.buf = m.append(m.buf[:0], i)
			enc.Add(m.buf)
		}
		b.Enqueue(store.Routine, enc.Encode())
		if b.Len() >= entriesPerCommit {
			flush()
		}
	}
	flush()
	return total
}

// row is what the tests read back from a result message.
type row struct {
	Agent       string `json:"agent"`
	View        string `json:"view"`
	WindowStart string `json:"window_start"`
	WindowEnd   string `json:"window_end"`
	Revision    uint32 `json:"revision"`
	Site        string `json:"site"`
	Device      string `json:"device"`
}

// index returns the i the row was made from (see rowMaker).
func (r row) index(t testing.TB) int {
	t.Helper()
	ws, err := time.Parse("2006-01-02T15:04:05.000Z", r.WindowStart)
	var d int
	if err == nil {
		_, err = fmt.Sscanf(r.Device, "dev-%d", &d)
	}
	if err != nil {
		t.Fatalf("row %+v: %v", r, err)
	}
	return int((ws.UnixMilli()-baseWindow)/60000)*devices + d
}

func parseRow(t testing.TB, b []byte) row {
	t.Helper()
	var r row
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("result is not JSON: %v: %s", err, b)
	}
	return r
}

// readAll waits until the partitions of topic hold at least atLeast
// messages in all, then reads every partition from the beginning to its end
// with a kafka-go reader and returns the messages in partition, offset order.
// A reader that stalls fails the test through the timeout.
func readAll(t testing.TB, addr, topic string, atLeast int, timeout time.Duration) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var ends map[int]int64
	testenv.WaitFor(t, timeout, func() bool {
		var err error
		if ends, err = endOffsets(addr, topic); err != nil {
			return false
		}
		total := int64(0)
		for _, e := range ends {
			total += e
		}
		return total >= int64(atLeast)
	}, fmt.Sprintf("%d messages in %s", atLeast, topic))
	var msgs []kafka.Message
	for p := 0; p < len(ends); p++ {
		if ends[p] == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: p,
			MaxWait: 50 * time.Millisecond, MaxBytes: 8 << 20})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("read %s partition %d: %v (have %d of %d messages)", topic, p, err, len(msgs), atLeast)
			}
			msgs = append(msgs, m)
			if m.Offset+1 >= ends[p] {
				break
			}
		}
		r.Close()
	}
	return msgs
}

// endOffsets returns the end offset of each partition of topic (a fresh
// topic starts at 0, so it is the number of messages).
func endOffsets(addr, topic string) (map[int]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		return nil, fmt.Errorf("metadata of %s: %+v", topic, md.Topics)
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range md.Topics[0].Partitions {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p.ID))
	}
	res, err := c.ListOffsets(ctx, req)
	if err != nil {
		return nil, err
	}
	ends := map[int]int64{}
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			return nil, po.Error
		}
		ends[po.Partition] = po.LastOffset
	}
	return ends, nil
}

// checkExact upserts rows by their identity (agent, view, keys,
// window_start, revision) and checks that the result is exactly rows [0, n)
// of every agent, duplicates being byte-identical. It returns the number of
// duplicates.
func checkExact(t testing.TB, msgs []kafka.Message, agents []string, n int) int {
	t.Helper()
	seen := map[string]string{}
	dups := 0
	for _, m := range msgs {
		r := parseRow(t, m.Value)
		if string(m.Key) != r.Agent {
			t.Fatalf("message key %q, row agent %q", m.Key, r.Agent)
		}
		id := strings.Join([]string{r.Agent, r.View, r.Site, r.Device, r.WindowStart, fmt.Sprint(r.Revision)}, "|")
		if prev, ok := seen[id]; ok {
			if prev != string(m.Value) {
				t.Fatalf("two different rows with identity %s:\n%s\n%s", id, prev, m.Value)
			}
			dups++
			continue
		}
		seen[id] = string(m.Value)
	}
	missing := 0
	for _, a := range agents {
		have := make([]bool, n)
		for id, v := range seen {
			if strings.HasPrefix(id, a+"|") {
				i := parseRow(t, []byte(v)).index(t)
				if i < 0 || i >= n {
					t.Fatalf("row %d of agent %s is not one that was enqueued (n=%d)", i, a, n)
				}
				have[i] = true
			}
		}
		for i, ok := range have {
			if !ok {
				if missing++; missing <= 5 {
					t.Errorf("agent %s: row %d missing", a, i)
				}
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d rows missing", missing)
	}
	if len(seen) != len(agents)*n {
		t.Fatalf("%d distinct rows, want %d", len(seen), len(agents)*n)
	}
	return dups
}
