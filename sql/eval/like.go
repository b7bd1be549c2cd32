package eval

import (
	"unicode"
	"unicode/utf8"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// LIKE matches a whole string against a pattern where % is any run of
// characters, _ is one character (a code point), and \ escapes the next
// character, as PostgreSQL's default ESCAPE '\'. A pattern ending with the
// escape character fails with ErrArgument. ILIKE folds case (Unicode
// simple folding). A constant pattern is parsed once.

type likeTok struct {
	kind byte // 'c' literal rune, '_' one rune, '%' any run
	r    rune
}

// parseLike turns a pattern into tokens; consecutive % collapse.
func parseLike(p string, dst []likeTok) ([]likeTok, bool) {
	dst = dst[:0]
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		i += n
		switch r {
		case '%':
			if len(dst) == 0 || dst[len(dst)-1].kind != '%' {
				dst = append(dst, likeTok{kind: '%'})
			}
		case '_':
			dst = append(dst, likeTok{kind: '_'})
		case '\\':
			if i >= len(p) {
				return dst, false
			}
			r, n = utf8.DecodeRuneInString(p[i:])
			i += n
			dst = append(dst, likeTok{kind: 'c', r: r})
		default:
			dst = append(dst, likeTok{kind: 'c', r: r})
		}
	}
	return dst, true
}

func runeEq(a, b rune, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// likeMatch matches s against toks with the classic greedy algorithm that
// backtracks only to the last %: O(len(s)·len(toks)) at worst, without
// allocation.
func likeMatch(s string, toks []likeTok, fold bool) bool {
	si, ti := 0, 0
	starTok, starS := -1, 0
	for si < len(s) {
		r, n := utf8.DecodeRuneInString(s[si:])
		if ti < len(toks) {
			switch t := toks[ti]; t.kind {
			case '%':
				starTok, starS = ti, si
				ti++
				continue
			case '_':
				si += n
				ti++
				continue
			default:
				if runeEq(r, t.r, fold) {
					si += n
					ti++
					continue
				}
			}
		}
		if starTok < 0 {
			return false
		}
		// Let the last % absorb one more character and retry.
		_, n = utf8.DecodeRuneInString(s[starS:])
		starS += n
		si, ti = starS, starTok+1
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

func compileLike(op sql.Op, x, pat node) node {
	x, pat = as(x, sql.TypeString), as(pat, sql.TypeString)
	not := op == sql.OpNotLike || op == sql.OpNotILike
	fold := op == sql.OpILike || op == sql.OpNotILike
	xf := x.f
	if pat.konst {
		if pat.v.Kind != windows.KindString {
			return constNode(windows.Null, sql.TypeBool)
		}
		toks, ok := parseLike(pat.v.S, nil)
		pattern := pat.v.S
		return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
			v := xf(env)
			if v.Kind != windows.KindString {
				return windows.Null
			}
			if !ok {
				env.failf(ErrArgument, "LIKE pattern %s must not end with the escape character \\", clip(pattern))
				return windows.Null
			}
			return windows.Bool(likeMatch(v.S, toks, fold) != not)
		}}
	}
	pf := pat.f
	return node{t: sql.TypeBool, f: func(env *Env) windows.Value {
		v, p := xf(env), pf(env)
		if v.Kind != windows.KindString || p.Kind != windows.KindString {
			return windows.Null
		}
		var buf [32]likeTok
		toks, ok := parseLike(p.S, buf[:0])
		if !ok {
			env.failf(ErrArgument, "LIKE pattern %s must not end with the escape character \\", clip(p.S))
			return windows.Null
		}
		return windows.Bool(likeMatch(v.S, toks, fold) != not)
	}}
}
