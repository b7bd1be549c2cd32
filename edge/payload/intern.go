package payload

import "strings"

// internMaxLen is the longest string the interner keeps. Longer strings are
// rarely repeated (messages, JSON documents) and would crowd out the short
// ones that are (device ids, sites, states).
const internMaxLen = 64

// interner turns byte slices that are only valid until the next parse into
// ordinary Go strings, returning the same string for repeated values, so
// that the steady state allocates nothing for the few distinct values a
// fleet sends. It is bounded: when full it starts over, so a stream of unique
// values costs one allocation each, as without it, and never unbounded
// memory.
type interner struct {
	m     map[string]string
	limit int
}

func newInterner(limit int) interner {
	if limit < 0 {
		return interner{}
	}
	return interner{m: make(map[string]string), limit: limit}
}

// get returns a string equal to view that the caller may keep; view itself
// may point into a buffer that will be overwritten.
func (in *interner) get(view string) string {
	if in.m == nil || len(view) > internMaxLen {
		return strings.Clone(view)
	}
	if s, ok := in.m[view]; ok {
		return s
	}
	if len(in.m) >= in.limit {
		clear(in.m)
	}
	s := strings.Clone(view)
	in.m[s] = s
	return s
}

func (in *interner) len() int { return len(in.m) }
