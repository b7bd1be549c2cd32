package topic

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// universe returns every pattern of up to maxLevels levels over the given
// level spellings that compiles.
func universe(maxLevels int, spellings ...string) []*Pattern {
	var out []*Pattern
	var rec func(prefix []string)
	rec = func(prefix []string) {
		if len(prefix) > 0 {
			if p, err := Compile(strings.Join(prefix, "/")); err == nil {
				out = append(out, p)
			}
		}
		if len(prefix) == maxLevels {
			return
		}
		for _, s := range spellings {
			rec(append(prefix, s))
		}
	}
	rec(nil)
	return out
}

// topics returns every topic of up to maxLevels levels over the given levels.
func topics(maxLevels int, levels ...string) []string {
	var out []string
	var rec func(prefix []string)
	rec = func(prefix []string) {
		if len(prefix) > 0 {
			out = append(out, strings.Join(prefix, "/"))
		}
		if len(prefix) == maxLevels {
			return
		}
		for _, s := range levels {
			rec(append(prefix, s))
		}
	}
	rec(nil)
	return out
}

// TestCoversAndOverlapsAgainstBruteForce checks Covers and Overlaps against
// their definitions over a small but complete universe of filters and
// topics: the topics have one level more than the longest filter and a level
// value ("c") that no filter names, so a witness exists whenever one exists at
// all.
func TestCoversAndOverlapsAgainstBruteForce(t *testing.T) {
	pats := universe(3, "a", "$s", "", "+", "#")
	tops := topics(4, "a", "$s", "", "c")
	match := make([][]bool, len(pats))
	for i, p := range pats {
		match[i] = make([]bool, len(tops))
		for j, tp := range tops {
			match[i][j] = p.Matches(tp)
		}
	}
	for i, p := range pats {
		for k, q := range pats {
			covers, overlaps := true, false
			for j := range tops {
				if match[k][j] && !match[i][j] {
					covers = false
				}
				if match[k][j] && match[i][j] {
					overlaps = true
				}
			}
			if got := p.Covers(q); got != covers {
				t.Errorf("%q.Covers(%q) = %v, brute force says %v", p, q, got, covers)
			}
			if got := p.Overlaps(q); got != overlaps {
				t.Errorf("%q.Overlaps(%q) = %v, brute force says %v", p, q, got, overlaps)
			}
		}
	}
}

func TestSubscriptions(t *testing.T) {
	f := func(patterns []string, want ...string) {
		t.Helper()
		var ps []*Pattern
		for _, s := range patterns {
			ps = append(ps, MustCompile(s))
		}
		var got []string
		for _, s := range Subscriptions(ps) {
			got = append(got, fmt.Sprint(s.Filter, s.Patterns))
		}
		if !slices.Equal(got, want) {
			t.Errorf("Subscriptions(%q) = %q, want %q", patterns, got, want)
		}
	}
	f([]string{"sensors/{site}/{device}/telemetry", "alarms/{d}"}, "sensors/+/+/telemetry[0]", "alarms/+[1]")
	f([]string{"a/{x}", "a/+"}, "a/+[0 1]")
	f([]string{"a/b/c", "a/#"}, "a/#[0 1]")
	f([]string{"a/+/c", "a/b/+"}, "a/+/+[0 1]")
	f([]string{"a/+/#", "a/b"}, "a/+/#[0 1]")
	f([]string{"#", "$SYS/#"}, "#[0]", "$SYS/#[1]")
	f([]string{"x/1", "a/+/c", "y", "a/b/+", "a/b/c/d"}, "x/1[0]", "a/+/+[1 3]", "y[2]", "a/b/c/d[4]")
	f(nil)
}

// TestSubscriptionsProperties checks the contract on many pattern sets drawn
// from the small universe: each pattern is listed once, its subscription
// covers it, and no two subscriptions overlap.
func TestSubscriptionsProperties(t *testing.T) {
	pats := universe(3, "a", "$s", "+", "#")
	for start := 0; start < len(pats); start++ {
		for _, stride := range []int{1, 3, 7, 11} {
			var set []*Pattern
			for i := start; i < len(pats) && len(set) < 6; i += stride {
				set = append(set, pats[i])
			}
			subs := Subscriptions(set)
			seen := make([]int, len(set))
			compiled := make([]*Pattern, len(subs))
			for si, s := range subs {
				compiled[si] = MustCompile(s.Filter)
				for _, i := range s.Patterns {
					seen[i]++
					if !compiled[si].Covers(set[i]) {
						t.Fatalf("set %q: subscription %q does not cover %q", set, s.Filter, set[i])
					}
				}
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("set %q: pattern %q listed %d times", set, set[i], n)
				}
			}
			for a := range compiled {
				for b := a + 1; b < len(compiled); b++ {
					if compiled[a].Overlaps(compiled[b]) {
						t.Fatalf("set %q: subscriptions %q and %q overlap", set, compiled[a], compiled[b])
					}
				}
			}
		}
	}
}
