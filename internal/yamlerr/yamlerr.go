// Package yamlerr turns the errors of a strict yaml.v3 decode into lines a
// user can act on: "file:line: message", unknown keys named as such with a
// pointer to the page that lists the valid ones, YAML tags (!!str, !!seq)
// in plain words. The agent's config, the aggregator's config and alert rule
// files all report their errors this way.
package yamlerr

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	lineRE     = regexp.MustCompile(`line (\d+): (.*)`)
	notFoundRE = regexp.MustCompile(`field (\S+) not found in type .*`)
	words      = strings.NewReplacer("!!str", "text", "!!seq", "a list", "!!map", "a map",
		"into []string", "into a list (write [a, b])")
)

// Lines rewrites err, from decoding the file name, as one line per problem.
// docs names the page listing the valid keys (for example docs/CONFIG.md).
func Lines(name, docs string, err error) string {
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "yaml: unmarshal errors:" {
			continue
		}
		l = strings.TrimPrefix(l, "yaml: ")
		if m := lineRE.FindStringSubmatch(l); m != nil {
			msg := notFoundRE.ReplaceAllString(m[2], "unknown key \"$1\" (check the spelling; see "+docs+")")
			lines = append(lines, fmt.Sprintf("%s:%s: %s", name, m[1], words.Replace(msg)))
			continue
		}
		lines = append(lines, name+": "+l)
	}
	return strings.Join(lines, "\n")
}
