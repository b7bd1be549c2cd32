// Ingest benchmarks of the agent (issue 6). How to run them, without make:
//
//	scripts/testenv.sh run -- go test -run '^$' -bench 'BenchmarkAgentIngest' -benchtime 1x -count 3 ./agent/
//
// or, with the test brokers already up (scripts/testenv.sh start), after
// sourcing the env file it prints: `. $STATE/env && go test -run '^$' -bench
// BenchmarkAgentIngest -benchtime 1x -count 3 ./agent/`. They skip under
// -short and without the testenv variables. Each benchmark starts a Mosquitto
// of its own (testenv.PrivateMosquitto), builds bin/eddy into a temporary
// directory and runs `eddy agent` as a subprocess, so rss-MB is the agent's
// own peak (VmHWM). One iteration is a whole run (about 10-30 s): use
// -benchtime 1x.
//
// Knobs (environment): EDDY_BENCH_READINGS=n readings per device (default
// 30 at QoS 0, 8 at QoS 1: the test Mosquitto queues at most 100,000
// messages per client and drops QoS 1 messages beyond that);
// EDDY_BENCH_INPROC=1 runs the agent inside the test process (agent.Start)
// instead of as a subprocess, so that `-cpuprofile cpu.out` profiles it
// (rss-MB is then not reported). EDDY_BENCH_HEAPPROFILE=file writes the
// agent's in-use heap profile when it has committed half the messages (of
// the subprocess: through its /debug/pprof/, http.pprof).
// EDDY_BENCH_QUEUE=n sets the agent's mqtt.queue_size, EDDY_BENCH_QUEUE_BYTES
// its mqtt.queue_bytes, EDDY_BENCH_MEMLIMIT its memory_limit (for example
// 64MiB) and EDDY_BENCH_BATCH its store.batch_max_events (default: the
// config's). EDDY_BENCH_PERF=file records the agent subprocess with `perf record -g`
// (then `perf report -i file`).
//
// Metrics: events/s is MQTT messages per second from the publisher's first
// message to the agent's commit of its last (read from /v1/status, whose
// counters count committed messages); bare-events/s is the
// same for a paho subscriber that only counts, run first with the same
// pre-generated messages, the same publisher and the same broker; ratio is
// their quotient. dropped is the agent's ingest_overflow (QoS 0 messages
// refused because its queue was full); lost is what was published but
// neither processed nor counted as dropped (for the bare subscriber:
// bare-lost); cpu-µs/event is the agent's user+system CPU per message, a
// figure less disturbed by other load on the machine than events/s.
// rss-anon-MB and rss-file-MB split the resident set: RssAnon (the Go heap,
// stacks, runtime) and RssFile (the binary's pages and the bbolt file's
// mapped pages, which the kernel can reclaim but VmHWM counts), each the
// largest seen while polling /v1/status.
//
// BenchmarkAgentPipeline needs no broker: it feeds the same kind of stream
// straight into pipeline.Run (real bbolt store, fsync per batch of 5000),
// so it measures the batch loop alone: `go test -run '^$' -bench
// AgentPipeline -count 3 ./agent/`. Its cpu-ns/event (CPU time of the test
// process during Run, all goroutines) is less disturbed by other load than
// ns/event.
package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/agent/pipeline"
	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
	"github.com/eddy-iot/eddy/simulate"
)

func BenchmarkAgentIngestQoS0(b *testing.B) { benchIngest(b, 0, 30) }
func BenchmarkAgentIngestQoS1(b *testing.B) { benchIngest(b, 1, 8) }

// benchDevices is the fleet size the issue asks for.
const benchDevices = 10_000

// benchWindow is the tumbling window of the view, ms.
const benchWindow = 10_000

// stallTimeout ends a leg that has stopped making progress (messages lost).
const stallTimeout = 5 * time.Second

func benchIngest(b *testing.B, qos byte, readings int) {
	if testing.Short() {
		b.Skip("broker benchmark skipped under -short")
	}
	broker := testenv.PrivateMosquitto(b).Addr()
	if n, err := strconv.Atoi(os.Getenv("EDDY_BENCH_READINGS")); err == nil && n > 0 {
		readings = n
	}
	inproc := os.Getenv("EDDY_BENCH_INPROC") == "1"
	var bin string
	if !inproc {
		bin = buildEddyTB(b)
	}
	cfg := simulate.Config{Devices: benchDevices, Seed: 6, Readings: readings, Interval: 1000, Disorder: 2000,
		DupRate: 0.01, MalformedRate: 0.005, TopicPrefix: testenv.TopicName(b, "bench"),
		Start: time.Now().Add(-time.Hour).UnixMilli()}
	// Pre-generated, so that the publisher costs the same in both legs and
	// generating does not compete with the agent for the CPU.
	var msgs []simulate.Message
	var good int64
	for g := simulate.New(cfg); ; {
		m, ok := g.Next()
		if !ok {
			break
		}
		if m.Kind == simulate.Good {
			good++
		}
		msgs = append(msgs, m)
	}
	prog := simulate.SQL(cfg, benchWindow)
	prog = strings.Replace(prog, "qos = '1'", "qos = '"+strconv.Itoa(int(qos))+"'", 1)

	var sum struct {
		bareSec, agentSec, cpuSec float64
		bareN, agentN             int64
		dropped, lost, bareLost   int64
		rss, rssAnon, rssFile     float64
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bare := runBare(b, broker, cfg.TopicPrefix, qos, msgs)
		sum.bareSec += bare.elapsed.Seconds()
		sum.bareN += bare.received
		sum.bareLost += int64(len(msgs)) - bare.received

		ag := runAgentLeg(b, bin, broker, prog, qos, msgs, inproc)
		sum.agentSec += ag.elapsed.Seconds()
		sum.agentN += ag.status.Pipeline.Messages
		sum.dropped += ag.status.MQTT.Overflow
		sum.lost += int64(len(msgs)) - ag.status.Pipeline.Messages - ag.status.MQTT.Overflow
		sum.cpuSec += ag.cpu.Seconds()
		sum.rss = max(sum.rss, float64(ag.hwmKB)/1024)
		sum.rssAnon = max(sum.rssAnon, float64(ag.anonKB)/1024)
		sum.rssFile = max(sum.rssFile, float64(ag.fileKB)/1024)
		if ag.status.MQTT.Overflow == 0 && ag.status.Pipeline.Messages == int64(len(msgs)) &&
			ag.status.Pipeline.Rows != good {
			b.Errorf("every message processed but rows_in = %d, want %d good readings (status %+v)",
				ag.status.Pipeline.Rows, good, ag.status.Pipeline)
		}
		if qos > 0 && ag.status.Pipeline.Messages != int64(len(msgs)) {
			b.Errorf("QoS %d: the agent processed %d of %d messages", qos, ag.status.Pipeline.Messages, len(msgs))
		}
	}
	b.StopTimer()
	bareRate := float64(sum.bareN) / sum.bareSec
	agentRate := float64(sum.agentN) / sum.agentSec
	n := float64(b.N)
	b.ReportMetric(agentRate, "events/s")
	b.ReportMetric(bareRate, "bare-events/s")
	b.ReportMetric(agentRate/bareRate, "ratio")
	b.ReportMetric(float64(sum.dropped)/n, "dropped")
	b.ReportMetric(float64(sum.lost)/n, "lost")
	b.ReportMetric(float64(sum.bareLost)/n, "bare-lost")
	if sum.agentN > 0 && !inproc {
		b.ReportMetric(sum.cpuSec*1e6/float64(sum.agentN), "cpu-µs/event")
	}
	if !inproc {
		b.ReportMetric(sum.rss, "rss-MB")
		b.ReportMetric(sum.rssAnon, "rss-anon-MB")
		b.ReportMetric(sum.rssFile, "rss-file-MB")
	}
	b.ReportMetric(float64(len(msgs)), "msgs/op")
}

// BenchmarkAgentPipeline measures the batch loop alone: 10k devices, the
// simulate view, batches of 5000 messages from a channel that holds the
// whole stream, each batch one commit with fsync.
func BenchmarkAgentPipeline(b *testing.B) {
	cfg := simulate.Config{Devices: benchDevices, Seed: 6, Readings: 10, Interval: 1000, Disorder: 2000,
		DupRate: 0.01, MalformedRate: 0.005, Start: time.Now().Add(-time.Hour).UnixMilli()}
	cat, err := agent.Compile([]agent.Program{{Name: "fleet.sql", SQL: simulate.SQL(cfg, benchWindow)}})
	if err != nil {
		b.Fatal(err)
	}
	var msgs []ingest.Message
	for g := simulate.New(cfg); ; {
		m, ok := g.Next()
		if !ok {
			break
		}
		msgs = append(msgs, ingest.Message{Topic: m.Topic, Payload: m.Payload, Partition: -1, Received: time.Now().UnixMilli()})
	}
	b.ReportAllocs()
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "eddy.db")})
		if err != nil {
			b.Fatal(err)
		}
		p, err := pipeline.New(cat, pipeline.Options{Store: st, BatchMaxEvents: 5000,
			Dedupe: map[string]pipeline.Dedupe{simulate.SourceName: {Device: "device", Sequence: "seq"}}})
		if err != nil {
			b.Fatal(err)
		}
		in := make(chan ingest.Message, len(msgs))
		for _, m := range msgs {
			in <- m
		}
		close(in)
		b.StartTimer()
		t0, c0 := time.Now(), processCPU()
		if err := p.Run(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(t0)
		cpu += processCPU() - c0
		b.StopTimer()
		if got := p.Status().Messages; got != uint64(len(msgs)) {
			b.Fatalf("messages_in %d, want %d", got, len(msgs))
		}
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*len(msgs))/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*len(msgs)), "ns/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(msgs)), "cpu-ns/event")
}

// processCPU is the user and system time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// buildEddyTB builds cmd/eddy (buildEddy of the crash test wants a *testing.T).
func buildEddyTB(tb testing.TB) string {
	tb.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(tb.TempDir(), "eddy")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/eddy")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// publish sends msgs at qos and waits until the broker has them (QoS 1) or
// paho has written them (QoS 0). It returns when it started.
func publish(tb testing.TB, broker string, qos byte, msgs []simulate.Message) time.Time {
	tb.Helper()
	// EDDY_BENCH_RATE=n paces the publisher at n messages/s (a gateway
	// below saturation); cpu-µs/event is then the figure to compare.
	rate, _ := strconv.Atoi(os.Getenv("EDDY_BENCH_RATE"))
	timeout := time.Minute
	if rate > 0 {
		timeout = max(timeout, 2*time.Duration(len(msgs))*time.Second/time.Duration(rate))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	pub, err := simulate.DialMQTT(ctx, mqttconn.Options{Brokers: []string{broker}}, 1024, 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer pub.Close()
	start := time.Now()
	for i := range msgs {
		if rate > 0 && i%100 == 0 {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
				time.Sleep(d)
			}
		}
		if err := pub.Publish(msgs[i].Topic, qos, msgs[i].Payload); err != nil {
			tb.Fatalf("publish message %d: %v", i, err)
		}
	}
	if err := pub.Flush(); err != nil {
		tb.Fatalf("publish: %v", err)
	}
	return start
}

type bareResult struct {
	received int64
	elapsed  time.Duration // publish start → last message received
}

// runBare counts the messages a plain paho subscriber receives.
func runBare(tb testing.TB, broker, prefix string, qos byte, msgs []simulate.Message) bareResult {
	tb.Helper()
	var n atomic.Int64
	var last atomic.Int64 // UnixNano of the latest message
	opts := paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(tb, "bare")).
		SetCleanSession(true).SetAutoReconnect(false)
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		tb.Fatalf("bare subscriber: connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	tok := c.Subscribe(prefix+"/#", qos, func(paho.Client, paho.Message) {
		n.Add(1)
		last.Store(time.Now().UnixNano())
	})
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		tb.Fatalf("bare subscriber: subscribe: %v", tok.Error())
	}
	start := publish(tb, broker, qos, msgs)
	waitDone(func() int64 { return n.Load() }, int64(len(msgs)), 5*time.Millisecond)
	return bareResult{received: n.Load(), elapsed: time.Unix(0, last.Load()).Sub(start)}
}

// waitDone polls progress until it reaches want or stalls for stallTimeout.
func waitDone(progress func() int64, want int64, every time.Duration) {
	prev, since := int64(-1), time.Now()
	for {
		p := progress()
		if p >= want {
			return
		}
		if p != prev {
			prev, since = p, time.Now()
		} else if time.Since(since) > stallTimeout {
			return
		}
		time.Sleep(every)
	}
}

// benchStatus is the part of /v1/status the benchmark reads.
type benchStatus struct {
	Pipeline struct {
		Messages    int64 `json:"messages_in"`
		Rows        int64 `json:"rows_in"`
		Duplicates  int64 `json:"duplicates_dropped"`
		DeadLetters int64 `json:"dead_letters"`
		Results     int64 `json:"results"`
		Commits     int64 `json:"commits"`
	} `json:"pipeline"`
	MQTT struct {
		Received   int64
		Overflow   int64
		Subscribed int64
	} `json:"mqtt"`
}

type agentResult struct {
	status  benchStatus
	elapsed time.Duration // publish start → status showing the last message committed
	hwmKB   int64
	// anonKB and fileKB are the largest RssAnon and RssFile seen while
	// polling the status (the kernel keeps no peak of either).
	anonKB, fileKB int64
	cpu            time.Duration
}

// runAgentLeg runs the agent on prog, publishes msgs and waits until its
// status accounts for all of them (processed or dropped) or stalls.
func runAgentLeg(tb testing.TB, bin, broker, prog string, qos byte, msgs []simulate.Message, inproc bool) agentResult {
	tb.Helper()
	dir := tb.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(tb))
	clientID := testenv.TopicName(tb, "agent")
	var stop func()
	var pid int
	if inproc {
		ctx, cancel := context.WithCancel(context.Background())
		rt, err := agent.Start(ctx, agent.Settings{ID: "bench", DataDir: dir,
			Programs: []agent.Program{{Name: "fleet.sql", SQL: prog}},
			MQTT:     mqttconn.Options{Brokers: []string{broker}, ClientID: clientID},
			HTTPAddr: httpAddr})
		if err != nil {
			tb.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = rt.Run(ctx) }()
		stop = func() { cancel(); <-done; rt.Close() }
	} else {
		if err := os.WriteFile(filepath.Join(dir, "fleet.sql"), []byte(prog), 0o644); err != nil {
			tb.Fatal(err)
		}
		yaml := fmt.Sprintf("id: bench\ndata_dir: %s\nmqtt:\n  brokers: [%q]\n  client_id: %s\n  clean_session: false\n"+
			"pipelines:\n  - name: fleet\n    file: fleet.sql\nhttp:\n  addr: %s\nlog:\n  level: warn\n",
			filepath.Join(dir, "data"), broker, clientID, httpAddr)
		if q := os.Getenv("EDDY_BENCH_QUEUE"); q != "" {
			yaml = strings.Replace(yaml, "  clean_session: false\n", "  clean_session: false\n  queue_size: "+q+"\n", 1)
		}
		if q := os.Getenv("EDDY_BENCH_QUEUE_BYTES"); q != "" {
			yaml = strings.Replace(yaml, "  clean_session: false\n", "  clean_session: false\n  queue_bytes: "+q+"\n", 1)
		}
		if l := os.Getenv("EDDY_BENCH_MEMLIMIT"); l != "" {
			yaml += "memory_limit: " + l + "\n"
		}
		if os.Getenv("EDDY_BENCH_HEAPPROFILE") != "" {
			yaml = strings.Replace(yaml, "http:\n", "http:\n  pprof: true\n", 1)
		}
		if n := os.Getenv("EDDY_BENCH_BATCH"); n != "" {
			yaml += "store:\n  batch_max_events: " + n + "\n"
		}
		cfgPath := filepath.Join(dir, "agent.yaml")
		if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
			tb.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, "agent.log"))
		if err != nil {
			tb.Fatal(err)
		}
		defer logf.Close()
		cmd := exec.Command(bin, "agent", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		pid = cmd.Process.Pid
		stop = func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			if tb.Failed() {
				out, _ := os.ReadFile(logf.Name())
				tb.Logf("agent log:\n%s", out)
			}
		}
	}
	defer stop()
	get := func() (benchStatus, error) {
		var st benchStatus
		resp, err := http.Get("http://" + httpAddr + "/v1/status")
		if err != nil {
			return st, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return st, err
		}
		return st, json.Unmarshal(body, &st)
	}
	testenv.WaitFor(tb, 30*time.Second, func() bool {
		st, err := get()
		return err == nil && st.MQTT.Subscribed > 0
	}, "agent subscribed")

	if path := os.Getenv("EDDY_BENCH_PERF"); path != "" && pid != 0 {
		perf := exec.Command("perf", "record", "-F", "499", "-g", "-o", path, "-p", strconv.Itoa(pid))
		perf.Stdout, perf.Stderr = io.Discard, io.Discard
		if err := perf.Start(); err != nil {
			tb.Fatalf("perf: %v", err)
		}
		defer func() { _ = perf.Process.Signal(syscall.SIGINT); _ = perf.Wait() }()
		time.Sleep(200 * time.Millisecond) // perf attaches
	}
	start := publish(tb, broker, qos, msgs)
	var last benchStatus
	var at time.Time
	profiled := false
	var anonKB, fileKB, dbKB int64
	waitDone(func() int64 {
		if pid != 0 {
			anonKB = max(anonKB, procStatusKB(tb, pid, "RssAnon"))
			fileKB = max(fileKB, procStatusKB(tb, pid, "RssFile"))
			dbKB = max(dbKB, mappedKB(pid, "eddy.db"))
		}
		st, err := get()
		if err != nil {
			return -1
		}
		// The pipeline publishes its counts after each commit: a message
		// counted here is committed.
		if st.Pipeline.Messages+st.MQTT.Overflow != last.Pipeline.Messages+last.MQTT.Overflow {
			at = time.Now()
		}
		last = st
		if path := os.Getenv("EDDY_BENCH_HEAPPROFILE"); path != "" && !profiled &&
			2*st.Pipeline.Messages >= int64(len(msgs)) {
			profiled = true
			if inproc {
				writeHeapProfile(tb, path)
			} else {
				fetchHeapProfile(tb, httpAddr, path)
			}
		}
		return st.Pipeline.Messages + st.MQTT.Overflow
	}, int64(len(msgs)), 25*time.Millisecond) // a status costs the agent CPU: not too often
	r := agentResult{status: last, elapsed: at.Sub(start), anonKB: anonKB, fileKB: fileKB}
	if pid != 0 {
		r.hwmKB = procStatusKB(tb, pid, "VmHWM")
		r.cpu = procCPU(tb, pid)
		tb.Logf("agent: VmHWM %d kB, VmRSS %d kB (anon %d kB, file %d kB; peaks seen anon %d kB, file %d kB of which eddy.db %d kB), cpu %v",
			r.hwmKB, procStatusKB(tb, pid, "VmRSS"), procStatusKB(tb, pid, "RssAnon"), procStatusKB(tb, pid, "RssFile"),
			anonKB, fileKB, dbKB, r.cpu)
	}
	tb.Logf("agent: %s %+v mqtt %+v", r.elapsed.Round(time.Millisecond), last.Pipeline, last.MQTT)
	return r
}

// writeHeapProfile writes the in-use heap after a GC.
func writeHeapProfile(tb testing.TB, path string) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatal(err)
	}
}

// fetchHeapProfile saves the agent subprocess's in-use heap (after a GC)
// from its /debug/pprof/heap.
func fetchHeapProfile(tb testing.TB, httpAddr, path string) {
	resp, err := http.Get("http://" + httpAddr + "/debug/pprof/heap?gc=1")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("heap profile: %v %s", err, resp.Status)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// procStatusKB reads a "Key: n kB" line of /proc/<pid>/status.
func procStatusKB(tb testing.TB, pid int, key string) int64 {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				tb.Fatalf("/proc/%d/status %s: %v", pid, key, err)
			}
			return n
		}
	}
	tb.Fatalf("/proc/%d/status has no %s", pid, key)
	return 0
}

// mappedKB sums the resident kB of the process's mappings of files whose
// path ends with suffix (/proc/<pid>/smaps); 0 if unreadable.
func mappedKB(pid int, suffix string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return 0
	}
	var kb int64
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"):
			in = len(f) >= 6 && strings.HasSuffix(f[len(f)-1], suffix)
		case in && len(f) == 3 && f[0] == "Rss:":
			n, _ := strconv.ParseInt(f[1], 10, 64)
			kb += n
		}
	}
	return kb
}

// procCPU reads the user and system time of a process from /proc/<pid>/stat.
func procCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of stat(5)
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	const clkTck = 100                          // sysconf(_SC_CLK_TCK) on Linux
	return time.Duration(utime+stime) * time.Second / clkTck
}
