package testenv

import (
	"fmt"
	"os"
	"testing"
)

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recorder is a testing.TB whose Fatalf records instead of stopping the
// goroutine, to test helpers' failure paths.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func itoa(i int) string { return fmt.Sprint(i) }
