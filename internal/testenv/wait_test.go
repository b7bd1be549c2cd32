package testenv

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWaitForReturnsWhenConditionHolds(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	r := &recorder{TB: t}
	WaitFor(r, 5*time.Second, func() bool { return n.Load() == 3 }, "counter reaches 3")
	if r.fatal != "" {
		t.Fatalf("WaitFor failed: %s", r.fatal)
	}
}

func TestWaitForFailsAfterTimeout(t *testing.T) {
	r := &recorder{TB: t}
	start := time.Now()
	calls := 0
	WaitFor(r, 100*time.Millisecond, func() bool { calls++; return false }, "never true")
	if !strings.Contains(r.fatal, "never true") {
		t.Fatalf("want a failure naming the condition, got %q", r.fatal)
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Fatalf("gave up after %v, before the timeout", el)
	}
	if calls < 2 {
		t.Fatalf("condition polled %d times, want several", calls)
	}
}

func TestFreePortIsBindable(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", itoa(p)))
	if err != nil {
		t.Fatalf("FreePort gave %d, which cannot be bound: %v", p, err)
	}
	l.Close()
}

func TestTopicNameIsUniqueAndValid(t *testing.T) {
	a, b := TopicName(t, "x/y z"), TopicName(t, "x/y z")
	if a == b {
		t.Fatalf("two names alike: %s", a)
	}
	if unsafeTopicChars.MatchString(a) {
		t.Fatalf("name has characters Kafka refuses: %s", a)
	}
}
