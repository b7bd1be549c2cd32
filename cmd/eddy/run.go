package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/internal/mqttconn"
)

func init() {
	register("run", "run a SQL file as a standalone pipeline (state in --data-dir, rows at GET /v1/views/{name})", runPipeline)
	register("agent", "run the edge agent: eddy agent --config agent.yaml", runAgent)
}

func runPipeline(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", "[flags] FILE.sql ...", stderr)
	dataDir := fs.String("data-dir", "data", "directory of the state file (eddy.db)")
	httpAddr := fs.String("http", "127.0.0.1:8080", "address of the HTTP API; empty disables it")
	id := fs.String("id", "eddy-run", "name of this pipeline in results and the MQTT client id")
	broker := fs.String("mqtt", "", "MQTT broker URL for MQTT sources without a url option (tcp:// or ssl://)")
	user := fs.String("mqtt-username", "", "MQTT username (password from EDDY_MQTT_PASSWORD)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	tableWindows := fs.Int("table-windows", 100, "windows' worth of rows each windowed view keeps for GET /v1/views")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	var progs []agent.Program
	for _, f := range fs.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: %v\n", err)
			return 1
		}
		progs = append(progs, agent.Program{Name: f, SQL: string(b)})
	}
	log := newLogger(stderr, *logLevel)
	mo := mqttconn.Options{Username: *user, Password: os.Getenv("EDDY_MQTT_PASSWORD"), ClientID: *id}
	if *broker != "" {
		mo.Brokers = []string{*broker}
	}
	token := os.Getenv("EDDY_HTTP_TOKEN")
	if *httpAddr != "" && token == "" && !agent.IsLoopback(*httpAddr) {
		fmt.Fprintf(stderr, "eddy run: --http %s is not a loopback address: set EDDY_HTTP_TOKEN so the API requires a bearer token\n", *httpAddr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rt, err := agent.Start(ctx, agent.Settings{ID: *id, DataDir: *dataDir, Programs: progs, MQTT: mo,
		HTTPAddr: *httpAddr, Token: token, Stdout: stdout, Logger: log, TableWindows: *tableWindows})
	if err != nil {
		fmt.Fprintf(stderr, "eddy run: %v\n", err)
		return 1
	}
	defer rt.Close()
	if rt.HTTPAddr != "" {
		log.Info("serving", "http", "http://"+rt.HTTPAddr+"/v1/views")
	}
	if err := rt.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "eddy run: %v\n", err)
		return 1
	}
	return 0
}

func runAgent(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("agent", "--config agent.yaml", stderr)
	path := fs.String("config", "agent.yaml", "the agent's YAML configuration")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, err := agent.LoadConfig(*path)
	if err != nil {
		fmt.Fprintf(stderr, "eddy agent: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.Log.Level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rt, err := agent.Start(ctx, cfg.Settings(log, stdout))
	if err != nil {
		fmt.Fprintf(stderr, "eddy agent: %v\n", err)
		return 1
	}
	defer rt.Close()
	if err := rt.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "eddy agent: %v\n", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
