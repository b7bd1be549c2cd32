//go:build !demo

package main

import (
	"fmt"
	"io"
)

// The release binaries leave the demo out: its embedded MQTT and Kafka
// brokers would add about 5 MB to every gateway's binary. `make demo`
// builds with -tags demo.
func init() {
	register("demo", "the whole system on one machine (in builds with -tags demo: run `make demo`)", func(_ []string, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "eddy demo: this build leaves the demo out (it keeps gateway binaries small); run `make demo`, which builds bin/eddy-demo with -tags demo")
		return 2
	})
}
