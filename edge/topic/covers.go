package topic

import "strings"

// dollar reports whether lv is a literal first level naming a '$' topic,
// which wildcards at the first level never match.
func dollar(lv level) bool { return lv.kind == levelLiteral && strings.HasPrefix(lv.lit, "$") }

// emptyFirst reports whether the first level of p can only be empty. A
// trailing '#' right after it would match the parent topic "", which MQTT
// forbids, so that parent match does not exist.
func emptyFirst(p *Pattern) bool { return p.levels[0].kind == levelLiteral && p.levels[0].lit == "" }

// Covers reports whether every topic that matches q also matches p, so that a
// subscription to p.Filter() already receives everything q would.
func (p *Pattern) Covers(q *Pattern) bool {
	for i := 0; ; i++ {
		if i < len(p.levels) && p.levels[i].kind == levelRest {
			return i > 0 || !dollar(q.levels[0])
		}
		if i >= len(q.levels) || i >= len(p.levels) {
			return i >= len(q.levels) && i >= len(p.levels)
		}
		pl, ql := p.levels[i], q.levels[i]
		switch {
		case ql.kind == levelRest:
			// q matches the parent topic (levels 0..i-1) and every
			// continuation; p can match the continuations with "+/#"
			// but never the parent, so the parent must not exist.
			return pl.kind == levelOne && i+1 < len(p.levels) && p.levels[i+1].kind == levelRest &&
				(i == 0 || i == 1 && emptyFirst(q))
		case pl.kind == levelOne:
			if i == 0 && dollar(ql) {
				return false
			}
		case ql.kind != levelLiteral || pl.lit != ql.lit:
			return false
		}
	}
}

// Overlaps reports whether some topic matches both p and q. A broker may
// deliver such a topic once per matching subscription.
func (p *Pattern) Overlaps(q *Pattern) bool {
	for i := 0; ; i++ {
		pIn, qIn := i < len(p.levels), i < len(q.levels)
		if !pIn && !qIn {
			return true
		}
		if pIn && p.levels[i].kind == levelRest || qIn && q.levels[i].kind == levelRest {
			switch {
			case i == 0:
				// The other side must not be a '$' topic.
				return !dollar(p.levels[0]) && !dollar(q.levels[0])
			case pIn && qIn:
				return true
			default:
				// Only the parent topic (levels 0..i-1) is common; "" is
				// not a topic.
				return i > 1 || !emptyFirst(p) && !emptyFirst(q)
			}
		}
		if !pIn || !qIn {
			return false
		}
		pl, ql := p.levels[i], q.levels[i]
		switch {
		case pl.kind == levelLiteral && ql.kind == levelLiteral:
			if pl.lit != ql.lit {
				return false
			}
		case i == 0 && (dollar(pl) || dollar(ql)):
			return false
		}
	}
}
