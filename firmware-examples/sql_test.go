package firmwareexamples

import (
	"os"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/agent"
)

// TestSQLBinds: eddy.sql, which every README points to, is a valid program.
func TestSQLBinds(t *testing.T) {
	b, err := os.ReadFile("eddy.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Compile([]agent.Program{{Name: "eddy.sql", SQL: string(b)}}); err != nil {
		t.Fatal(err)
	}
}

// TestREADMEShowsTheSQL: the README's SQL block is eddy.sql without its
// header comment, so the page cannot drift from the file the tests run.
func TestREADMEShowsTheSQL(t *testing.T) {
	sqlFile, err := os.ReadFile("eddy.sql")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	body := string(sqlFile)
	body = body[strings.Index(body, "CREATE SOURCE"):]
	if !strings.Contains(string(readme), "```sql\n"+body+"```\n") {
		t.Errorf("README.md's SQL block is not eddy.sql from CREATE SOURCE on; copy it again")
	}
}
