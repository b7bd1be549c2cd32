package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/simulate"
)

func init() {
	register("simulate", "publish a deterministic fleet of virtual sensors to MQTT", runSimulate)
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("simulate", "[flags]", stderr)
	broker := fs.String("broker", "tcp://127.0.0.1:1883", "MQTT broker `URL`: tcp://host:1883 or ssl://host:8883")
	username := fs.String("username", "", "MQTT username")
	password := fs.String("password", "", "MQTT password (default: $EDDY_MQTT_PASSWORD; prefer the variable, a flag shows in ps)")
	ca := fs.String("ca", "", "PEM `file` of the CA that signed the broker's certificate (default: the system roots)")
	cert := fs.String("cert", "", "PEM `file` of the client certificate, with --key")
	key := fs.String("key", "", "PEM `file` of the client key, with --cert")
	clientID := fs.String("client-id", "", "MQTT client id (default: eddy-simulate-<random>)")
	connectTimeout := fs.Duration("connect-timeout", 30*time.Second, "give up if the broker is not reachable within this")
	devices := fs.Int("devices", 100, "number of virtual devices")
	sites := fs.Int("sites", 1, "number of sites the devices are spread over")
	readings := fs.Int("readings", 60, "good readings per device")
	interval := fs.Duration("interval", time.Second, "event time between two readings of a device")
	disorder := fs.Duration("disorder", 2*time.Second, "maximum event-time disorder of the stream")
	start := fs.String("start", "now", "event time of the first reading: RFC 3339, Unix ms, or now (the agent rejects times over 1h past its clock)")
	seed := fs.Int64("seed", 1, "random seed; the same seed and flags give the same messages")
	dupRate := fs.Float64("dup-rate", 0.01, "fraction of messages that repeat an earlier one byte for byte")
	malformedRate := fs.Float64("malformed-rate", 0.005, "fraction of messages the agent must dead-letter")
	prefix := fs.String("prefix", simulate.DefaultPrefix, "topics are <prefix>/<site>/<device>/telemetry")
	qos := fs.Int("qos", 1, "MQTT QoS: 0, 1 or 2")
	rate := fs.Float64("rate", 0, "messages per second, 0 for as fast as the broker takes them")
	duration := fs.Duration("duration", 0, "stop after this long (0: when every reading is sent)")
	count := fs.Int64("count", 0, "stop after this many messages (0: when every reading is sent)")
	clockSkew := fs.Duration("clock-skew", 0, "set each device's clock off by a constant of its own, up to this much either way")
	dropoutRate := fs.Float64("dropout-rate", 0, "fraction of devices that drop out once and come back")
	dropoutReadings := fs.Int("dropout-readings", 10, "readings a device misses while it is out, with --dropout-rate")
	lateRate := fs.Float64("late-rate", 0, "fraction of readings sent late, after their window closed (kind late in the --events log)")
	lateBy := fs.Duration("late-by", 2*time.Minute, "how far beyond --disorder late readings come; at least the window + interval")
	progress := fs.Bool("progress", true, "show sent, rate and errors every second when stderr is a terminal")
	window := fs.Int("window", simulate.DefaultWindow, "messages in flight at once")
	events := fs.String("events", "", "write the messages sent to this `file` as JSON lines")
	printSQL := fs.Duration("sql", 0, "print the agent's SQL for this stream with tumbling windows of this size, and exit")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eddy simulate: unexpected argument %q; every setting is a flag (eddy help simulate)\n", fs.Arg(0))
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "eddy simulate: "+format+"\n", a...)
		return 1
	}

	startMs, err := parseStart(*start)
	if err != nil {
		return fail("--start: %v", err)
	}
	for name, d := range map[string]time.Duration{"interval": *interval, "disorder": *disorder, "sql": *printSQL, "clock-skew": *clockSkew, "late-by": *lateBy} {
		if d%time.Millisecond != 0 {
			return fail("--%s %v: use whole milliseconds", name, d)
		}
	}
	cfg := simulate.Config{
		Devices: *devices, Seed: *seed, Start: startMs, Interval: interval.Milliseconds(), Readings: *readings,
		Disorder: disorder.Milliseconds(), DupRate: *dupRate, MalformedRate: *malformedRate,
		TopicPrefix: *prefix, Sites: *sites, ClockSkew: clockSkew.Milliseconds(),
	}
	if *dropoutRate > 0 {
		cfg.DropoutRate, cfg.DropoutReadings = *dropoutRate, *dropoutReadings
	}
	if *lateRate > 0 {
		cfg.LateRate, cfg.LateBy = *lateRate, lateBy.Milliseconds()
	}
	if err := cfg.Validate(); err != nil {
		return fail("%v", err)
	}
	if *printSQL != 0 {
		if *printSQL < time.Millisecond {
			return fail("--sql %v: a window of at least 1ms", *printSQL)
		}
		fmt.Fprint(stdout, simulate.SQL(cfg, printSQL.Milliseconds()))
		return 0
	}
	if *qos < 0 || *qos > 2 {
		return fail("--qos %d: use 0, 1 or 2", *qos)
	}
	if *rate < 0 {
		return fail("--rate %v: use 0 (as fast as possible) or more", *rate)
	}
	if *count < 0 {
		return fail("--count %d: use 0 (the whole stream) or more", *count)
	}
	if *password == "" {
		*password = os.Getenv("EDDY_MQTT_PASSWORD")
	}
	opts := mqttconn.Options{Brokers: []string{*broker}, ClientID: *clientID, Username: *username, Password: *password,
		CAFile: *ca, CertFile: *cert, KeyFile: *key, ConnectTimeout: *connectTimeout}
	if u, err := url.Parse(*broker); err == nil {
		opts.ServerName = u.Hostname() // paho hands tls.Client no name of its own
	}
	var eventsFile *os.File
	if *events != "" {
		if eventsFile, err = os.Create(*events); err != nil {
			return fail("--events: %v", err)
		}
		defer eventsFile.Close()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dialCtx, cancelDial := context.WithTimeout(ctx, *connectTimeout)
	p, err := simulate.DialMQTT(dialCtx, opts, *window, 0, log)
	cancelDial()
	if err != nil {
		return fail("%v", err)
	}
	defer p.Close()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	g := simulate.New(cfg)
	if *count > 0 {
		g.Limit(*count)
	}
	var pub simulate.Publisher = p
	if *progress && isTerminal(stderr) {
		cp := &countingPublisher{MQTT: p}
		stopProgress := showProgress(stderr, cp.sent.Load, p.FailedAttempts, time.Second)
		pub = cp
		defer stopProgress()
	}
	st, err := simulate.Publish(ctx, pub, g, byte(*qos), *rate)
	stopped := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if stopped {
		err = nil
	}
	fmt.Fprintf(stdout, "eddy simulate: %v (%d devices, seed %d, start %s)\n", st, cfg.Devices, cfg.Seed,
		time.UnixMilli(startMs).UTC().Format(time.RFC3339Nano))
	if eventsFile != nil {
		if werr := simulate.WriteEvents(eventsFile, cfg, st.Total()); werr != nil {
			return fail("--events: %v", werr)
		}
		if cerr := eventsFile.Close(); cerr != nil {
			return fail("--events: %v", cerr)
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	return 0
}

// parseStart reads --start: now, Unix milliseconds, or an RFC 3339 time.
func parseStart(s string) (int64, error) {
	if strings.EqualFold(s, "now") {
		return time.Now().Truncate(time.Second).UnixMilli(), nil
	}
	var ms int64
	if _, err := fmt.Sscanf(s, "%d", &ms); err == nil && fmt.Sprint(ms) == s {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not now, Unix ms or an RFC 3339 time such as 2024-11-24T00:00:00Z", s)
	}
	return t.UnixMilli(), nil
}

// countingPublisher counts the messages handed to the MQTT publisher, for
// the progress line; it stays a Flusher so Publish still waits for every
// acknowledgement.
type countingPublisher struct {
	*simulate.MQTT
	sent atomic.Int64
}

func (c *countingPublisher) Publish(topic string, qos byte, payload []byte) error {
	if err := c.MQTT.Publish(topic, qos, payload); err != nil {
		return err
	}
	c.sent.Add(1)
	return nil
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress line that rewrites itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// showProgress rewrites one line on w every period with the messages sent,
// the rate over the last period and the failed connection attempts, until
// the returned function is called; that clears the line.
func showProgress(w io.Writer, sent, errs func() int64, period time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(period)
		defer tick.Stop()
		last, lastAt := int64(0), time.Now()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case now := <-tick.C:
				n := sent()
				fmt.Fprint(w, "\r\033[K"+progressLine(n, n-last, now.Sub(lastAt), errs()))
				last, lastAt = n, now
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// progressLine is the text of one progress update.
func progressLine(sent, delta int64, over time.Duration, errs int64) string {
	rate := 0.0
	if over > 0 {
		rate = float64(delta) / over.Seconds()
	}
	return fmt.Sprintf("eddy simulate: sent %d, %.0f msgs/s, %d connection errors", sent, rate, errs)
}
