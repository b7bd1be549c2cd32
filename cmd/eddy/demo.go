//go:build demo

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/eddy-iot/eddy/demo"
)

func init() {
	register("demo", "the whole system on one machine: embedded brokers, a simulated fleet, two agents, the aggregator and the dashboard", runDemo)
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "[flags]", stderr)
	addr := fs.String("http", "127.0.0.1:8080", "address of the dashboard")
	devices := fs.Int("devices", 40, "simulated devices per plant")
	dir := fs.String("data-dir", "", "where state files go (default: a temporary directory, removed at the end)")
	level := fs.String("log-level", "warn", "debug, info, warn or error")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := demo.Run(ctx, demo.Options{HTTPAddr: *addr, Devices: *devices, Dir: *dir, Logger: newLogger(stderr, *level),
		Stdout: io.Discard, Ready: func(url string) {
			fmt.Fprintf(stdout, "Eddy demo is running.\n  dashboard: %s\n  (embedded MQTT and a Kafka-compatible broker for development; production uses real Kafka)\nCtrl-C stops it.\n", url)
		}})
	if err != nil {
		fmt.Fprintf(stderr, "eddy demo: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "Eddy demo stopped.")
	return 0
}
