package sql

import (
	"os"
	"regexp"
	"testing"
)

// TestDocsExamples runs every ```sql block of docs/SQL.md, each on a new
// catalog: the reference must only show SQL that works as written.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/SQL.md")
	if err != nil {
		t.Skip("docs/SQL.md not found:", err)
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 4 {
		t.Fatalf("%d sql blocks in docs/SQL.md", len(blocks))
	}
	for _, b := range blocks {
		if errs := NewCatalog().Exec("docs/SQL.md", b[1]); errs != nil {
			t.Errorf("%v\nin:\n%s", errs, b[1])
		}
	}
}
