package configdoc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// metricName is the name at the start of a string literal that registers
// a metric ("eddy_x_total" or `eddy_aggregator_results_total{outcome=%q}`).
var metricName = regexp.MustCompile(`^eddy_[a-z0-9_]+`)

// registered returns the metric names in the string literals of file.
func registered(t *testing.T, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				if m := metricName.FindString(s); m != "" {
					names = append(names, m)
				}
			}
		}
		return true
	})
	return names
}

// metricFiles are the Go files, tests excepted, that hold a metric name:
// every package of the module is scanned, so that a metric registered in a
// new place cannot go unseen.
func metricFiles(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if names := registered(t, path); len(names) > 0 {
			out[path] = names
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"../../agent/http.go", "../../aggregator/aggregator.go"} {
		if len(out[want]) < 5 {
			t.Fatalf("%s: found %d metric names; the scan no longer sees how metrics are registered", want, len(out[want]))
		}
	}
	return out
}

// TestOperationsListsEveryMetric: docs/OPERATIONS.md names every metric the
// agent and the aggregator register, so a new metric cannot go undocumented.
func TestOperationsListsEveryMetric(t *testing.T) {
	page, err := os.ReadFile("../../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	for file, names := range metricFiles(t) {
		for _, n := range names {
			if !strings.Contains(string(page), "`"+n+"`") && !strings.Contains(string(page), "`"+n+"{") {
				t.Errorf("docs/OPERATIONS.md does not describe %s (registered in %s)", n, file)
			}
		}
	}
}

// TestOperationsNamesNoUnknownMetric: every metric the page names exists.
func TestOperationsNamesNoUnknownMetric(t *testing.T) {
	page, err := os.ReadFile("../../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, names := range metricFiles(t) {
		for _, n := range names {
			known[n] = true
		}
	}
	for _, m := range regexp.MustCompile(`\beddy_[a-z0-9_]+`).FindAllString(string(page), -1) {
		if !known[m] {
			t.Errorf("docs/OPERATIONS.md names %s, which no Go file of the module registers", m)
		}
	}
}
