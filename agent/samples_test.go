package agent

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSinkSamplesBind: every sink folder has a README and a sample.sql that
// eddy accepts as written.
func TestSinkSamplesBind(t *testing.T) {
	dirs, err := filepath.Glob("../sinks/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		n++
		if _, err := os.Stat(filepath.Join(d, "README.md")); err != nil {
			t.Errorf("%s has no README.md", d)
		}
		b, err := os.ReadFile(filepath.Join(d, "sample.sql"))
		if err != nil {
			t.Errorf("%s has no sample.sql", d)
			continue
		}
		if _, err := Compile([]Program{{Name: filepath.Join(d, "sample.sql"), SQL: string(b)}}); err != nil {
			t.Errorf("%v", err)
		}
	}
	if n < 5 {
		t.Fatalf("found %d sink folders, want at least 5", n)
	}
}
