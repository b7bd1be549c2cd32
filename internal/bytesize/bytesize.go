// Package bytesize parses the sizes written in Eddy's configuration files:
// 1048576, 512KiB, 64MiB, 1GiB, 10MB, 1kb (binary and decimal units, any
// case). It is a leaf: the agent's config and the alert rules share it.
package bytesize

import (
	"fmt"
	"strconv"
	"strings"
)

var units = []struct {
	suffix string
	mult   int64
}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"b", 1}}

// Parse returns the number of bytes s names.
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	lower := strings.ToLower(t)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || !(f >= 0) || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a size (write for example 1048576, 512KiB, 64MiB, 1GiB)", s)
	}
	return int64(f * float64(mult)), nil
}
