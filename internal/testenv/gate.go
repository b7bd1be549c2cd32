package testenv

import (
	"os"
	"strconv"
	"testing"
)

// verdict is what a test does about a broker variable.
type verdict int

const (
	use  verdict = iota // the variable is set: use it
	skip                // -short, or a local run without brokers
	fail                // CI without brokers: a silent skip would hide the gap
)

// decide is the rule described in the package doc, kept pure for testing.
func decide(short bool, ci string, set bool) verdict {
	switch {
	case short:
		return skip
	case set:
		return use
	case isTrue(ci):
		return fail
	default:
		return skip
	}
}

func isTrue(s string) bool {
	b, err := strconv.ParseBool(s)
	return err == nil && b
}

// need returns the value of the environment variable key, or skips or fails t
// as decide says.
func need(t testing.TB, key string) string {
	t.Helper()
	v := os.Getenv(key)
	switch decide(testing.Short(), os.Getenv("CI"), v != "") {
	case use:
		return v
	case fail:
		t.Fatalf("testenv: %s is not set but CI=true: broker tests must run in CI. "+
			"Run them via `make test` or `scripts/testenv.sh run -- go test ./...`", key)
	default:
		if testing.Short() {
			t.Skip("testenv: broker test skipped under -short")
		}
		t.Skipf("testenv: %s is not set: skipping broker test. "+
			"Run via `make test` or `scripts/testenv.sh run -- go test ./...` to include it", key)
	}
	return ""
}
