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

// CI reports whether the tests run in CI (CI=true, 1, ...: strconv.ParseBool).
// There, a test that lacks a tool or a broker fails instead of skipping: a
// green CI must have run everything.
func CI() bool { return isTrue(os.Getenv("CI")) }

// NeedTool skips t when a tool it needs is missing (present is false), or
// fails it under CI; install says how to get the tool.
func NeedTool(t testing.TB, present bool, what, install string) {
	t.Helper()
	if present {
		return
	}
	if CI() {
		t.Fatalf("%s is missing and CI=true, so this test must run: %s", what, install)
	}
	t.Skipf("%s is missing: skipped (%s)", what, install)
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
