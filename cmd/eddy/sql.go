package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/eddy-iot/eddy/sql"
)

func init() {
	register("sql", "check SQL files and print their plans (sql check FILE..., sql explain FILE)", runSQL)
}

const sqlUsage = `Usage:
  eddy sql check FILE...          check the files, one pipeline executed in the order given;
                                  exit 1 with every error as file:line:col: message
  eddy sql explain [-name N] FILE print the plan of every materialized view and sink (or of N)
`

func runSQL(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, sqlUsage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, sqlUsage)
		return 0
	case "check":
		return sqlCheck(args[1:], stdout, stderr)
	case "explain":
		return sqlExplain(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "eddy sql: unknown subcommand %q\n%s", args[0], sqlUsage)
	return 2
}

// loadSQL executes the files in order on one catalog and writes every
// error to stderr. It returns false when a file could not be read or had
// errors.
func loadSQL(files []string, stderr io.Writer) (*sql.Catalog, []sql.Result, bool) {
	c := sql.NewCatalog()
	var results []sql.Result
	ok := true
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "eddy sql: %v\n", err)
			ok = false
			continue
		}
		for _, e := range c.Exec(f, string(src)) {
			fmt.Fprintln(stderr, e.Error())
			ok = false
		}
		results = append(results, c.Results()...)
	}
	return c, results, ok
}

func sqlCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sql check", "FILE...", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if _, _, ok := loadSQL(fs.Args(), stderr); !ok {
		return 1
	}
	return 0
}

func sqlExplain(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sql explain", "[-name N] FILE...", stderr)
	name := fs.String("name", "", "print only the plan of this source, materialized view or sink")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	c, results, ok := loadSQL(fs.Args(), stderr)
	if !ok {
		return 1
	}
	if *name != "" {
		lines, found := c.Explain(*name)
		if !found {
			fmt.Fprintf(stderr, "eddy sql explain: no source, materialized view or sink %q in %s\n", *name, strings.Join(fs.Args(), ", "))
			return 1
		}
		fmt.Fprintln(stdout, strings.Join(lines, "\n"))
		return 0
	}
	for i, plan := range c.Plan() {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintln(stdout, strings.Join(plan, "\n"))
	}
	// The EXPLAIN and SHOW statements of the files print too.
	for _, r := range results {
		fmt.Fprintf(stdout, "\n-- %s\n%s\n", r.Stmt.String(), strings.Join(r.Lines, "\n"))
	}
	return 0
}
