package eval

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// likeRegexp translates a LIKE pattern to an anchored regular expression,
// independently of parseLike/likeMatch.
func likeRegexp(p string, fold bool) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString(`(?s)`)
	if fold {
		b.WriteString(`(?i)`)
	}
	b.WriteByte('^')
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		case '\\':
			if i+1 == len(rs) {
				return nil, false
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteByte('$')
	return regexp.MustCompile(b.String()), true
}

func TestLikeDifferential(t *testing.T) {
	alphabet := []rune{'a', 'b', 'A', '%', '_', '\\', 'é', 'É', '.', '*', '日'}
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int) string {
		rs := make([]rune, rng.IntN(n+1))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(rs)
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		p, s := gen(6), gen(8)
		for _, fold := range []bool{false, true} {
			re, ok := likeRegexp(p, fold)
			toks, ok2 := parseLike(p, nil)
			if ok != ok2 {
				t.Fatalf("pattern %q: regexp ok %v, parseLike ok %v", p, ok, ok2)
			}
			if !ok {
				continue
			}
			if want, got := re.MatchString(s), likeMatch(s, toks, fold); want != got {
				t.Fatalf("%q LIKE %q (fold %v) = %v, regexp says %v", s, p, fold, got, want)
			}
		}
	}
}

func TestLikeLongInput(t *testing.T) {
	// The greedy matcher backtracks only to the last %: a pathological
	// pattern stays fast.
	s := strings.Repeat("a", 10000)
	toks, _ := parseLike("%a%a%a%a%a%b", nil)
	if likeMatch(s, toks, false) {
		t.Fatal("matched")
	}
}
