package forward_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/sync/forward"
	"github.com/eddy-iot/eddy/sync/wire"
)

// drain runs f until the outbox of s is empty.
func drain(t testing.TB, f *forward.Forwarder, s *store.Store, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for outboxDepth(t, s) > 0 {
		if _, err := f.Step(ctx); err != nil {
			t.Fatalf("step: %v", err)
		}
	}
}

// documentedFields are the fields of a row of the test view, in the order
// sync/wire writes them (see docs/results-topic.md).
var documentedFields = []string{"agent", "view", "window_start", "window_end", "revision", "final",
	"site", "device", "n", "avg_temp", "min_temp", "max_temp", "p95_temp",
	"n__count", "avg_temp__count", "avg_temp__sum", "min_temp__count", "max_temp__count",
	"p95_temp__count", "p95_temp__min", "p95_temp__max", "p95_temp__state"}

var rfc3339ms = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// Two agents forward their real (bbolt) outboxes into one topic: every row
// arrives once, keyed by its agent, in order per agent, with the documented
// fields; kcat, which shares no code with kafka-go, reads the same; both
// outboxes end empty.
func TestForwardStoreOutboxToKafka(t *testing.T) {
	t.Parallel()
	addr := testenv.Kafka(t)
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, addr, topic, 3, false)
	agents := []string{"gw-a", "gw-b"}
	const n = 2000
	for _, a := range agents {
		s := openStore(t, "")
		newRowMaker(t, a).fill(t, s, 0, n, 50, 4)
		f, err := forward.New(forward.Config{AgentID: a, ResultsTopic: topic, MaxEntries: 8,
			Kafka: kafkaconn.Options{Brokers: []string{addr}}}, storeOutbox{s})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, f, s, time.Minute)
		if st := f.Stats(); st.Rows != n || st.Entries != n/50 {
			t.Fatalf("%s: stats %+v", a, st)
		}
		if err := s.Verify(); err != nil {
			t.Fatal(err)
		}
	}

	msgs := readAll(t, addr, topic, len(agents)*n, time.Minute)
	if len(msgs) != len(agents)*n {
		t.Fatalf("%d messages in the topic, want %d (no failure, so no duplicate)", len(msgs), len(agents)*n)
	}
	checkExact(t, msgs, agents, n)
	next := map[string]int{}
	part := map[string]int{}
	for _, m := range msgs {
		r := parseRow(t, m.Value)
		if p, ok := part[r.Agent]; ok && p != m.Partition {
			t.Fatalf("agent %s in partitions %d and %d", r.Agent, p, m.Partition)
		}
		part[r.Agent] = m.Partition
		if i := r.index(t); i != next[r.Agent] {
			t.Fatalf("agent %s: row %d at offset %d, want row %d (out of order)", r.Agent, i, m.Offset, next[r.Agent])
		}
		next[r.Agent]++
	}
	checkDocumentedFields(t, msgs[0].Value)

	out, err := exec.Command("kcat", "-b", addr, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
		"-f", "%k %s\n").Output()
	if err != nil {
		if _, lerr := exec.LookPath("kcat"); lerr != nil {
			t.Skip("kcat not installed (scripts/testenv.sh install adds it)")
		}
		t.Fatalf("kcat: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("kcat read %d rows, kafka-go %d", len(lines), len(msgs))
	}
	byAgent := map[string][]string{}
	for _, m := range msgs {
		byAgent[string(m.Key)] = append(byAgent[string(m.Key)], string(m.Value))
	}
	kcatByAgent := map[string][]string{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, " ")
		if r := parseRow(t, []byte(v)); r.Agent != k {
			t.Fatalf("kcat: key %q, row agent %q", k, r.Agent)
		}
		kcatByAgent[k] = append(kcatByAgent[k], v)
	}
	for _, a := range agents {
		if !slices.Equal(byAgent[a], kcatByAgent[a]) {
			t.Fatalf("kcat and kafka-go disagree on agent %s", a)
		}
	}
}

// checkDocumentedFields checks one row of the test view against the
// documented field list, order and types.
func checkDocumentedFields(t *testing.T, value []byte) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(value)))
	var names []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	fields := map[string]any{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		names = append(names, k.(string))
		fields[k.(string)] = v
	}
	if !slices.Equal(names, documentedFields) {
		t.Fatalf("fields\n%v\nwant\n%v", names, documentedFields)
	}
	for _, k := range []string{"window_start", "window_end"} {
		if s, _ := fields[k].(string); !rfc3339ms.MatchString(s) {
			t.Errorf("%s = %v, want RFC 3339 UTC with milliseconds", k, fields[k])
		}
	}
	for _, k := range []string{"revision", "n", "avg_temp", "avg_temp__sum", "min_temp__count", "n__count"} {
		if _, ok := fields[k].(float64); !ok {
			t.Errorf("%s = %v (%T), want a number", k, fields[k], fields[k])
		}
	}
	if b, ok := fields["final"].(bool); !ok || !b {
		t.Errorf("final = %v", fields["final"])
	}
	if s, _ := fields["p95_temp__state"].(string); len(s) < 8 {
		t.Errorf("p95_temp__state = %v, want base64", fields["p95_temp__state"])
	}
}

// Run with CreateTopics creates the results topic and the checkpoints topic,
// the latter compacted, and a checkpoint sent after a drained step is
// readable with the forwarded sequence.
func TestCheckpointsTopicCompacted(t *testing.T) {
	t.Parallel()
	addr := testenv.Kafka(t)
	results := testenv.TopicName(t, "results")
	cps := testenv.TopicName(t, "checkpoints")
	opts := kafkaconn.Options{Brokers: []string{addr}}
	s := openStore(t, "")
	newRowMaker(t, "gw-c").fill(t, s, 0, 100, 10, 10)
	f, err := forward.New(forward.Config{AgentID: "gw-c", ResultsTopic: results, CheckpointsTopic: cps, Kafka: opts,
		CreateTopics: true,
		Checkpoint: func() *wire.Checkpoint {
			return &wire.Checkpoint{Agent: "gw-c", AgentVersion: "test", ConfigVersion: 4,
				Watermarks: map[string]int64{"temps": 1795000060000}, Dropped: map[string]int64{"malformed_json": 1}}
		}}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx) }()
	testenv.WaitFor(t, time.Minute, func() bool { return outboxDepth(t, s) == 0 }, "Run drains the outbox")
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := f.EnsureTopics(ctx); err != nil {
		t.Fatalf("EnsureTopics on existing topics: %v", err)
	}
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	policy := map[string]string{}
	for _, topic := range []string{results, cps} {
		res, err := c.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"cleanup.policy"}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Resources {
			for _, e := range r.ConfigEntries {
				if e.ConfigName == "cleanup.policy" {
					policy[topic] = e.ConfigValue
				}
			}
		}
	}
	if policy[cps] != "compact" || policy[results] != "delete" {
		t.Fatalf("cleanup.policy: checkpoints %q (want compact), results %q (want delete)", policy[cps], policy[results])
	}
	want := f.Stats().LastForwarded
	msgs := readAll(t, addr, cps, 1, time.Minute)
	last := msgs[len(msgs)-1]
	if string(last.Key) != "gw-c" {
		t.Fatalf("checkpoint key %q", last.Key)
	}
	cp, err := wire.UnmarshalCheckpoint(last.Value)
	if err != nil {
		t.Fatal(err)
	}
	if cp.LastForwarded != want || cp.ConfigVersion != 4 || cp.Watermarks["temps"] != 1795000060000 {
		t.Fatalf("checkpoint %s, want last_forwarded_seq %d", last.Value, want)
	}
	checkExact(t, readAll(t, addr, results, 100, time.Minute), []string{"gw-c"}, 100)
}

// The forwarder authenticates with SCRAM-SHA-512 over TLS.
func TestForwardSASLSCRAMOverTLS(t *testing.T) {
	t.Parallel()
	addr := testenv.KafkaSASLSSL(t)
	user, pass := testenv.KafkaAuth(t)
	plain := testenv.Kafka(t)
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, plain, topic, 1, false)
	s := openStore(t, "")
	newRowMaker(t, "gw-s").fill(t, s, 0, 300, 30, 10)
	f, err := forward.New(forward.Config{AgentID: "gw-s", ResultsTopic: topic, Kafka: kafkaconn.Options{
		Brokers: []string{addr},
		TLS:     &kafkaconn.TLS{CAFile: os.Getenv("EDDY_TEST_CA")},
		SASL:    &kafkaconn.SASL{Mechanism: "SCRAM-SHA-512", Username: user, Password: pass},
	}}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, f, s, time.Minute)
	checkExact(t, readAll(t, plain, topic, 300, time.Minute), []string{"gw-s"}, 300)
}

// Alert entries leave before routine entries that were waiting longer.
func TestAlertPriorityFirst(t *testing.T) {
	t.Parallel()
	addr := testenv.Kafka(t)
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, addr, topic, 1, false)
	s := openStore(t, "")
	m := newRowMaker(t, "gw-p")
	m.fill(t, s, 0, 300, 10, 5) // routine rows 0..299
	var enc wire.BatchEncoder
	enc.Add(m.append(nil, 300))
	b := s.NewBatch()
	b.Enqueue(store.Alert, enc.Encode())
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	f, err := forward.New(forward.Config{AgentID: "gw-p", ResultsTopic: topic, MaxEntries: 4,
		Kafka: kafkaconn.Options{Brokers: []string{addr}}}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, f, s, time.Minute)
	msgs := readAll(t, addr, topic, 301, time.Minute)
	if i := parseRow(t, msgs[0].Value).index(t); i != 300 {
		t.Fatalf("first row in Kafka is %d, want the alert row 300", i)
	}
	checkExact(t, msgs, []string{"gw-p"}, 301)
}

// A backlog drains no faster than the configured rate (after the one-second
// burst), so a fleet coming back at once does not flatten the cluster.
func TestDrainRateLimited(t *testing.T) {
	t.Parallel()
	addr := testenv.Kafka(t)
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, addr, topic, 1, false)
	s := openStore(t, "")
	const n, rate = 6000, 3000.0
	newRowMaker(t, "gw-r").fill(t, s, 0, n, 100, 10)
	f, err := forward.New(forward.Config{AgentID: "gw-r", ResultsTopic: topic, MaxEntries: 2, RateRows: rate,
		Kafka: kafkaconn.Options{Brokers: []string{addr}}}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	drain(t, f, s, time.Minute)
	elapsed := time.Since(start)
	// n rows at rate r with a burst of r: at least (n-r)/r seconds.
	if floor := time.Duration((n - rate) / rate * float64(time.Second)); elapsed < floor*9/10 {
		t.Fatalf("drained %d rows in %v at a limit of %.0f rows/s: faster than the floor %v", n, elapsed, rate, floor)
	}
	t.Logf("%d rows in %v (%.0f rows/s, limit %.0f)", n, elapsed, n/elapsed.Seconds(), rate)
	checkExact(t, readAll(t, addr, topic, n, time.Minute), []string{"gw-r"}, n)
}

// Rows that snappy cannot shrink (big random sketch states) still fit the
// broker's default record-batch limit (message.max.bytes, about 1 MB after
// compression): the forwarder must not build batches Kafka refuses forever.
func TestIncompressibleRowsFitBrokerLimit(t *testing.T) {
	t.Parallel()
	addr := testenv.Kafka(t)
	topic := testenv.TopicName(t, "results")
	testenv.CreateTopic(t, addr, topic, 1, false)
	s := openStore(t, "")
	m := newRowMaker(t, "gw-x")
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 3000
	var enc wire.BatchEncoder
	b := s.NewBatch()
	for i := 0; i < n; i++ {
		state := make([]byte, 1500)
		for j := range state {
			state[j] = byte(rng.Uint32())
		}
		row := m.append(nil, i)
		// Splice a big random state in before the closing brace.
		row = append(row[:len(row)-1], `,"big__state":"`...)
		row = base64.StdEncoding.AppendEncode(row, state)
		row = append(row, `"}`...)
		enc.Add(row)
		if enc.Rows() == 1000 { // an entry of 2.7 MB: Peek returns it whole
			b.Enqueue(store.Routine, enc.Encode())
			enc.Reset()
		}
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	f, err := forward.New(forward.Config{AgentID: "gw-x", ResultsTopic: topic,
		Kafka: kafkaconn.Options{Brokers: []string{addr}}}, storeOutbox{s})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := f.Step(ctx); err != nil {
		t.Fatalf("a step of %d incompressible rows of about 2.7 KB: %v", n, err)
	}
	drain(t, f, s, time.Minute)
	checkExact(t, readAll(t, addr, topic, n, time.Minute), []string{"gw-x"}, n)
}
