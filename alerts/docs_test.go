package alerts

import (
	"os"
	"regexp"
	"testing"

	"github.com/eddy-iot/eddy/sql"
)

// TestDocsExamples: the rule file and SQL of docs/ALERTS.md compile together.
func TestDocsExamples(t *testing.T) {
	b, err := os.ReadFile("../docs/ALERTS.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := func(lang string) []string {
		var out []string
		for _, m := range regexp.MustCompile("(?s)```"+lang+"\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
		return out
	}
	cat := sql.NewCatalog()
	for _, s := range blocks("sql") {
		if errs := cat.Exec("ALERTS.md", s); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	yamls := blocks("yaml")
	if len(yamls) == 0 {
		t.Fatal("no yaml example")
	}
	for _, y := range yamls {
		rules, err := ParseRules([]byte(y), "ALERTS.md")
		if err != nil {
			t.Fatal(err)
		}
		e, err := New(rules, ViewsOf(cat))
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Rules()) != 5 {
			t.Fatalf("%d rules", len(e.Rules()))
		}
	}
}
