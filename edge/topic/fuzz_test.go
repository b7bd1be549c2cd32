package topic

import (
	"slices"
	"strings"
	"testing"
)

// refMatch is a deliberately naive matcher written from the MQTT
// specification with strings.Split, to compare Match against.
func refMatch(p *Pattern, topic string) ([]string, bool) {
	if topic == "" {
		return nil, false
	}
	src := strings.Split(p.String(), "/")
	fl := strings.Split(p.Filter(), "/")
	tl := strings.Split(topic, "/")
	if strings.HasPrefix(topic, "$") && (fl[0] == "+" || fl[0] == "#") {
		return nil, false
	}
	var caps []string
	for i, f := range fl {
		captured := strings.HasPrefix(src[i], "{")
		if f == "#" {
			if captured {
				caps = append(caps, strings.Join(tl[min(i, len(tl)):], "/"))
			}
			return caps, true
		}
		if i >= len(tl) {
			return nil, false
		}
		if f == "+" {
			if captured {
				caps = append(caps, tl[i])
			}
		} else if f != tl[i] {
			return nil, false
		}
	}
	return caps, len(tl) == len(fl)
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"sensors/{site}/{device}/telemetry", "a/+/#", "{r...}", "$SYS/#", "/", "a//b",
		"{}", "{x}{y}", "a/#/b", "{a}/{a}", "+x", "é/{é}", "\xff", "{x...}/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Compile(s)
		if err != nil {
			return
		}
		// The filter is itself a valid pattern with the same levels, no
		// captures, and the same matching behaviour on the pattern's own
		// spelling.
		fp, err := Compile(p.Filter())
		if err != nil {
			t.Fatalf("filter %q of %q does not compile: %v", p.Filter(), s, err)
		}
		if len(fp.Names()) != 0 || fp.Filter() != p.Filter() {
			t.Fatalf("filter %q of %q: names %q, filter %q", p.Filter(), s, fp.Names(), fp.Filter())
		}
		if strings.Count(p.Filter(), "/") != strings.Count(s, "/") {
			t.Fatalf("filter %q has a different number of levels than %q", p.Filter(), s)
		}
		if !fp.Covers(p) || !p.Covers(fp) {
			t.Fatalf("%q and its filter %q do not cover each other", s, p.Filter())
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("sensors/{site}/{device}/telemetry", "sensors/s/d/telemetry")
	f.Add("logs/{p...}", "logs/a/b")
	f.Add("logs/{p...}", "logs")
	f.Add("#", "$SYS/x")
	f.Add("+/+", "/x")
	f.Add("a/+", "a")
	f.Fuzz(func(t *testing.T, pattern, topic string) {
		p, err := Compile(pattern)
		if err != nil {
			return
		}
		got, ok := p.Match([]string{"prefix"}, topic)
		want, wantOK := refMatch(p, topic)
		if ok != wantOK {
			t.Fatalf("%q on %q: Match %v, reference %v", pattern, topic, ok, wantOK)
		}
		if got[0] != "prefix" {
			t.Fatalf("Match overwrote dst[0]: %q", got)
		}
		if ok && !slices.Equal(got[1:], want) || !ok && len(got) != 1 {
			t.Fatalf("%q on %q: captures %q, reference %q", pattern, topic, got[1:], want)
		}
		if ok && len(got)-1 != len(p.Names()) {
			t.Fatalf("%d captures for %d names", len(got)-1, len(p.Names()))
		}
		if p.Matches(topic) != ok {
			t.Fatalf("Matches disagrees with Match")
		}
	})
}
