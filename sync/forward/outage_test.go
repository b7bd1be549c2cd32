package forward_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/forward"
	"github.com/eddy-iot/eddy/sync/wire"
)

// producer commits result batches to the outbox from its own goroutine, as
// the agent's batch loop does while the forwarder drains, until stopped.
type producer struct {
	n      atomic.Int64 // rows committed: [0, n)
	stop   chan struct{}
	done   chan error
	notify func()
	once   sync.Once
}

func startProducer(t *testing.T, s *store.Store, m *rowMaker, perEntry int, notify func()) *producer {
	p := &producer{stop: make(chan struct{}), done: make(chan error, 1), notify: notify}
	go func() {
		var enc wire.BatchEncoder
		var buf []byte
		b := s.NewBatch()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; {
			select {
			case <-p.stop:
				p.done <- nil
				return
			case <-tick.C:
			}
			enc.Reset()
			for range perEntry {
				buf = m.append(buf[:0], i+enc.Rows())
				enc.Add(buf)
			}
			b.Reset()
			b.Enqueue(store.Routine, enc.Encode())
			if err := s.Commit(b); err != nil {
				p.done <- err
				return
			}
			i += perEntry
			p.n.Store(int64(i))
			p.notify()
		}
	}()
	t.Cleanup(func() { p.finish(t) })
	return p
}

// finish stops the producer; p.n is then final.
func (p *producer) finish(t *testing.T) {
	p.once.Do(func() {
		close(p.stop)
		if err := <-p.done; err != nil {
			t.Errorf("producer: %v", err)
		}
	})
}

// liveReader follows a partition with one kafka-go reader for the whole
// test, across broker restarts (the reader stalls of segmentio/kafka-go #387
// and #955 would show here).
type liveReader struct {
	r    *kafka.Reader
	mu   sync.Mutex
	msgs []kafka.Message
	errs []string
}

func (l *liveReader) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.msgs) }

func startLiveReader(t *testing.T, addr, topic string) *liveReader {
	l := &liveReader{}
	ctx, cancel := context.WithCancel(context.Background())
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: 0,
		MaxWait: 50 * time.Millisecond, MaxBytes: 8 << 20})
	l.r = r
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := r.ReadMessage(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				// The partition reader reports some errors of the outage
				// (leader not available...) and goes on: keep reading.
				l.mu.Lock()
				l.errs = append(l.errs, err.Error())
				l.mu.Unlock()
				continue
			}
			l.mu.Lock()
			l.msgs = append(l.msgs, m)
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done; r.Close() })
	return l
}

// Kafka is stopped (cleanly, then by SIGKILL) while results keep being
// committed to the outbox, then started again: the forwarder recovers by
// itself, the outbox drains to empty, and after upserting by row identity the
// topic holds exactly every committed row, without a gap.
func TestOutageKafkaStoppedAndKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("private Kafka: not under -short")
	}
	t.Parallel()
	b := testenv.PrivateKafka(t)
	addr := b.Addr()
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, addr, topic, 1, false)
	s := openStore(t, "")
	m := newRowMaker(t, "gw-o")
	f, err := forward.New(forward.Config{AgentID: "gw-o", ResultsTopic: topic, MaxEntries: 16,
		Kafka:      kafkaconn.Options{Brokers: []string{addr}},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, WriteTimeout: 3 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-runDone })
	live := startLiveReader(t, addr, topic)
	p := startProducer(t, s, m, 20, f.Notify)

	forwarded := func() int64 { return f.Stats().Rows }
	testenv.WaitFor(t, time.Minute, func() bool { return forwarded() >= 1000 }, "1000 rows forwarded before the outage")
	for round, down := range []func(testing.TB){b.Stop, b.Kill} {
		failures := f.Stats().Failures
		down(t)
		atStop := p.n.Load()
		testenv.WaitFor(t, time.Minute, func() bool {
			return f.Stats().Failures > failures && p.n.Load() >= atStop+2000
		}, "forwarding fails and 2000 more rows are committed while Kafka is down")
		depth := outboxDepth(t, s)
		if depth == 0 {
			t.Fatalf("round %d: outbox empty while Kafka is down", round)
		}
		rows := forwarded()
		b.Start(t)
		testenv.WaitFor(t, 2*time.Minute, func() bool { return forwarded() > rows+int64(depth) }, "forwarding resumes after the restart")
		t.Logf("round %d: backlog of %d entries at restart; %d failed writes so far", round, depth, f.Stats().Failures)
	}
	p.finish(t)
	n := int(p.n.Load())
	testenv.WaitFor(t, 2*time.Minute, func() bool { return outboxDepth(t, s) == 0 }, "the outbox drains to empty")
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	msgs := readAll(t, addr, topic, n, 2*time.Minute)
	dups := checkExact(t, msgs, []string{"gw-o"}, n)
	t.Logf("%d rows committed, %d messages in Kafka (%d duplicates from writes retried after a failure)", n, len(msgs), dups)
	// Kafka-level snappy, end to end: the broker's log for the topic is far
	// smaller than the JSON it holds.
	logBytes := topicLogBytes(t, b.Dir(), topic)
	var jsonBytes int64
	for _, m := range msgs {
		jsonBytes += int64(len(m.Value))
	}
	t.Logf("broker log %d bytes for %d bytes of JSON rows: %.1fx", logBytes, jsonBytes, float64(jsonBytes)/float64(logBytes))
	if logBytes*3 > jsonBytes {
		t.Errorf("broker log %d bytes for %d bytes of JSON: not compressed", logBytes, jsonBytes)
	}
	deadline := time.Now().Add(time.Minute)
	for live.count() < len(msgs) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if c := live.count(); c < len(msgs) {
		st := live.r.Stats()
		t.Fatalf("a kafka-go reader reading through both restarts has %d of %d messages after a minute: stalled (kafka-go #387/#955); errors %q; stats %+v", c, len(msgs), live.errs, st)
	}
	live.mu.Lock()
	defer live.mu.Unlock()
	distinct := map[string]int{}
	for _, e := range live.errs {
		distinct[e]++
	}
	t.Logf("the live reader caught up; ReadMessage returned %d errors during the outages (and went on): %v", len(live.errs), distinct)
	for i, m := range live.msgs[:len(msgs)] {
		if m.Offset != msgs[i].Offset || string(m.Value) != string(msgs[i].Value) {
			t.Fatalf("live reader message %d: offset %d, want %d", i, m.Offset, msgs[i].Offset)
		}
	}
}

// topicLogBytes sums the segment files of topic in a broker's data
// directory (<dir>/data/<topic>-<partition>/*.log).
func topicLogBytes(t *testing.T, dir, topic string) int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "data", topic+"-*", "*.log"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no log segments of %s under %s: %v", topic, dir, err)
	}
	var total int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
	}
	return total
}
