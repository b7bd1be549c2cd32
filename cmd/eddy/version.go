package main

import (
	"fmt"
	"io"

	"github.com/eddy-iot/eddy/internal/version"
)

func init() {
	register("version", "print version, commit, Go version and platform", func(args []string, stdout, stderr io.Writer) int {
		fs := newFlags("version", "", stderr)
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		fmt.Fprintln(stdout, version.String())
		return 0
	})
}
