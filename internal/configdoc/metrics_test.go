package configdoc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
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

// TestOperationsListsEveryMetric: docs/OPERATIONS.md names every metric the
// agent and the aggregator register, so a new metric cannot go undocumented.
func TestOperationsListsEveryMetric(t *testing.T) {
	page, err := os.ReadFile("../../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"../../agent/http.go", "../../aggregator/aggregator.go"} {
		names := registered(t, file)
		if len(names) < 5 {
			t.Fatalf("%s: found %d metric names; the scan no longer sees how metrics are registered", file, len(names))
		}
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
	for _, file := range []string{"../../agent/http.go", "../../aggregator/aggregator.go"} {
		for _, n := range registered(t, file) {
			known[n] = true
		}
	}
	for _, m := range regexp.MustCompile(`\beddy_[a-z0-9_]+`).FindAllString(string(page), -1) {
		if !known[m] {
			t.Errorf("docs/OPERATIONS.md names %s, which neither agent/http.go nor aggregator/aggregator.go registers", m)
		}
	}
}
