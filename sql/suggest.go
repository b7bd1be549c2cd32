package sql

import (
	"slices"
	"strings"
)

// closest returns the candidate nearest to word (case-insensitive edit
// distance), or "" when none is near enough to be a plausible typo: at most
// one edit for short words, two for longer ones, or a prefix relation.
func closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestD := "", 1<<30
	sorted := slices.Clone(candidates)
	slices.Sort(sorted) // deterministic among equal distances
	for _, c := range sorted {
		lc := strings.ToLower(c)
		d := editDistance(w, lc)
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	if len(w) > 4 {
		limit = 2
	}
	if len(w) > 8 {
		limit = 3
	}
	if bestD <= limit {
		return best
	}
	for _, c := range sorted {
		lc := strings.ToLower(c)
		if len(w) >= 3 && len(lc) >= 3 && (strings.HasPrefix(lc, w) || strings.HasPrefix(w, lc)) {
			return c
		}
	}
	return ""
}

// didYouMean returns `: did you mean "x"?` or "".
func didYouMean(word string, candidates []string) string {
	if c := closest(word, candidates); c != "" && !strings.EqualFold(c, word) {
		return `; did you mean "` + c + `"?`
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b over bytes. Inputs are
// names, short; long inputs are capped so a hostile text cannot make it
// quadratic in anything large.
func editDistance(a, b string) int {
	const max = 64
	if len(a) > max {
		a = a[:max]
	}
	if len(b) > max {
		b = b[:max]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
