package topic

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCompile(t *testing.T) {
	f := func(pattern, filter string, names ...string) {
		t.Helper()
		p, err := Compile(pattern)
		if err != nil {
			t.Fatalf("Compile(%q): %v", pattern, err)
		}
		if p.Filter() != filter {
			t.Errorf("Compile(%q).Filter() = %q, want %q", pattern, p.Filter(), filter)
		}
		if !slices.Equal(p.Names(), names) {
			t.Errorf("Compile(%q).Names() = %q, want %q", pattern, p.Names(), names)
		}
		if p.String() != pattern {
			t.Errorf("String() = %q, want %q", p.String(), pattern)
		}
	}
	f("sensors/{site}/{device}/telemetry", "sensors/+/+/telemetry", "site", "device")
	f("sensors/+/{device}/#", "sensors/+/+/#", "device")
	f("logs/{path...}", "logs/#", "path")
	f("#", "#")
	f("+", "+")
	f("{all...}", "#", "all")
	f("a/b/c", "a/b/c")
	f("/a//b/", "/a//b/")
	f("$SYS/broker/{metric}", "$SYS/broker/+", "metric")
	f("{_x1}/{Y_2}", "+/+", "_x1", "Y_2")
	f("caf\u00e9/{d}", "caf\u00e9/+", "d")
}

func TestCompileErrors(t *testing.T) {
	f := func(pattern, wantSubstr string) {
		t.Helper()
		_, err := Compile(pattern)
		if err == nil {
			t.Fatalf("Compile(%q) succeeded, want error containing %q", pattern, wantSubstr)
		}
		if !errors.Is(err, ErrPattern) {
			t.Errorf("Compile(%q) error %v does not wrap ErrPattern", pattern, err)
		}
		if !strings.Contains(err.Error(), wantSubstr) {
			t.Errorf("Compile(%q) = %q, want it to contain %q", pattern, err, wantSubstr)
		}
	}
	f("", "empty")
	f("a/{}/b", "level 2 \"{}\": capture has no name")
	f("a/{...}", "capture has no name")
	f("{site}/{site}", "capture {site} appears twice")
	f("{rest...}/{rest}", "must be the last level")
	f("a/#/b", "level 2 \"#\" matches all remaining levels, so it must be the last level")
	f("a/{r...}/b", "must be the last level")
	f("a+/b", "'+' and '#' must be a whole level")
	f("a/b#", "'+' and '#' must be a whole level")
	f("+{x}", "'+' and '#' must be a whole level")
	f("dev-{id}", "a capture must be a whole level")
	f("{id}x", "a capture must be a whole level")
	f("a/{x", "a capture must be a whole level")
	f("a/x}", "a capture must be a whole level")
	f("{1x}", "not an identifier")
	f("{a-b}", "not an identifier")
	f("{a b}", "not an identifier")
	f("{{a}}", "not an identifier")
	f("a\x00b", "NUL")
	f("a/\xff", "UTF-8")
	f(strings.Repeat("a", 65536), "65536 bytes")
}

func TestMatch(t *testing.T) {
	f := func(pattern, topic string, want ...string) {
		t.Helper()
		p := MustCompile(pattern)
		prefix := []string{"keep"}
		got, ok := p.Match(prefix, topic)
		if !ok {
			t.Fatalf("%q did not match %q", pattern, topic)
		}
		if got[0] != "keep" || !slices.Equal(got[1:], want) {
			t.Errorf("%q on %q captured %q, want [keep] + %q", pattern, topic, got, want)
		}
		if !p.Matches(topic) {
			t.Errorf("Matches(%q) false but Match true", topic)
		}
	}
	no := func(pattern, topic string) {
		t.Helper()
		p := MustCompile(pattern)
		got, ok := p.Match([]string{"keep"}, topic)
		if ok || !slices.Equal(got, []string{"keep"}) {
			t.Errorf("%q matched %q: %q", pattern, topic, got)
		}
		if p.Matches(topic) {
			t.Errorf("Matches(%q) true", topic)
		}
	}
	f("sensors/{site}/{device}/telemetry", "sensors/s1/d-42/telemetry", "s1", "d-42")
	no("sensors/{site}/{device}/telemetry", "sensors/s1/d-42/status")
	no("sensors/{site}/{device}/telemetry", "sensors/s1/telemetry")
	no("sensors/{site}/{device}/telemetry", "sensors/s1/d/telemetry/x")
	f("sensors/+/{device}/#", "sensors/s1/d9/a/b", "d9")
	f("sensors/+/{device}/#", "sensors/s1/d9", "d9") // '#' matches the parent level
	f("logs/{path...}", "logs/a/b/c", "a/b/c")
	f("logs/{path...}", "logs", "")
	f("logs/{path...}", "logs/", "")
	no("logs/{path...}", "log")
	f("{all...}", "x/y", "x/y")
	f("+/+", "/finance")
	f("/{x}", "/finance", "finance")
	f("{a}/{b}", "/", "", "")
	no("+", "/finance")
	no("sport/+", "sport")
	f("sport/+", "sport/")
	f("sport/{x}", "sport/", "")
	no("a/b", "a/b/")
	no("a", "")
	// '$' topics do not match a wildcard or capture at the first level.
	no("#", "$SYS/broker/load")
	no("+/broker/load", "$SYS/broker/load")
	no("{x}/broker/load", "$SYS/broker/load")
	no("{x...}", "$SYS")
	f("$SYS/#", "$SYS/broker/load")
	f("$SYS/{what...}", "$SYS/broker/load", "broker/load")
	f("a/+", "a/$b")
	f("a/{x}", "a/$b", "$b")
}

func TestMatchDoesNotAllocate(t *testing.T) {
	p := MustCompile("sensors/{site}/{device}/telemetry/{rest...}")
	caps := make([]string, 0, 3)
	allocs := testing.AllocsPerRun(100, func() {
		caps, _ = p.Match(caps[:0], "sensors/site-1/dev-42/telemetry/a/b")
	})
	if allocs != 0 {
		t.Fatalf("Match allocated %.1f times", allocs)
	}
	if !slices.Equal(caps, []string{"site-1", "dev-42", "a/b"}) {
		t.Fatalf("captures %q", caps)
	}
}

func TestIndex(t *testing.T) {
	p := MustCompile("s/{site}/{device}")
	if p.Index("site") != 0 || p.Index("device") != 1 || p.Index("x") != -1 {
		t.Fatalf("Index: %d %d %d", p.Index("site"), p.Index("device"), p.Index("x"))
	}
}

func TestRouter(t *testing.T) {
	var r Router[string]
	r.Add(MustCompile("sensors/{site}/{device}/telemetry"), "telemetry")
	r.Add(MustCompile("sensors/{site}/#"), "site-all")
	r.Add(MustCompile("alarms/{device}"), "alarms")
	r.Add(MustCompile("#"), "everything")
	f := func(topic string, want ...string) {
		t.Helper()
		hits, _ := r.Route(nil, nil, topic)
		var got []string
		for _, h := range hits {
			got = append(got, h.Value+"("+strings.Join(h.Captures, ",")+")")
		}
		if !slices.Equal(got, want) {
			t.Errorf("Route(%q) = %q, want %q", topic, got, want)
		}
	}
	f("sensors/s1/d1/telemetry", "telemetry(s1,d1)", "site-all(s1)", "everything()")
	f("sensors/s1/d1/status", "site-all(s1)", "everything()")
	f("alarms/d7", "alarms(d7)", "everything()")
	f("$SYS/uptime")
	if r.Len() != 4 || len(r.Patterns()) != 4 {
		t.Fatalf("Len %d", r.Len())
	}
}

func TestRouteCapturesSurviveGrowth(t *testing.T) {
	var r Router[int]
	for i := range 5 {
		r.Add(MustCompile("{a}/{b}/{c}"), i)
	}
	hits, caps := r.Route(nil, make([]string, 0, 1), "x/y/z")
	if len(hits) != 5 || len(caps) != 15 {
		t.Fatalf("%d hits, %d caps", len(hits), len(caps))
	}
	for _, h := range hits {
		if !slices.Equal(h.Captures, []string{"x", "y", "z"}) {
			t.Fatalf("hit %d captures %q", h.Value, h.Captures)
		}
	}
	// Appending to one hit's captures must not overwrite the next hit's.
	_ = append(hits[0].Captures, "overwrite")
	if hits[1].Captures[0] != "x" {
		t.Fatal("Captures of one hit alias the next")
	}
}

func TestRouteDoesNotAllocate(t *testing.T) {
	var r Router[int]
	r.Add(MustCompile("sensors/{site}/{device}/telemetry"), 1)
	r.Add(MustCompile("sensors/{site}/#"), 2)
	r.Add(MustCompile("alarms/{device}"), 3)
	hits := make([]Hit[int], 0, 4)
	caps := make([]string, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		hits, caps = r.Route(hits[:0], caps[:0], "sensors/s/d/telemetry")
	})
	if allocs != 0 || len(hits) != 2 {
		t.Fatalf("Route allocated %.1f times, %d hits", allocs, len(hits))
	}
}
