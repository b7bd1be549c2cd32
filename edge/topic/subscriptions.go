package topic

import "strings"

// Subscription is one MQTT filter to subscribe and the patterns it receives
// topics for.
type Subscription struct {
	Filter   string
	Patterns []int // indices into the slice given to Subscriptions, ascending
}

// Subscriptions returns filters that together receive every topic any of
// patterns matches, no two of which overlap, so that a broker delivers each
// message at most once however it treats overlapping subscriptions.
//
// Identical and covered filters are merged into one; two filters that overlap
// without either covering the other ("a/+/c" and "a/b/+") are replaced by
// their level-wise generalisation ("a/+/+"), which may receive topics no
// pattern matches: Router returns no hit for those, and the caller should
// count and drop them. A caller that subscribes with a QoS per pattern should
// use the highest QoS among a Subscription's Patterns.
func Subscriptions(patterns []*Pattern) []Subscription {
	type group struct {
		p       *Pattern
		members []int
	}
	groups := make([]group, len(patterns))
	for i, p := range patterns {
		groups[i] = group{p, []int{i}}
	}
	for merged := true; merged; {
		merged = false
		for a := 0; a < len(groups) && !merged; a++ {
			for b := a + 1; b < len(groups); b++ {
				if !groups[a].p.Overlaps(groups[b].p) {
					continue
				}
				groups[a].p = generalize(groups[a].p, groups[b].p)
				groups[a].members = mergeSorted(groups[a].members, groups[b].members)
				groups = append(groups[:b], groups[b+1:]...)
				merged = true
				break
			}
		}
	}
	out := make([]Subscription, len(groups))
	for i, g := range groups {
		out[i] = Subscription{Filter: g.p.Filter(), Patterns: g.members}
	}
	return out
}

// generalize returns the most specific filter that covers both p and q,
// which overlap.
func generalize(p, q *Pattern) *Pattern {
	var b strings.Builder
	for i := 0; ; i++ {
		pIn, qIn := i < len(p.levels), i < len(q.levels)
		if !pIn && !qIn {
			break
		}
		if i > 0 {
			b.WriteByte('/')
		}
		if !pIn || !qIn || p.levels[i].kind == levelRest || q.levels[i].kind == levelRest {
			// Overlapping filters of different lengths differ by a
			// trailing '#' (which also matches the parent level).
			b.WriteByte('#')
			break
		}
		pl, ql := p.levels[i], q.levels[i]
		if pl.kind == levelLiteral && ql.kind == levelLiteral && pl.lit == ql.lit {
			b.WriteString(pl.lit)
		} else {
			b.WriteByte('+')
		}
	}
	// Literal levels of a compiled pattern never contain '+', '#' or braces,
	// so the filter compiles.
	return MustCompile(b.String())
}

func mergeSorted(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
