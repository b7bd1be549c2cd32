package alerts

import (
	"errors"
	"testing"
)

const hotDevice = `
rules:
  - name: hot
    view: site_temp
    group_by: [site, device]
    condition: p95_temp > 40
    renotify: 10m
    labels: {team: ops}
`

const d1 = `hot{site="lyon",device="d1"}`
const d2 = `hot{site="paris",device="d2"}`

func TestAckStopsRenotify(t *testing.T) {
	e := mustEngine(t, hotDevice)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0)
	e.Observe("site_temp", siteTempNames, row("paris", "d2", 41, 0), t0)
	if got := notes(e.Tick(t0)); got != "firing "+d1+" 41\nfiring "+d2+" 41\n" {
		t.Fatalf("%q", got)
	}
	if err := e.Ack(d1, "alice", t0+minute); err != nil {
		t.Fatal(err)
	}
	if got := notes(e.Tick(t0 + 9*minute)); got != "" {
		t.Fatalf("%q", got)
	}
	got := e.Tick(t0 + 10*minute)
	if notes(got) != "firing "+d2+" 41 repeat\n" || got[0].Repeat != 1 {
		t.Fatalf("%q", notes(got))
	}
	if got := notes(e.Tick(t0 + 20*minute)); got != "firing "+d2+" 41 repeat\n" {
		t.Fatalf("%q", got)
	}
	a := e.Alerts()
	if len(a) != 2 || a[0].AckedBy != "alice" || a[0].AckedAt != t0+minute || a[1].AckedBy != "" {
		t.Fatalf("%+v", a)
	}
	// The ack is in the history; a new episode starts unacknowledged.
	h := e.TakeHistory()
	if last := h[len(h)-1]; last.By != "alice" || last.From != Firing || last.To != Firing || last.Alert != d1 {
		t.Fatalf("%+v", last)
	}
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 30, 0), t0+21*minute)
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 45, 0), t0+22*minute)
	e.Tick(t0 + 22*minute)
	if a := e.Alerts(); a[0].AckedBy != "" || a[0].State != Firing {
		t.Fatalf("%+v", a[0])
	}
	if err := e.Ack("hot{nope}", "bob", t0); !errors.Is(err, ErrUnknownAlert) {
		t.Fatal(err)
	}
	if err := e.Ack(d1, "", t0); !errors.Is(err, ErrAck) {
		t.Fatal(err)
	}
}

func TestSilence(t *testing.T) {
	e := mustEngine(t, hotDevice)
	s, err := e.Silence(Silence{Matchers: map[string]string{"site": "lyon"}, Until: t0 + 30*minute, By: "bob", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0+minute)
	e.Observe("site_temp", siteTempNames, row("paris", "d2", 41, 0), t0+minute)
	if got := notes(e.Tick(t0 + minute)); got != "firing "+d2+" 41\n" {
		t.Fatalf("silenced alert notified: %q", got)
	}
	if a := e.Alerts(); a[0].SilencedBy != s.ID || a[1].SilencedBy != "" {
		t.Fatalf("%+v", a)
	}
	// No re-notification while silenced either.
	for m := int64(2); m < 30; m++ {
		if got := notes(e.Tick(t0 + m*minute)); got != "firing "+d2+" 41 repeat\n" && got != "" {
			t.Fatalf("minute %d: %q", m, got)
		}
	}
	// The silence ends with the alert still firing: notified then, once.
	if got := notes(e.Tick(t0 + 30*minute)); got != "firing "+d1+" 41\n" {
		t.Fatalf("%q", got)
	}
	if got := notes(e.Tick(t0 + 31*minute)); got != "firing "+d2+" 41 repeat\n" {
		t.Fatalf("%q", got)
	}
	if len(e.Silences()) != 0 {
		t.Fatal("expired silence kept")
	}
}

func TestSilenceOverResolution(t *testing.T) {
	f := func(notifiedBefore bool, want string) {
		t.Helper()
		e := mustEngine(t, hotDevice)
		e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0)
		if notifiedBefore {
			e.Tick(t0)
		}
		s, err := e.Silence(Silence{Matchers: map[string]string{"alert": d1}, Until: t0 + time15m, Created: t0})
		if err != nil {
			t.Fatal(err)
		}
		e.Tick(t0 + minute)
		e.Observe("site_temp", siteTempNames, row("lyon", "d1", 30, 0), t0+2*minute)
		if got := notes(e.Tick(t0 + 2*minute)); got != "" {
			t.Fatalf("%q", got)
		}
		if err := e.Unsilence(s.ID); err != nil {
			t.Fatal(err)
		}
		if got := notes(e.Tick(t0 + 3*minute)); got != want {
			t.Fatalf("notified before %v: %q, want %q", notifiedBefore, got, want)
		}
		if err := e.Unsilence(s.ID); !errors.Is(err, ErrUnknownSilence) {
			t.Fatal(err)
		}
	}
	// Its receivers heard it fire: they hear it resolve.
	f(true, "resolved "+d1+" 30\n")
	// Fired and resolved within the silence: nothing to say.
	f(false, "")
}

const time15m = 15 * minute

func TestSilenceByRuleAndErrors(t *testing.T) {
	e := mustEngine(t, hotDevice)
	if _, err := e.Silence(Silence{Until: t0 + minute, Created: t0}); !errors.Is(err, ErrSilence) {
		t.Fatal(err)
	}
	if _, err := e.Silence(Silence{Matchers: map[string]string{"rule": "hot"}, Until: t0, Created: t0}); !errors.Is(err, ErrSilence) {
		t.Fatal(err)
	}
	if _, err := e.Silence(Silence{Matchers: map[string]string{"rule": "hot", "team": "ops"}, Until: t0 + minute, Created: t0}); err != nil {
		t.Fatal(err)
	}
	e.Observe("site_temp", siteTempNames, row("lyon", "d1", 41, 0), t0)
	if got := notes(e.Tick(t0)); got != "" {
		t.Fatalf("%q", got)
	}
	if got := notes(e.Tick(t0 + minute)); got != "firing "+d1+" 41\n" {
		t.Fatalf("%q", got)
	}
}
