package forward_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/forward"
	"github.com/eddy-iot/eddy/sync/wire"
)

// The crash test re-executes the test binary as a child that is a small
// agent: one goroutine commits result batches to a bbolt outbox (with the
// count of rows so far in the same transaction, under meta "next") while
// the forwarder drains the outbox into Kafka. The parent SIGKILLs the child
// at random moments, starts it again on the same file, and at the end lets
// a last child drain the outbox to empty. Every row the file ever counted
// must then be in Kafka: a kill between Kafka's acknowledgement and the
// outbox Ack re-sends rows (duplicates, removed by upsert), never loses one.

const (
	crashChildEnv = "EDDY_FORWARD_CRASH_CHILD" // store path
	crashKafkaEnv = "EDDY_FORWARD_CRASH_KAFKA"
	crashTopicEnv = "EDDY_FORWARD_CRASH_TOPIC"
	crashModeEnv  = "EDDY_FORWARD_CRASH_MODE" // run or finish
	crashAgent    = "gw-k"
	crashPerEntry = 25
)

func crashForwarder(t *testing.T, s *store.Store, addr, topic string) *forward.Forwarder {
	f, err := forward.New(forward.Config{AgentID: crashAgent, ResultsTopic: topic, MaxEntries: 4,
		Kafka:      kafkaconn.Options{Brokers: []string{addr}},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func metaNext(t testing.TB, s *store.Store) int {
	t.Helper()
	v, err := s.Meta("next")
	if err != nil {
		t.Fatal(err)
	}
	if v == nil {
		return 0
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func crashChild(t *testing.T, path string) {
	s, err := store.Open(store.Options{Path: path, LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f := crashForwarder(t, s, os.Getenv(crashKafkaEnv), os.Getenv(crashTopicEnv))
	ctx := context.Background()
	if os.Getenv(crashModeEnv) == "finish" {
		for outboxDepth(t, s) > 0 {
			if _, err := f.Step(ctx); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Println("drained")
		return
	}
	go f.Run(ctx)
	fmt.Println("ready")
	m := newRowMaker(t, crashAgent)
	var enc wire.BatchEncoder
	var buf []byte
	b := s.NewBatch()
	for i := metaNext(t, s); ; i += crashPerEntry {
		enc.Reset()
		for j := range crashPerEntry {
			buf = m.append(buf[:0], i+j)
			enc.Add(buf)
		}
		b.Reset()
		b.Enqueue(store.Routine, enc.Encode())
		b.PutMeta("next", []byte(strconv.Itoa(i+crashPerEntry)))
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		f.Notify()
		time.Sleep(2 * time.Millisecond) // the pace of an agent's batches
	}
}

func TestCrashKillDuringDrain(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(t, path)
		return
	}
	addr := testenv.Kafka(t)
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, addr, topic, 1, false)
	path := filepath.Join(t.TempDir(), "agent.db")

	// A backlog, as after an outage, so that the first kills land mid-drain.
	s, err := store.Open(store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	const backlog = 20000
	newRowMaker(t, crashAgent).fill(t, s, 0, backlog, crashPerEntry, 40)
	b := s.NewBatch()
	b.PutMeta("next", []byte(strconv.Itoa(backlog)))
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	s.Close()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	child := func(mode string) (*exec.Cmd, <-chan string, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKillDuringDrain$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashKafkaEnv+"="+addr, crashTopicEnv+"="+topic,
			crashModeEnv+"="+mode)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		return cmd, lines, &stderr
	}
	waitLine := func(lines <-chan string, want string, stderr *bytes.Buffer) {
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("child exited before %q: %s", want, stderr)
				}
				if l == want {
					return
				}
			case <-timeout:
				t.Fatalf("child did not say %q: %s", want, stderr)
			}
		}
	}

	rounds := 8
	var prevEnd int64
	midDrain := 0
	for round := range rounds {
		cmd, lines, stderr := child("run")
		waitLine(lines, "ready", stderr)
		time.Sleep(time.Duration(100+r.IntN(900)) * time.Millisecond) // a random moment to crash at, not an assertion
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for range lines {
		}
		_ = cmd.Wait()
		ends, err := endOffsets(addr, topic)
		if err != nil {
			t.Fatal(err)
		}
		if ends[0] > prevEnd {
			midDrain++
		}
		prevEnd = ends[0]
		t.Logf("round %d: killed with %d messages in Kafka", round, ends[0])
	}
	if midDrain < rounds/2 {
		t.Fatalf("only %d of %d children forwarded anything before the kill", midDrain, rounds)
	}
	cmd, lines, stderr := child("finish")
	waitLine(lines, "drained", stderr)
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("finishing child: %v: %s", err, stderr)
	}

	s, err = store.Open(store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	if d := outboxDepth(t, s); d != 0 {
		t.Fatalf("outbox holds %d entries after the drain", d)
	}
	n := metaNext(t, s)
	msgs := readAll(t, addr, topic, n, 2*time.Minute)
	dups := checkExact(t, msgs, []string{crashAgent}, n)
	t.Logf("%d rounds: %d rows committed, %d messages in Kafka, %d re-sent after a kill", rounds, n, len(msgs), dups)
}
