package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/sync/wire"
)

type memOutbox struct {
	entries []Entry
	acked   []uint64
}

func (m *memOutbox) Peek(n, maxBytes int) ([]Entry, error) {
	var out []Entry
	size := 0
	for _, e := range m.entries {
		if len(out) == n || (len(out) > 0 && size+len(e.Data) > maxBytes) {
			break
		}
		out = append(out, e)
		size += len(e.Data)
	}
	return out, nil
}

func (m *memOutbox) Ack(ids []uint64) error {
	m.acked = append(m.acked, ids...)
	m.entries = slices.DeleteFunc(m.entries, func(e Entry) bool { return slices.Contains(ids, e.ID) })
	return nil
}

type fakeProducer struct {
	fail    *int // fail this many writes
	written *[]kafka.Message
	closed  *int
}

func (p fakeProducer) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	if *p.fail > 0 {
		*p.fail--
		return errors.New("broker down")
	}
	*p.written = append(*p.written, msgs...)
	return nil
}
func (p fakeProducer) Close() error { *p.closed++; return nil }

func entry(id uint64, rows ...string) Entry {
	var e wire.BatchEncoder
	for _, r := range rows {
		e.Add([]byte(r))
	}
	return Entry{ID: id, Data: append([]byte(nil), e.Encode()...)}
}

func TestAckOnlyAfterKafkaAcked(t *testing.T) {
	ob := &memOutbox{entries: []Entry{entry(1, `{"r":1}`, `{"r":2}`), entry(2, `{"r":3}`)}}
	fail, closed, made := 2, 0, 0
	var written []kafka.Message
	f, err := New(Config{AgentID: "gw-1", NewProducer: func() (Producer, error) {
		made++
		return fakeProducer{&fail, &written, &closed}, nil
	}}, ob)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := f.Step(ctx); err == nil {
			t.Fatal("step succeeded while the broker is down")
		}
		if len(ob.acked) != 0 {
			t.Fatalf("acked %v before Kafka acknowledged", ob.acked)
		}
	}
	if made != 2 || closed != 2 {
		t.Fatalf("writer not rebuilt after failures: made %d closed %d", made, closed)
	}
	n, err := f.Step(ctx)
	if err != nil || n != 3 {
		t.Fatalf("step = %d, %v", n, err)
	}
	if !slices.Equal(ob.acked, []uint64{1, 2}) {
		t.Fatalf("acked %v", ob.acked)
	}
	var got []string
	for _, m := range written {
		if m.Topic != "eddy.results" || string(m.Key) != "gw-1" {
			t.Fatalf("message %+v", m)
		}
		got = append(got, string(m.Value))
	}
	if fmt.Sprint(got) != `[{"r":1} {"r":2} {"r":3}]` {
		t.Fatalf("written in wrong order or content: %v", got)
	}
	if s := f.Stats(); s.Rows != 3 || s.Entries != 2 || s.LastForwarded != 2 || s.Failures != 2 || !s.Connected {
		t.Fatalf("stats %+v", s)
	}
}

func TestCheckpointAfterStep(t *testing.T) {
	ob := &memOutbox{entries: []Entry{entry(7, `{}`)}}
	fail, closed := 0, 0
	var written []kafka.Message
	f, _ := New(Config{AgentID: "gw", Checkpoint: func() *wire.Checkpoint { return &wire.Checkpoint{Agent: "gw"} },
		NewProducer: func() (Producer, error) { return fakeProducer{&fail, &written, &closed}, nil }}, ob)
	if _, err := f.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	last := written[len(written)-1]
	cp, err := wire.UnmarshalCheckpoint(last.Value)
	if last.Topic != "eddy.checkpoints" || err != nil || cp.LastForwarded != 7 {
		t.Fatalf("checkpoint %s %s %v", last.Topic, last.Value, err)
	}
	if f.Stats().LastCheckpoint.IsZero() {
		t.Fatal("Stats.LastCheckpoint not set after an acknowledged checkpoint")
	}
}

func TestTokenBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := tokenBucket{rate: 100, burst: 100, now: func() time.Time { return now }}
	if d := b.delay(100); d != 0 {
		t.Fatalf("full burst waits %v", d)
	}
	if d := b.delay(50); d != 500*time.Millisecond {
		t.Fatalf("50 rows over budget wait %v, want 500ms", d)
	}
	now = now.Add(1500 * time.Millisecond) // repays the 50-row debt and refills 100 (capped at burst)
	if d := b.delay(100); d != 0 {
		t.Fatalf("after refill waits %v", d)
	}
	unlimited := tokenBucket{}
	if d := unlimited.delay(1e9); d != 0 {
		t.Fatalf("unlimited waits %v", d)
	}
}

type errProducer struct{ err error }

func (p errProducer) WriteMessages(context.Context, ...kafka.Message) error { return p.err }
func (p errProducer) Close() error                                          { return nil }

// kafka.WriteErrors prints one error per message; the forwarder's error says
// each distinct one once, and still matches it with errors.Is.
func TestWriteErrorsSummarized(t *testing.T) {
	rows := make([]string, 5000)
	for i := range rows {
		rows[i] = `{"r":1}`
	}
	we := make(kafka.WriteErrors, len(rows))
	for i := range we {
		if i%2 == 0 {
			we[i] = kafka.NotLeaderForPartition
		} else {
			we[i] = kafka.RequestTimedOut
		}
	}
	we[7] = nil
	f, _ := New(Config{AgentID: "gw", NewProducer: func() (Producer, error) { return errProducer{we}, nil }},
		&memOutbox{entries: []Entry{entry(1, rows...)}})
	_, err := f.Step(context.Background())
	if err == nil || len(err.Error()) > 600 {
		t.Fatalf("error of %d bytes: %.600v", len(err.Error()), err)
	}
	if !errors.Is(err, kafka.NotLeaderForPartition) || !errors.Is(err, kafka.RequestTimedOut) {
		t.Fatalf("error does not match its causes: %v", err)
	}
	if want := "4999 of 5000 messages failed: 2500x"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

// A corrupt entry is acknowledged and counted, and none of its rows is sent.
func TestCorruptEntryDroppedWhole(t *testing.T) {
	bad := entry(2, `{"r":2}`, `{"r":3}`)
	bad.Data = bad.Data[:len(bad.Data)-1]
	ob := &memOutbox{entries: []Entry{entry(1, `{"r":1}`), bad, entry(3, `{"r":4}`)}}
	fail, closed := 0, 0
	var written []kafka.Message
	f, _ := New(Config{AgentID: "gw", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewProducer: func() (Producer, error) { return fakeProducer{&fail, &written, &closed}, nil }}, ob)
	if _, err := f.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range written {
		got = append(got, string(m.Value))
	}
	if fmt.Sprint(got) != `[{"r":1} {"r":4}]` || !slices.Equal(ob.acked, []uint64{1, 2, 3}) {
		t.Fatalf("sent %v, acked %v", got, ob.acked)
	}
	if s := f.Stats(); s.Corrupt != 1 || s.Rows != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// scriptedProducer is safe for Run's goroutine: onWrite decides each write's
// fate; accepted messages go to out.
type scriptedProducer struct {
	onWrite func(ctx context.Context, msgs []kafka.Message) error
	out     chan kafka.Message
}

func (p scriptedProducer) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	if err := p.onWrite(ctx, msgs); err != nil {
		return err
	}
	for _, m := range msgs {
		p.out <- m
	}
	return nil
}
func (p scriptedProducer) Close() error { return nil }

// nextCheckpoint returns the next checkpoint message that reached out.
func nextCheckpoint(t *testing.T, out <-chan kafka.Message) *wire.Checkpoint {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-out:
			if m.Topic != "eddy.checkpoints" {
				continue
			}
			cp, err := wire.UnmarshalCheckpoint(m.Value)
			if err != nil {
				t.Fatal(err)
			}
			return cp
		case <-timeout:
			t.Fatal("no checkpoint reached the producer")
			return nil
		}
	}
}

// A failed checkpoint is retried after a backoff, not a whole checkpoint
// period later.
func TestCheckpointRetriedAfterFailure(t *testing.T) {
	ob := &memOutbox{entries: []Entry{entry(7, `{}`)}}
	failures := 2 // only Run's goroutine touches it
	p := scriptedProducer{out: make(chan kafka.Message, 16), onWrite: func(_ context.Context, msgs []kafka.Message) error {
		if msgs[0].Topic == "eddy.checkpoints" && failures > 0 {
			failures--
			return errors.New("broker down")
		}
		return nil
	}}
	f, _ := New(Config{AgentID: "gw", CheckpointEvery: time.Hour, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Checkpoint:  func() *wire.Checkpoint { return &wire.Checkpoint{Agent: "gw"} },
		NewProducer: func() (Producer, error) { return p, nil }}, ob)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	if cp := nextCheckpoint(t, p.out); cp.LastForwarded != 7 {
		t.Fatalf("checkpoint last_forwarded_seq %d, want 7", cp.LastForwarded)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := f.Stats(); s.Failures != 2 || s.LastCheckpoint.IsZero() {
		t.Fatalf("stats %+v", s)
	}
}

// The checkpoint after the last step, cut off by the shutdown, is sent once
// more as Run stops; with the uplink down, Run stops without trying.
func TestCheckpointFlushedOnStop(t *testing.T) {
	ob := &memOutbox{entries: []Entry{entry(7, `{}`)}}
	started := make(chan struct{})
	cut := false // only Run's goroutine touches it
	p := scriptedProducer{out: make(chan kafka.Message, 16), onWrite: func(ctx context.Context, msgs []kafka.Message) error {
		if msgs[0].Topic == "eddy.checkpoints" && !cut {
			cut = true
			close(started)
			<-ctx.Done() // a slow write that the shutdown cuts off
			return ctx.Err()
		}
		return nil
	}}
	f, _ := New(Config{AgentID: "gw", CheckpointEvery: time.Hour,
		Checkpoint:  func() *wire.Checkpoint { return &wire.Checkpoint{Agent: "gw"} },
		NewProducer: func() (Producer, error) { return p, nil }}, ob)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if cp := nextCheckpoint(t, p.out); cp.LastForwarded != 7 {
		t.Fatalf("final checkpoint last_forwarded_seq %d, want 7", cp.LastForwarded)
	}

	// Uplink down: the pending checkpoint is not retried at shutdown.
	ob = &memOutbox{entries: []Entry{entry(8, `{}`)}}
	writes := make(chan string, 16)
	down := scriptedProducer{out: make(chan kafka.Message, 16), onWrite: func(_ context.Context, msgs []kafka.Message) error {
		writes <- msgs[0].Topic
		if msgs[0].Topic == "eddy.checkpoints" {
			return errors.New("broker down")
		}
		return nil
	}}
	f, _ = New(Config{AgentID: "gw", CheckpointEvery: time.Hour, MinBackoff: time.Hour,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Checkpoint:  func() *wire.Checkpoint { return &wire.Checkpoint{Agent: "gw"} },
		NewProducer: func() (Producer, error) { return down, nil }}, ob)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- f.Run(ctx) }()
	for topic := range writes {
		if topic == "eddy.checkpoints" {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(writes)
	for topic := range writes {
		t.Fatalf("Run wrote to %s at shutdown with the uplink down", topic)
	}
}
