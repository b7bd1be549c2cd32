package topic

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxLen is the longest topic filter MQTT can carry (a two-byte length).
const maxLen = 65535

type levelKind uint8

const (
	levelLiteral levelKind = iota
	levelOne               // "+" or "{name}"
	levelRest              // "#" or "{name...}"
)

type level struct {
	kind    levelKind
	lit     string // levelLiteral only
	capture bool   // "{name}" or "{name...}"
}

// Pattern is a compiled topic pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	src    string
	filter string
	levels []level
	names  []string
}

// Compile parses a topic pattern (see the package documentation). Errors
// wrap ErrPattern and name the offending level.
func Compile(pattern string) (*Pattern, error) {
	fail := func(format string, args ...any) (*Pattern, error) {
		return nil, fmt.Errorf("%w %q: %s", ErrPattern, pattern, fmt.Sprintf(format, args...))
	}
	switch {
	case pattern == "":
		return fail("empty; write a topic such as sensors/{device}/telemetry")
	case len(pattern) > maxLen:
		return fail("%d bytes long; MQTT allows at most %d", len(pattern), maxLen)
	case !utf8.ValidString(pattern):
		return fail("not valid UTF-8")
	case strings.IndexByte(pattern, 0) >= 0:
		return fail("contains a NUL character, which MQTT forbids")
	}
	p := &Pattern{src: pattern}
	var filter strings.Builder
	filter.Grow(len(pattern))
	rest, n := pattern, 0
	for more := true; more; n++ {
		var s string
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			s, rest = rest[:i], rest[i+1:]
		} else {
			s, more = rest, false
		}
		if n > 0 {
			filter.WriteByte('/')
		}
		lv, err := parseLevel(s)
		if err != nil {
			return fail("level %d %q: %s", n+1, s, err)
		}
		if lv.kind == levelRest && more {
			return fail("level %d %q matches all remaining levels, so it must be the last level", n+1, s)
		}
		if lv.capture {
			name := strings.TrimSuffix(s[1:len(s)-1], "...")
			for _, have := range p.names {
				if have == name {
					return fail("capture {%s} appears twice; give each capture its own name", name)
				}
			}
			p.names = append(p.names, name)
		}
		switch lv.kind {
		case levelOne:
			filter.WriteByte('+')
		case levelRest:
			filter.WriteByte('#')
		default:
			filter.WriteString(s)
		}
		p.levels = append(p.levels, lv)
	}
	p.filter = filter.String()
	return p, nil
}

// MustCompile is Compile for patterns known to be valid; it panics on error.
func MustCompile(pattern string) *Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return p
}

func parseLevel(s string) (level, error) {
	switch s {
	case "+":
		return level{kind: levelOne}, nil
	case "#":
		return level{kind: levelRest}, nil
	}
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) >= 2 {
		inner := s[1 : len(s)-1]
		kind := levelOne
		if name, ok := strings.CutSuffix(inner, "..."); ok {
			inner, kind = name, levelRest
		}
		if inner == "" {
			return level{}, fmt.Errorf("capture has no name; write {name}")
		}
		if !isIdent(inner) {
			return level{}, fmt.Errorf("capture name %q is not an identifier (letters, digits, '_', not starting with a digit)", inner)
		}
		return level{kind: kind, capture: true}, nil
	}
	if strings.ContainsAny(s, "+#") {
		return level{}, fmt.Errorf("'+' and '#' must be a whole level; split the level or match it with +")
	}
	if strings.ContainsAny(s, "{}") {
		return level{}, fmt.Errorf("a capture must be a whole level ({name} or {name...}); braces are not allowed in a literal level, match it with +")
	}
	return level{kind: levelLiteral, lit: s}, nil
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// String returns the pattern as written.
func (p *Pattern) String() string { return p.src }

// Filter returns the MQTT subscription filter: captures become "+" or "#".
func (p *Pattern) Filter() string { return p.filter }

// Names returns the capture names in the order Match appends them. The caller
// must not modify the slice.
func (p *Pattern) Names() []string { return p.names }

// Index returns the position of the named capture in Match's output, or -1.
func (p *Pattern) Index(name string) int {
	for i, n := range p.names {
		if n == name {
			return i
		}
	}
	return -1
}

// Match reports whether topic matches p and, if it does, appends the
// captures to dst in Names order and returns the extended slice; otherwise it
// returns dst unchanged. The captures are substrings of topic. Match does not
// allocate when dst has room for len(p.Names()) more strings.
func (p *Pattern) Match(dst []string, topic string) ([]string, bool) {
	return p.match(dst, topic, true)
}

// Matches reports whether topic matches p, without captures.
func (p *Pattern) Matches(topic string) bool {
	_, ok := p.match(nil, topic, false)
	return ok
}

func (p *Pattern) match(dst []string, topic string, keep bool) ([]string, bool) {
	if topic == "" || topic[0] == '$' && p.levels[0].kind != levelLiteral {
		return dst, false
	}
	base := len(dst)
	rest, more := topic, true
	for _, lv := range p.levels {
		if lv.kind == levelRest {
			if lv.capture && keep {
				if !more {
					rest = ""
				}
				dst = append(dst, rest)
			}
			return dst, true
		}
		if !more {
			return dst[:base], false
		}
		var s string
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			s, rest = rest[:i], rest[i+1:]
		} else {
			s, more = rest, false
		}
		if lv.kind == levelLiteral {
			if s != lv.lit {
				return dst[:base], false
			}
		} else if lv.capture && keep {
			dst = append(dst, s)
		}
	}
	if more {
		return dst[:base], false
	}
	return dst, true
}
