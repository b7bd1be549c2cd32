package payload

import (
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// num is a parsed number: an integer literal that fits int64 keeps its exact
// value in i.
type num struct {
	i     int64
	f     float64
	isInt bool
}

// numErr says why a text is not an acceptable number.
type numErr uint8

const (
	numOK numErr = iota
	numSyntax
	numNonFinite
)

// parseNum parses the text of a JSON number, or a string holding one:
// [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa digit,
// surrounding blanks ignored. "NaN", "Inf", "Infinity" in any case and
// finite-looking texts that overflow float64 ("1e400") are numNonFinite.
// Hexadecimal, underscores and other spellings strconv would accept are
// numSyntax, because devices do not send them on purpose.
func parseNum(s string) (num, numErr) {
	s = trimBlank(s)
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	if body != "" && (body[0]|0x20 == 'n' || body[0]|0x20 == 'i') &&
		(strings.EqualFold(body, "nan") || strings.EqualFold(body, "inf") || strings.EqualFold(body, "infinity")) {
		return num{}, numNonFinite
	}
	digits, isInt, i := 0, true, 0
	for ; i < len(body) && isDigit(body[i]); i++ {
		digits++
	}
	if i < len(body) && body[i] == '.' {
		isInt = false
		for i++; i < len(body) && isDigit(body[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return num{}, numSyntax
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		isInt = false
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(body) && isDigit(body[i]); i++ {
			exp++
		}
		if exp == 0 {
			return num{}, numSyntax
		}
	}
	if i != len(body) {
		return num{}, numSyntax
	}
	if isInt {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return num{i: v, f: float64(v), isInt: true}, numOK
		}
		// Out of int64 range: still a valid (inexact) float.
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return num{}, numSyntax
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return num{}, numNonFinite
	}
	return num{f: f}, numOK
}

func trimBlank(s string) string {
	for s != "" && isBlank(s[0]) {
		s = s[1:]
	}
	for s != "" && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// asInt64 returns n as an exact int64: integer literals, and floats with no
// fractional part within int64 range ("3.0", "1e3").
func (n num) asInt64() (int64, bool) {
	if n.isInt {
		return n.i, true
	}
	if n.f != math.Trunc(n.f) || n.f < -(1<<63) || n.f >= 1<<63 {
		return 0, false
	}
	return int64(n.f), true
}

// b2s views b as a string without copying. The string must not outlive the
// next change to b: it is only passed to parsers that do not keep it.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
