package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/eddy-iot/eddy/aggregator"
)

func init() {
	register("aggregator", "run the central aggregator: eddy aggregator --config central.yaml", runAggregator)
}

func runAggregator(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("aggregator", "--config central.yaml", stderr)
	path := fs.String("config", "central.yaml", "the aggregator's YAML configuration")
	check := fs.Bool("check", false, "validate the configuration, the fleet views' SQL and the alert rules, then exit")
	createTopics := fs.Int("create-topics", 0, "create the results and checkpoints topics with this many partitions when missing (0: do not)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, err := aggregator.LoadConfig(*path)
	if err != nil {
		fmt.Fprintf(stderr, "eddy aggregator: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.Log.Level)
	if cfg.Log.Format == "json" {
		var l slog.Level
		_ = l.UnmarshalText([]byte(cfg.Log.Level))
		log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: l}))
	}
	if *check {
		if err := aggregator.CheckViews(cfg); err != nil {
			fmt.Fprintf(stderr, "eddy aggregator: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "%s: ok\n", *path)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := aggregator.New(ctx, cfg, aggregator.Options{Logger: log, CreateTopics: *createTopics})
	if err != nil {
		fmt.Fprintf(stderr, "eddy aggregator: %v\n", err)
		return 1
	}
	defer a.Close()
	addr, err := a.Serve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eddy aggregator: %v\n", err)
		return 1
	}
	if addr != "" {
		log.Info("serving", "dashboard", "http://"+addr+"/", "api", "http://"+addr+"/v1/",
			"alert_rules", len(cfg.Alerts.RuleList()), "notifiers", len(cfg.Alerts.Notifiers))
	}
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "eddy aggregator: %v\n", err)
		return 1
	}
	return 0
}
