package store

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child that commits
// batches in a loop and prints "committed N" after each Commit returns. The
// parent SIGKILLs it at random moments, reopens the file, and checks that
// every batch the child reported is there, complete, and that no batch is
// there in part.
//
// SIGKILL kills the process, not the machine: data in the page cache
// survives it. The test proves atomicity of a transaction and that a
// returned Commit is in the file; a power cut additionally relies on the
// fsync bbolt performs on each commit (NoSync is never set).

const (
	crashEnv       = "EDDY_STORE_CRASH_CHILD"
	crashFillers   = 200 // state keys rewritten by every batch
	crashKeep      = 50  // per-batch keys kept for this many batches
	crashEntry     = 100 // outbox payload bytes
	crashQuota     = 40 * crashEntry
	crashDLMax     = 20
	crashDLEvery   = 7
	crashDevices   = 100
	crashAlertEach = 5
)

func crashOptions(path string) Options {
	return Options{
		Path: path, LockTimeout: 10 * time.Second,
		Outbox:      OutboxOptions{QuotaBytes: crashQuota, Policy: DropOldest},
		DeadLetters: DeadLetterOptions{MaxEntries: crashDLMax},
		// A checkpoint every few batches, so that kills land before, in
		// and after checkpoints as well as between log records.
		CheckpointBytes: 16 << 10,
	}
}

func crashPriority(i int) Priority {
	if i%crashAlertEach == 0 {
		return Alert
	}
	return Routine
}

func crashPayload(i int) []byte { return []byte(fmt.Sprintf("%-*d", crashEntry, i)) }

func crashChild(path string) {
	fail := func(err error) { fmt.Println("error:", err); os.Exit(1) }
	s, err := Open(crashOptions(path))
	if err != nil {
		fail(err)
	}
	next := 0
	if v, err := s.Meta("next"); err != nil {
		fail(err)
	} else if v != nil {
		next, _ = strconv.Atoi(string(v))
	}
	b := s.NewBatch()
	for i := next; ; i++ {
		b.Reset()
		val := []byte(strconv.Itoa(i))
		b.PutMeta("next", []byte(strconv.Itoa(i+1)))
		b.AddCounter("batches", 1)
		for f := range crashFillers {
			b.Put("p1", []byte(fmt.Sprintf("f%03d", f)), val)
		}
		b.Put("p1", []byte(fmt.Sprintf("b%08d", i)), val)
		b.Put("p2", []byte(fmt.Sprintf("b%08d", i)), val)
		if i >= crashKeep {
			b.Delete("p1", []byte(fmt.Sprintf("b%08d", i-crashKeep)))
			b.Delete("p2", []byte(fmt.Sprintf("b%08d", i-crashKeep)))
		}
		b.PutDedupe("src", fmt.Sprintf("dev-%d", i%crashDevices), val)
		b.Enqueue(crashPriority(i), crashPayload(i))
		if i%crashDLEvery == 0 {
			b.AddDeadLetter(DeadLetter{Topic: strconv.Itoa(i), Reason: "bad", Payload: val})
		}
		if err := s.Commit(b); err != nil {
			fail(err)
		}
		si, err := s.Size()
		if err != nil {
			fail(err)
		}
		fmt.Printf("committed %d %d\n", i, si.Checkpoints)
	}
}

func TestCrashKill(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	rounds := 10
	if testing.Short() {
		rounds = 3
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	path := filepath.Join(t.TempDir(), "agent.db")
	reported, unreported, checkpoints := -1, 0, 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a random number of reported commits, or a random time.
		want := 1 + r.IntN(60)
		timer := time.NewTimer(time.Duration(5+r.IntN(200)) * time.Millisecond)
		seen, lastCPs := 0, 0
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: child exited: %s", round, stderr.String())
				}
				var n, cps int
				if _, err := fmt.Sscanf(l, "committed %d %d", &n, &cps); err != nil {
					t.Fatalf("round %d: child: %s %s", round, l, stderr.String())
				}
				reported = max(reported, n)
				checkpoints += cps - lastCPs
				lastCPs = cps
				if seen++; seen >= want {
					break wait
				}
			case <-timer.C:
				break wait
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines { // lines printed before the kill
			var n, cps int
			if _, err := fmt.Sscanf(l, "committed %d %d", &n, &cps); err == nil {
				reported = max(reported, n)
			}
		}
		_ = cmd.Wait()
		if checkCrashFile(t, path, reported, round) == reported+2 {
			unreported++
		}
	}
	if reported < rounds {
		t.Fatalf("too little progress: %d batches in %d rounds", reported+1, rounds)
	}
	if checkpoints == 0 && reported >= 20 {
		t.Fatalf("%d batches and no checkpoint of the log", reported+1)
	}
	t.Logf("%d rounds, %d batches, %d checkpoints; %d kills landed after a commit and before its report", rounds, reported+1, checkpoints, unreported)
}

// checkCrashFile checks the file after a kill against what the child did.
// It returns the number of batches in the file.
func checkCrashFile(t *testing.T, path string, reported, round int) int {
	t.Helper()
	s, err := Open(crashOptions(path))
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer s.Close()
	if err := s.Verify(); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	next := 0
	if v, _ := s.Meta("next"); v != nil {
		next, _ = strconv.Atoi(string(v))
	}
	// Every reported batch is there; at most one more (committed, killed
	// before it printed).
	if next < reported+1 || next > reported+2 {
		t.Fatalf("round %d: file has batches 0..%d, child reported 0..%d", round, next-1, reported)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("round %d (next %d): %s", round, next, fmt.Sprintf(format, args...))
	}
	if n, _ := s.Counter("batches"); n != uint64(next) {
		fail("counter %d", n)
	}
	last := strconv.Itoa(next - 1)
	lo := max(0, next-crashKeep)
	for _, p := range []string{"p1", "p2"} {
		st := state(t, s, p)
		for i := lo; i < next; i++ {
			if st[fmt.Sprintf("b%08d", i)] != strconv.Itoa(i) {
				fail("%s: batch %d key missing or wrong", p, i)
			}
		}
		nb := 0
		for k, v := range st {
			if k[0] == 'b' {
				nb++
			} else if v != last { // a filler from another batch: torn
				fail("%s: %s = %s, want %s", p, k, v, last)
			}
		}
		if nb != next-lo {
			fail("%s: %d batch keys, want %d", p, nb, next-lo)
		}
	}
	dd := map[string]string{}
	_ = s.LoadDedupe("src", func(d, v []byte) error { dd[string(d)] = string(v); return nil })
	for i := max(0, next-crashDevices); i < next; i++ {
		if dd[fmt.Sprintf("dev-%d", i%crashDevices)] != strconv.Itoa(i) {
			fail("dedupe of batch %d", i)
		}
	}
	// The outbox equals a simulation of drop_oldest over batches 0..next-1.
	var q [NumPriorities][]int
	total, dropped := 0, 0
	for i := range next {
		p := crashPriority(i)
		q[p] = append(q[p], i)
		total += crashEntry
		for p := 0; total > crashQuota; {
			if len(q[p]) == 0 {
				p++
				continue
			}
			q[p], total, dropped = q[p][1:], total-crashEntry, dropped+1
		}
	}
	var want []string
	for p := NumPriorities - 1; p >= 0; p-- {
		for _, i := range q[p] {
			want = append(want, strconv.Itoa(i))
		}
	}
	var got []string
	for _, e := range peekAll(t, s) {
		got = append(got, strings.TrimSpace(string(e.Payload)))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		fail("outbox %v, want %v", got, want)
	}
	if st, _ := s.OutboxStats(); st.DroppedOldest != uint64(dropped) {
		fail("dropped_oldest %d, want %d", st.DroppedOldest, dropped)
	}
	dls := (next + crashDLEvery - 1) / crashDLEvery
	st, _ := s.DeadLetterStats()
	if st.Total != uint64(dls) || st.Count != min(dls, crashDLMax) || st.Evicted != uint64(max(0, dls-crashDLMax)) {
		fail("dead letters %+v, want total %d", st, dls)
	}
	return next
}
