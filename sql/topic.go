package sql

import (
	"strings"
)

// topicCaptures returns the named captures of an MQTT topic pattern
// ("sensors/{site}/{device}/telemetry" gives site, device), or a message
// saying what is wrong with the pattern. The rules are those of
// edge/topic, which compiles the pattern for routing: a capture is a whole
// level, "{name...}" (and "#") only as the last level, names are unique
// identifiers.
func topicCaptures(pattern string) ([]string, string) {
	if pattern == "" {
		return nil, "the topic is empty"
	}
	levels := strings.Split(pattern, "/")
	var names []string
	for i, lv := range levels {
		last := i == len(levels)-1
		switch {
		case lv == "+":
		case lv == "#":
			if !last {
				return nil, `"#" must be the last level of the topic`
			}
		case strings.HasPrefix(lv, "{") && strings.HasSuffix(lv, "}"):
			name := lv[1 : len(lv)-1]
			if rest, ok := strings.CutSuffix(name, "..."); ok {
				if !last {
					return nil, "{" + name + "} must be the last level of the topic"
				}
				name = rest
			}
			if !isCaptureName(name) {
				return nil, "capture {" + name + "} must be a name of letters, digits and _ not starting with a digit"
			}
			for _, n := range names {
				if strings.EqualFold(n, name) {
					return nil, "capture {" + name + "} appears twice"
				}
			}
			names = append(names, name)
		case strings.ContainsAny(lv, "{}+#"):
			return nil, "level " + `"` + lv + `"` + " mixes text with a wildcard or capture; a capture must be a whole level, as in sensors/{device}/telemetry"
		}
	}
	return names, ""
}

func isCaptureName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// topicPlaceholders returns the {field} names of a sink topic template
// ("alerts/{device}"), or a message when a brace is unbalanced.
func topicPlaceholders(tmpl string) ([]string, string) {
	var names []string
	for s := tmpl; ; {
		i := strings.IndexAny(s, "{}")
		if i < 0 {
			return names, ""
		}
		if s[i] == '}' {
			return nil, `unbalanced "}" in the topic`
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, `unbalanced "{" in the topic`
		}
		name := s[i+1 : i+j]
		if !isCaptureName(name) {
			return nil, "placeholder {" + name + "} must be a column name"
		}
		names = append(names, name)
		s = s[i+j+1:]
	}
}
