package alerts

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

const mixedRules = `
rules:
  - name: hot
    view: site_temp
    group_by: [site]
    condition: p95_temp > 40
    clear: p95_temp < 37
    for: 2m
    renotify: 5m
  - name: silent
    kind: absence
    view: site_temp
    group_by: [device]
    for: 3m
  - name: jump
    kind: rate
    view: site_temp
    group_by: [device]
    value: p95_temp
    time: ts
    condition: abs(rate) > 0.5
    for: 30s
  - name: down
    kind: agent_offline
  - name: outbox
    kind: outbox
    limit: 1MB
`

// script is a reproducible run of observations, ticks, acks and silences
// over the mixed rules.
type script struct {
	steps []func(e *Engine, log *strings.Builder)
}

func newScript(seed uint64, n int) script {
	rng := rand.New(rand.NewPCG(seed, 1))
	var s script
	now := t0
	for i := 0; i < n; i++ {
		now += int64(rng.IntN(40)) * sec
		at := now
		switch k := rng.IntN(20); {
		case k < 12:
			site := fmt.Sprintf("s%d", rng.IntN(3))
			dev := fmt.Sprintf("d%d", rng.IntN(5))
			temp := 30 + rng.Float64()*15
			s.steps = append(s.steps, func(e *Engine, _ *strings.Builder) {
				e.Observe("site_temp", siteTempNames, row(site, dev, temp, at), at)
			})
		case k < 14:
			agent := fmt.Sprintf("gw%d", rng.IntN(3))
			online := rng.IntN(3) > 0
			ob := int64(rng.IntN(2_000_000))
			s.steps = append(s.steps, func(e *Engine, _ *strings.Builder) {
				e.Observe(AgentsView, agentNames(), agentRow(agent, at, online, ob), at)
			})
		case k < 18:
			s.steps = append(s.steps, func(e *Engine, log *strings.Builder) {
				ns := e.Tick(at)
				for _, n := range ns {
					fmt.Fprintf(log, "%d notify %s %s %s %d %s %d\n", at, n.State, n.Alert, n.ValueText, n.Time, n.DedupKey, n.Repeat)
				}
				for _, h := range e.TakeHistory() {
					fmt.Fprintf(log, "%d history %s %s->%s %s %s\n", h.Time, h.Alert, h.From, h.To, h.Value, h.By)
				}
				for _, a := range e.Alerts() {
					fmt.Fprintf(log, "%d alert %s %s %s %d %d %s %s\n", at, a.ID, a.State, a.ValueText, a.Since, a.FiredAt, a.AckedBy, a.SilencedBy)
				}
			})
		case k < 19:
			pick := rng.IntN(1000)
			s.steps = append(s.steps, func(e *Engine, log *strings.Builder) {
				if as := e.Alerts(); len(as) > 0 {
					err := e.Ack(as[pick%len(as)].ID, "op", at)
					fmt.Fprintf(log, "%d ack %v\n", at, err)
				}
			})
		default:
			site := fmt.Sprintf("s%d", rng.IntN(3))
			dur := int64(rng.IntN(10)+1) * minute
			unsilence := rng.IntN(3) == 0
			s.steps = append(s.steps, func(e *Engine, log *strings.Builder) {
				if ss := e.Silences(); unsilence && len(ss) > 0 {
					fmt.Fprintf(log, "%d unsilence %v\n", at, e.Unsilence(ss[0].ID))
					return
				}
				sl, err := e.Silence(Silence{Matchers: map[string]string{"site": site}, Until: at + dur, Created: at})
				fmt.Fprintf(log, "%d silence %s %v\n", at, sl.ID, err)
			})
		}
	}
	return s
}

// run plays the script; at step cut (if ≥ 0) it snapshots the engine and
// continues on a new engine restored from it.
func (s script) run(t *testing.T, cut int) (string, []byte) {
	t.Helper()
	e := mustEngine(t, mixedRules)
	var log strings.Builder
	for i, step := range s.steps {
		if i == cut {
			snap := e.Snapshot()
			e = mustEngine(t, mixedRules)
			if err := e.Restore(snap); err != nil {
				t.Fatalf("restore at %d: %v", i, err)
			}
			if again := e.Snapshot(); !bytes.Equal(again, snap) {
				t.Fatalf("restore at %d: snapshot of the restored engine differs", i)
			}
		}
		step(e, &log)
	}
	return log.String(), e.Snapshot()
}

func TestSnapshotRestoreEqualsUninterrupted(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		s := newScript(seed, 600)
		want, wantSnap := s.run(t, -1)
		if !strings.Contains(want, "notify firing") || !strings.Contains(want, "notify resolved") {
			t.Fatalf("seed %d: the script exercises too little:\n%s", seed, want)
		}
		for cut := 0; cut < len(s.steps); cut += 13 {
			got, gotSnap := s.run(t, cut)
			if got != want {
				t.Fatalf("seed %d, restored at step %d:\n%s", seed, cut, firstDiff(got, want))
			}
			if !bytes.Equal(gotSnap, wantSnap) {
				t.Fatalf("seed %d, restored at step %d: final snapshots differ", seed, cut)
			}
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(g), len(w))
}

func TestRestoreWithoutRenotifying(t *testing.T) {
	e := mustEngine(t, hotSite)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 45, 0), t0)
	e.Tick(t0 + 5*minute) // fires and notifies
	snap := e.Snapshot()
	e2 := mustEngine(t, hotSite)
	if err := e2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got := notes(e2.Tick(t0 + 6*minute)); got != "" {
		t.Fatalf("re-fired after restore: %q", got)
	}
	// A changed group_by starts the rule over; other rules keep their state.
	changed := strings.Replace(hotSite, "group_by: [site]", "group_by: [site, device]", 1)
	e3 := mustEngine(t, changed)
	if err := e3.Restore(snap); err != nil || states(e3) != "" {
		t.Fatalf("%v %q", err, states(e3))
	}
}

func TestRestoreRejectsCorruptSnapshots(t *testing.T) {
	e := mustEngine(t, mixedRules)
	s := newScript(7, 200)
	var log strings.Builder
	for _, step := range s.steps {
		step(e, &log)
	}
	snap := e.Snapshot()
	before := states(e)
	for i := 0; i < len(snap); i++ {
		if err := e.Restore(snap[:i]); err == nil {
			t.Fatalf("a snapshot cut at %d of %d restored", i, len(snap))
		}
	}
	bad := append([]byte(nil), snap...)
	bad[len(snapshotMagic)] = 9
	if err := e.Restore(bad); !errors.Is(err, ErrVersion) {
		t.Fatal(err)
	}
	if states(e) != before {
		t.Fatal("a failed restore changed the engine")
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	ts := []Transition{
		{Time: t0, Rule: "hot", Alert: d1, Labels: map[string]string{"site": "lyon", "device": "d1", "team": "ops"},
			From: Pending, To: Firing, Value: windows.Float(41.5)},
		{Time: t0 + 1, Rule: "hot", Alert: d1, Labels: map[string]string{}, From: Firing, To: Firing, Value: windows.String("x"), By: "alice"},
		{Time: -5, Rule: "", Alert: "", Labels: map[string]string{}, From: Inactive, To: Resolved},
	}
	b := AppendHistory([]byte("prefix"), ts)
	got, err := DecodeHistory(b[len("prefix"):])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(ts) {
		t.Fatalf("\n got  %v\n want %v", got, ts)
	}
	if _, err := DecodeHistory([]byte{2, 0}); !errors.Is(err, ErrVersion) {
		t.Fatal(err)
	}
}

func FuzzDecodeHistory(f *testing.F) {
	f.Add([]byte{})
	f.Add(AppendHistory(nil, nil))
	f.Add(AppendHistory(nil, []Transition{{Time: t0, Rule: "hot", Alert: d1, Labels: map[string]string{"a": "b", "c": "d"},
		From: Pending, To: Firing, Value: windows.Float(41.5), By: "x"}}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := DecodeHistory(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		again, err := DecodeHistory(AppendHistory(nil, ts))
		if err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if fmt.Sprint(again) != fmt.Sprint(ts) {
			t.Fatalf("round trip:\n%v\n%v", again, ts)
		}
	})
}

// FuzzRestore: Restore never panics, and what it accepts snapshots again to
// something it accepts.
func FuzzRestore(f *testing.F) {
	e := mustEngine(f, mixedRules)
	var log strings.Builder
	for _, step := range newScript(3, 150).steps {
		step(e, &log)
	}
	f.Add(e.Snapshot())
	f.Add(mustEngine(f, mixedRules).Snapshot())
	// Restore replaces the whole state, so the engines are reused: binding
	// rules for each input would make minimizing slow.
	e, again := mustEngine(f, mixedRules), mustEngine(f, mixedRules)
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := e.Restore(b); err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		e.Alerts()
		e.Tick(e.now + minute)
		if err := again.Restore(e.Snapshot()); err != nil {
			t.Fatal(err)
		}
	})
}
