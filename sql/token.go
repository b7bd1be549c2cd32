package sql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind classifies a token. Keywords are not a kind of their own: a
// keyword is an unquoted word, recognised by the parser where the grammar
// expects it, so that most keywords (key, value, timestamp, topic, offset,
// format, ...) stay usable as column names.
type tokenKind uint8

const (
	tokEOF     tokenKind = iota
	tokWord              // unquoted identifier or keyword
	tokQuoted            // "quoted" or `backticked` identifier
	tokString            // 'string literal'
	tokNumber            // 42, 4.2, .5, 1e-3
	tokOp                // operator or punctuation; text holds it
	tokIllegal           // lexical error; err says what is wrong
)

type token struct {
	kind tokenKind
	text string // the source text of the token
	val  string // decoded: word or identifier without quotes, string content
	pos  Pos
	err  string // tokIllegal only
}

// is reports whether t is the unquoted keyword kw (upper case).
func (t token) is(kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// isOp reports whether t is the operator or punctuation op.
func (t token) isOp(op string) bool { return t.kind == tokOp && t.text == op }

// describe quotes t for an error message: `")"`, `"FROM"`, `'abc'`, or
// "end of input".
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return "'" + clip(t.val) + "'"
	}
	return strconv.Quote(clip(t.text))
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 32
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// reserved words cannot be column names or aliases without quotes, because
// they end or start a clause. Everything else a keyword may be is
// contextual.
var reserved = map[string]bool{
	"ALL": true, "AND": true, "AS": true, "BETWEEN": true, "BY": true,
	"CASE": true, "CAST": true, "CREATE": true, "CROSS": true, "DISTINCT": true,
	"DROP": true, "ELSE": true, "EMIT": true, "END": true, "EXCEPT": true,
	"EXPLAIN": true, "FALSE": true, "FROM": true, "FULL": true, "GROUP": true,
	"HAVING": true, "ILIKE": true, "IN": true, "INNER": true, "INSERT": true,
	"INTERSECT": true, "INTO": true, "IS": true, "JOIN": true, "LEFT": true,
	"LIKE": true, "LIMIT": true, "NATURAL": true, "NOT": true, "NULL": true,
	"ON": true, "OR": true, "ORDER": true, "OUTER": true, "RIGHT": true,
	"SELECT": true, "SHOW": true, "TABLE": true, "THEN": true, "TRUE": true,
	"UNION": true, "USING": true, "WHEN": true, "WHERE": true, "WITH": true,
}

// isReserved reports whether word (any case) is reserved.
func isReserved(word string) bool { return reserved[strings.ToUpper(word)] }

// statementStart words begin a statement; error recovery stops before them
// so that a missing ";" costs one error, not the next statement too.
var statementStart = map[string]bool{
	"CREATE": true, "DROP": true, "SHOW": true, "EXPLAIN": true, "INSERT": true,
}
