package ingest

import (
	"fmt"
	"testing"
	"time"
)

func msgOf(i, payload int) Message {
	return Message{Topic: fmt.Sprint(i), Payload: make([]byte, payload)}
}

// The byte bound refuses what does not fit (QoS 0), in order otherwise.
func TestQueueBytesBound(t *testing.T) {
	q := newMsgQueue(Queue{Messages: 1000, Bytes: 10 * (MessageOverhead + 1 + 100)})
	defer q.close()
	// Nobody consumes: outBuffer messages pass into the channel and leave
	// the bounds, then 10 fit.
	accepted := 0
	for i := 0; i < outBuffer+100; i++ {
		if q.push(msgOf(i%10, 100), false) {
			accepted++
		}
		time.Sleep(50 * time.Microsecond) // let the drain move some
	}
	if accepted > outBuffer+10 || accepted < 10 {
		t.Fatalf("accepted %d, want at most %d", accepted, outBuffer+10)
	}
	for i := 0; i < accepted; i++ {
		m := <-q.out
		if m.Topic != fmt.Sprint(i%10) {
			t.Fatalf("message %d: topic %q", i, m.Topic)
		}
	}
}

// A message larger than the byte bound still goes through when alone.
func TestQueueOversizedAlone(t *testing.T) {
	q := newMsgQueue(Queue{Bytes: 1000})
	defer q.close()
	if !q.push(msgOf(0, 5000), false) {
		t.Fatal("an oversized message was refused by an empty queue")
	}
	if m := <-q.out; len(m.Payload) != 5000 {
		t.Fatalf("payload %d bytes", len(m.Payload))
	}
}

// A blocking push (QoS ≥ 1) waits for room and keeps the order; close
// releases a blocked producer.
func TestQueueBlockingPush(t *testing.T) {
	q := newMsgQueue(Queue{Messages: 2})
	const n = outBuffer + 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			q.push(msgOf(i, 1), true)
		}
	}()
	select {
	case <-done:
		t.Fatal("pushes did not block on a full queue")
	case <-time.After(100 * time.Millisecond):
	}
	for i := 0; i < n; i++ {
		if m := <-q.out; m.Topic != fmt.Sprint(i) {
			t.Fatalf("message %d: topic %q", i, m.Topic)
		}
	}
	<-done

	go func() {
		for i := 0; i < n; i++ {
			q.push(msgOf(i, 1), true)
		}
		q.close()
	}()
	time.Sleep(50 * time.Millisecond)
	blocked := make(chan struct{})
	go func() { q.push(msgOf(0, 1), true); close(blocked) }()
	q.close()
	select {
	case <-blocked:
	case <-time.After(5 * time.Second):
		t.Fatal("close did not release a blocked producer")
	}
}
