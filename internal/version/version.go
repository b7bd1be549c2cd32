// Package version holds the build identity of the eddy binary. The values are
// stamped by the Makefile with -ldflags "-X ..."; a plain `go build` leaves the
// defaults, and Commit falls back to the VCS info Go embeds when it has it.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at link time by the Makefile.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// CommitID returns the stamped commit, else the one Go recorded at build time, else "unknown".
func CommitID() string {
	if Commit != "" {
		return Commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				return s.Value
			}
		}
	}
	return "unknown"
}

// String is the one-line identity printed by `eddy version`.
func String() string {
	s := fmt.Sprintf("eddy %s commit %s %s %s/%s", Version, CommitID(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if runtime.GOARCH == "arm" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, st := range bi.Settings {
				if st.Key == "GOARM" {
					s += " GOARM=" + st.Value
				}
			}
		}
	}
	if Date != "" {
		s += " built " + Date
	}
	return s
}
