package sql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexer turns SQL text into tokens. It never fails: a lexical error becomes
// a tokIllegal token carrying the message, and the parser reports it where
// it meets it. Every step consumes at least one byte, so it always ends.
type lexer struct {
	src       string
	off       int // byte offset of the next rune
	line, col int // position of the next rune
}

// tokenize returns every token of src followed by one tokEOF.
func tokenize(src string) []token {
	lx := &lexer{src: src, line: 1, col: 1}
	toks := make([]token, 0, len(src)/4+1)
	for {
		t := lx.next()
		toks = append(toks, t)
		if t.kind == tokEOF {
			return toks
		}
	}
}

func (lx *lexer) pos() Pos { return Pos{Line: lx.line, Col: lx.col, Offset: lx.off} }

// peek returns the rune at byte offset lx.off+ahead (ahead counts bytes, so
// only use it past ASCII), or -1 at the end.
func (lx *lexer) peek(ahead int) rune {
	i := lx.off + ahead
	if i >= len(lx.src) {
		return -1
	}
	if c := lx.src[i]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeRuneInString(lx.src[i:])
	return r
}

// advance consumes one rune.
func (lx *lexer) advance() {
	if lx.off >= len(lx.src) {
		return
	}
	c := lx.src[lx.off]
	size := 1
	if c >= utf8.RuneSelf {
		_, size = utf8.DecodeRuneInString(lx.src[lx.off:])
	}
	lx.off += size
	if c == '\n' {
		lx.line++
		lx.col = 1
	} else {
		lx.col++
	}
}

// skipSpace skips white space and comments. An unterminated block comment
// is returned as an illegal token.
func (lx *lexer) skipSpace() (token, bool) {
	for lx.off < len(lx.src) {
		c := lx.peek(0)
		switch {
		case c == '-' && lx.peek(1) == '-':
			for lx.off < len(lx.src) && lx.peek(0) != '\n' {
				lx.advance()
			}
		case c == '/' && lx.peek(1) == '*':
			start := lx.pos()
			lx.advance()
			lx.advance()
			depth := 1 // block comments nest, as in PostgreSQL
			for depth > 0 {
				if lx.off >= len(lx.src) {
					return token{kind: tokIllegal, text: "/*", pos: start,
						err: `unterminated comment: "/*" has no matching "*/"`}, true
				}
				switch {
				case lx.peek(0) == '*' && lx.peek(1) == '/':
					depth--
					lx.advance()
					lx.advance()
				case lx.peek(0) == '/' && lx.peek(1) == '*':
					depth++
					lx.advance()
					lx.advance()
				default:
					lx.advance()
				}
			}
		case unicode.IsSpace(c):
			lx.advance()
		default:
			return token{}, false
		}
	}
	return token{}, false
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// threeOps and twoOps are the multi-character operators, longest first.
var (
	threeOps = []string{"->>"}
	twoOps   = []string{"->", "||", "::", "<>", "!=", "<=", ">=", "=>"}
)

const oneOps = "+-*/%=<>(),;.[]"

func (lx *lexer) next() token {
	if t, ok := lx.skipSpace(); ok {
		return t
	}
	start := lx.pos()
	if lx.off >= len(lx.src) {
		return token{kind: tokEOF, pos: start}
	}
	c := lx.peek(0)
	switch {
	case isIdentStart(c):
		for isIdentPart(lx.peek(0)) {
			lx.advance()
		}
		w := lx.src[start.Offset:lx.off]
		return token{kind: tokWord, text: w, val: w, pos: start}
	case c == '"' || c == '`':
		return lx.quoted(start, c, tokQuoted)
	case c == '\'':
		return lx.quoted(start, c, tokString)
	case isDigit(c) || (c == '.' && isDigit(lx.peek(1))):
		return lx.number(start)
	}
	rest := lx.src[lx.off:]
	for _, ops := range [][]string{threeOps, twoOps} {
		for _, op := range ops {
			if strings.HasPrefix(rest, op) {
				for range op {
					lx.advance()
				}
				return token{kind: tokOp, text: op, pos: start}
			}
		}
	}
	if c < utf8.RuneSelf && strings.ContainsRune(oneOps, c) {
		lx.advance()
		return token{kind: tokOp, text: string(c), pos: start}
	}
	lx.advance()
	text := lx.src[start.Offset:lx.off]
	msg := "unexpected character " + quoteRune(text)
	switch c {
	case '?', '$':
		msg += ": query parameters are not supported; write the value"
	case '"', '`':
	case '!':
		msg += `: use NOT or "<>"`
	case '^':
		msg += ": use power(x, y)"
	case '{', '}':
		msg += ": braces belong inside a string, as in topic = 'sensors/{site}'"
	default:
		msg += ": expected a word, number, 'string' or operator"
	}
	return token{kind: tokIllegal, text: text, pos: start, err: msg}
}

func quoteRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return "(invalid UTF-8)"
	}
	return `"` + s + `"`
}

// quoted lexes 'string', "identifier" or `identifier`; the quote doubled
// inside stands for itself.
func (lx *lexer) quoted(start Pos, q rune, kind tokenKind) token {
	lx.advance()
	var b strings.Builder
	seg := lx.off
	for {
		if lx.off >= len(lx.src) {
			what := "string"
			if kind == tokQuoted {
				what = "quoted identifier"
			}
			return token{kind: tokIllegal, text: string(q), pos: start,
				err: "unterminated " + what + ": add the closing " + string(q)}
		}
		if lx.peek(0) == q {
			b.WriteString(lx.src[seg:lx.off])
			lx.advance()
			if lx.peek(0) != q {
				break
			}
			b.WriteRune(q)
			lx.advance()
			seg = lx.off
			continue
		}
		lx.advance()
	}
	t := token{kind: kind, text: lx.src[start.Offset:lx.off], val: b.String(), pos: start}
	if kind == tokQuoted && t.val == "" {
		t.kind, t.err = tokIllegal, "empty quoted identifier: write a name between the quotes"
	}
	return t
}

// number lexes 123, 1.5, .5, 1., 1e3, 1.5E-3. A letter right after a number
// is an error ("12abc"), not two tokens.
func (lx *lexer) number(start Pos) token {
	for isDigit(lx.peek(0)) {
		lx.advance()
	}
	if lx.peek(0) == '.' && lx.peek(1) != '.' {
		lx.advance()
		for isDigit(lx.peek(0)) {
			lx.advance()
		}
	}
	if e := lx.peek(0); e == 'e' || e == 'E' {
		n := 1
		if s := lx.peek(1); s == '+' || s == '-' {
			n = 2
		}
		if isDigit(lx.peek(n)) {
			for range n {
				lx.advance()
			}
			for isDigit(lx.peek(0)) {
				lx.advance()
			}
		}
	}
	text := lx.src[start.Offset:lx.off]
	if isIdentPart(lx.peek(0)) {
		for isIdentPart(lx.peek(0)) {
			lx.advance()
		}
		bad := lx.src[start.Offset:lx.off]
		return token{kind: tokIllegal, text: bad, pos: start,
			err: "invalid number " + `"` + clip(bad) + `"` + ": put a space between a number and a word, or quote the identifier"}
	}
	return token{kind: tokNumber, text: text, val: text, pos: start}
}
