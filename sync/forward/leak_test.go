package forward

import (
	"context"
	"io"
	"log/slog"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
)

// Every failure throws the writer away; its transport must go with it, or a
// gateway offline for a day would pile up connection pools (kafka.Writer.Close
// does not close a Transport it was given).
func TestRebuiltWriterLeaksNoGoroutines(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A listener that accepts and hangs up: every metadata request fails
	// after a connection was made.
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	defer l.Close()
	ob := &memOutbox{entries: []Entry{entry(1, `{"r":1}`)}}
	f, err := New(Config{AgentID: "gw", Kafka: kafkaconn.Options{Brokers: []string{l.Addr().String()}},
		WriteTimeout: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, ob)
	if err != nil {
		t.Fatal(err)
	}
	step := func() {
		if _, err := f.Step(context.Background()); err == nil {
			t.Fatal("step succeeded against a broker that hangs up")
		}
	}
	step()
	before := runtime.NumGoroutine()
	for range 50 {
		step()
	}
	// Goroutines of closed connections may take a moment to return.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+5 {
		t.Fatalf("%d goroutines after 50 failed steps, %d after the first: the writers leak", n, before)
	}
}
