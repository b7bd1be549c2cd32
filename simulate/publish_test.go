package simulate

import (
	"context"
	"errors"
	"testing"
	"time"
)

// recorder is a Publisher that keeps what it was given.
type recorder struct {
	msgs     []string
	failAt   int // fail the failAt-th Publish (1-based); 0 never
	flushed  bool
	cancel   func() // called after cancelAt messages
	cancelAt int
}

func (r *recorder) Publish(topic string, qos byte, payload []byte) error {
	if len(r.msgs)+1 == r.failAt {
		return errors.New("broker said no")
	}
	r.msgs = append(r.msgs, topic+" "+string(payload))
	if r.cancel != nil && len(r.msgs) == r.cancelAt {
		r.cancel()
	}
	return nil
}

func (r *recorder) Flush() error { r.flushed = true; return nil }

func TestPublishSendsTheStream(t *testing.T) {
	var r recorder
	st, err := Publish(context.Background(), &r, New(testCfg), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := all(testCfg)
	if len(r.msgs) != len(want) || st.Total() != int64(len(want)) || !r.flushed {
		t.Fatalf("published %d, stats %+v, flushed %v; want %d", len(r.msgs), st, r.flushed, len(want))
	}
	var kinds [3]int64
	for i, m := range want {
		kinds[m.Kind]++
		if r.msgs[i] != m.Topic+" "+string(m.Payload) {
			t.Fatalf("message %d: %s, want %s %s", i, r.msgs[i], m.Topic, m.Payload)
		}
	}
	if st.Good != kinds[Good] || st.Duplicate != kinds[Duplicate] || st.Malformed != kinds[Malformed] {
		t.Fatalf("stats %+v, want %v", st, kinds)
	}
}

func TestPublishStopsAtFirstError(t *testing.T) {
	r := recorder{failAt: 10}
	st, err := Publish(context.Background(), &r, New(testCfg), 1, 0)
	if !errors.Is(err, ErrPublish) || st.Total() != 9 || !r.flushed {
		t.Fatalf("err %v, stats %+v, flushed %v", err, st, r.flushed)
	}
}

func TestPublishStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := recorder{cancel: cancel, cancelAt: 25}
	st, err := Publish(ctx, &r, New(testCfg), 0, 0)
	if !errors.Is(err, context.Canceled) || st.Total() != 25 || !r.flushed {
		t.Fatalf("err %v, stats %+v, flushed %v", err, st, r.flushed)
	}
}

func TestPublishPaces(t *testing.T) {
	// At 2000 msgs/s the 101st message is due 50 ms after the first: a
	// lower bound that holds however slow the machine is.
	cfg := Config{Devices: 101, Readings: 1}
	var r recorder
	st, err := Publish(context.Background(), &r, New(cfg), 0, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total() != 101 || st.Elapsed < 50*time.Millisecond {
		t.Fatalf("%d messages in %v at 2000/s: want 101 in at least 50ms", st.Total(), st.Elapsed)
	}
}

func TestPublishRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		qos  byte
		rate float64
	}{{3, 0}, {1, -1}} {
		if _, err := Publish(context.Background(), &recorder{}, New(testCfg), tc.qos, tc.rate); !errors.Is(err, ErrPublish) {
			t.Errorf("qos %d rate %v: err %v", tc.qos, tc.rate, err)
		}
	}
}
