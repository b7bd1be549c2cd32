package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"

	"github.com/eddy-iot/eddy/agent/pipeline"
	"github.com/eddy-iot/eddy/alerts"
	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/payload"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/sinks"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/forward"
)

// Runtime is a running agent (or `eddy run` pipeline): store, pipeline,
// inputs, forwarder, HTTP API and, with Settings.Control, the control
// connection. The store, the forwarder, the API and the control connection
// live as long as the Runtime; the pipeline and its inputs form a
// generation that an applied fleet document replaces (see Run).
type Runtime struct {
	// Pipeline is the pipeline Start built. After a fleet document was
	// applied it is replaced; use Current from other goroutines.
	Pipeline *pipeline.Pipeline
	Store    *store.Store
	// HTTPAddr is the address the API listens on ("" if disabled).
	HTTPAddr string

	s        Settings
	log      *slog.Logger
	fwd      *forward.Forwarder
	wg       sync.WaitGroup
	bgCancel context.CancelFunc
	api      swapHandler
	ctl      *control
	applyReq chan applyRequest
	alerts   *alerter // edge alert rules (alerting.go)

	mu      sync.Mutex
	gen     *generation
	applied appliedConfig
}

// Settings are what Start needs beyond the SQL: the composition of the
// agent config, or the flags of `eddy run`.
type Settings struct {
	ID      string
	DataDir string
	// Programs are SQL scripts: name (for error positions) → text, in order.
	// A fleet document applied earlier (stored in the state file) replaces
	// them.
	Programs []Program
	MQTT     mqttconn.Options // the data connection for MQTT sources
	Queue    int

	// QueueBytes bounds the MQTT input queue by size; 0 = ingest's default.
	QueueBytes int64
	// MemoryLimit, if > 0, is set as the Go runtime's soft memory limit
	// (debug.SetMemoryLimit) when the agent starts.
	MemoryLimit int64

	Kafka    kafkaconn.Options // SASL/TLS for Kafka sources and sinks; brokers from the SQL
	Store    store.Options
	Sync     *SyncConfig // nil: no forwarder
	HTTPAddr string
	Token    string
	// Pprof serves /debug/pprof/ on the API (HTTPConfig.Pprof).
	Pprof    bool
	Batch    int
	MaxBytes int
	// TableWindows is how many windows' worth of rows each windowed view
	// keeps for GET /v1/views (see pipeline.Options); 0 = 3.
	TableWindows int
	// Control is the fleet configuration connection; nil: none.
	Control *ControlSettings
	// Alerts are the local alert rules; nil: none (a fleet document may
	// bring some).
	Alerts *AlertSettings
	Stdout io.Writer // print sinks; nil = os.Stdout
	Logger *slog.Logger
	Now    func() int64
}

// Program is one SQL script.
type Program struct {
	Name string
	SQL  string
}

// Compile binds the programs into one catalog, with every error.
func Compile(progs []Program) (*sql.Catalog, error) {
	cat := sql.NewCatalog()
	var errs []error
	for _, p := range progs {
		if el := cat.Exec(p.Name, p.SQL); len(el) > 0 {
			errs = append(errs, el)
		}
	}
	return cat, errors.Join(errs...)
}

// generation is one pipeline with its inputs: what a fleet document
// replaces.
type generation struct {
	progs   []Program
	rules   []alerts.Rule // the edge alert rules evaluated on its views
	cat     *sql.Catalog
	pl      *pipeline.Pipeline
	mqttIn  *ingest.MQTT
	closers []func()
	in      chan ingest.Message
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Start opens the store, compiles and restores the pipeline, connects the
// inputs and starts the forwarder, the HTTP API and the control
// connection. Run the batch loop with Run; Close releases everything.
func Start(ctx context.Context, s Settings) (*Runtime, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Store.Path == "" {
		s.Store.Path = filepath.Join(s.DataDir, "eddy.db")
	}
	if s.MemoryLimit > 0 {
		debug.SetMemoryLimit(s.MemoryLimit)
	}
	st, err := store.Open(s.Store)
	if err != nil {
		return nil, fmt.Errorf("opening the state file %s: %w", s.Store.Path, err)
	}
	bg, cancel := context.WithCancel(context.Background())
	r := &Runtime{Store: st, s: s, log: s.Logger, bgCancel: cancel, applyReq: make(chan applyRequest)}
	ok := false
	defer func() {
		if !ok {
			r.Close()
		}
	}()
	progs, err := r.loadApplied()
	if err != nil {
		return nil, err
	}
	if progs == nil {
		progs = s.Programs
	}
	// loadApplied may have put a stored fleet document's sync settings in
	// r.s and reopened r.Store with its outbox settings.
	if r.s.Sync != nil && r.s.Sync.Enabled {
		f, err := forward.New(r.forwardConfig(r.s), outboxAdapter{r.Store})
		if err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
		r.fwd = f
	}
	g, err := r.build(progs, r.openSink)
	if err != nil {
		return nil, err
	}
	if err := r.startInputs(g); err != nil {
		discard(g.pl)
		return nil, err
	}
	r.setGen(g)
	if err := r.startAlerts(bg, g); err != nil {
		return nil, err
	}
	if r.fwd != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := r.fwd.Run(bg); err != nil && bg.Err() == nil {
				r.log.Error("forwarder stopped", "err", err)
			}
		}()
	}
	if s.HTTPAddr != "" {
		addr, err := serve(bg, s.HTTPAddr, &r.api, s.Logger)
		if err != nil {
			return nil, fmt.Errorf("http: %w", err)
		}
		r.HTTPAddr = addr
	}
	if s.Control != nil {
		c, err := startControl(r, *s.Control)
		if err != nil {
			return nil, fmt.Errorf("control: %w", err)
		}
		r.ctl = c
	}
	ok = true
	return r, nil
}

// build compiles progs and builds their pipeline on the open store; each
// view whose definition is unchanged restores its state (pipeline.New).
// open opens the sinks: the real ones, or validateSink for a dry run.
func (r *Runtime) build(progs []Program, open func(*sql.BoundSink) (sinks.Sink, error)) (*generation, error) {
	cat, err := Compile(progs)
	if err != nil {
		return nil, err
	}
	s := r.s
	popts := pipeline.Options{
		AgentID: s.ID, Store: r.Store, Logger: s.Logger, Now: s.Now,
		Payload:        payload.Options{MaxBytes: s.MaxBytes},
		Dedupe:         dedupeFromSQL(cat),
		OpenSink:       open,
		Outbox:         r.fwd != nil,
		BatchMaxEvents: s.Batch,
		TableWindows:   s.TableWindows,
	}
	if q := s.Store.Outbox.QuotaBytes; q > 0 {
		popts.MaxEntryBytes = int(min(q/16, 1<<20)) // many entries fit: drop_oldest drops a small part
	}
	if r.fwd != nil {
		popts.OnCommit = r.fwd.Notify
	}
	pl, err := pipeline.New(cat, popts)
	if err != nil {
		return nil, err
	}
	return &generation{progs: progs, cat: cat, pl: pl, in: make(chan ingest.Message, handoff)}, nil
}

// handoff is the channel between the inputs' pumps and the batch loop. The
// inputs' own queues (mqtt.queue_size) hold any backlog; a second queue as
// large would only double the memory held by waiting messages.
const handoff = 1024

func (r *Runtime) openSink(b *sql.BoundSink) (sinks.Sink, error) {
	o := &sinkOpener{stdout: r.s.Stdout, mqtt: r.s.MQTT, kafka: r.s.Kafka, log: r.s.Logger}
	return o.open(b)
}

// startInputs connects g's MQTT and Kafka inputs; their messages wait in
// g.in until the batch loop runs g.
func (r *Runtime) startInputs(g *generation) error {
	s := r.s
	ictx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	if subs := g.pl.Subscriptions(); len(subs) > 0 {
		mo := s.MQTT
		if len(mo.Brokers) == 0 {
			mo.Brokers = mqttURLsFromSQL(g.cat)
		}
		if mo.ClientID == "" {
			mo.ClientID = "eddy-" + s.ID
		}
		m, err := ingest.NewMQTT(mqttconn.Config{Options: mo, Logger: s.Logger}, subs,
			ingest.Queue{Messages: max(s.Queue, 1024), Bytes: s.QueueBytes}, s.Now)
		if err != nil {
			g.stopInputs()
			return fmt.Errorf("mqtt: %w", err)
		}
		g.mqttIn = m
		g.closers = append(g.closers, m.Close)
		g.pump(ictx, m.Messages())
	}
	for _, ks := range g.pl.KafkaSources() {
		ko := s.Kafka
		ko.Brokers = splitList(ks.Source.Options["properties.bootstrap.servers"])
		k, err := ingest.NewKafka(ictx, ingest.KafkaConfig{Kafka: ko, Topic: ks.Source.Topic, Next: ks.Next,
			StartLatest: isLatest(ks.Source.Options["scan.startup.mode"]), Now: s.Now, Logger: s.Logger})
		if err != nil {
			g.stopInputs()
			return fmt.Errorf("source %s: kafka: %w", ks.Source.Name, err)
		}
		g.closers = append(g.closers, k.Close)
		g.pump(ictx, k.Messages())
	}
	return nil
}

// pump forwards an input's messages into the batch loop's channel.
func (g *generation) pump(ctx context.Context, c <-chan ingest.Message) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-c:
				if !ok {
					return
				}
				select {
				case g.in <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
}

// stopInputs disconnects the inputs. Messages they delivered but the batch
// loop did not commit are never acknowledged, so the broker (or the stored
// Kafka offsets) delivers them again to the next generation.
func (g *generation) stopInputs() {
	if g.cancel != nil {
		g.cancel()
	}
	for _, c := range g.closers {
		c()
	}
	g.closers = nil
	g.wg.Wait()
}

// discard releases a pipeline that will never run: Run with an ended
// context starts and closes its sinks without reading or committing.
func discard(pl *pipeline.Pipeline) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = pl.Run(ctx, nil)
}

// setGen makes g the current generation and points the API at it.
func (r *Runtime) setGen(g *generation) {
	r.mu.Lock()
	r.gen = g
	r.Pipeline = g.pl
	r.mu.Unlock()
	set := metrics.NewSet()
	registerMetrics(set, g.pl, r.Store)
	srv := &server{pl: g.pl, st: r.Store, token: r.s.Token, pprof: r.s.Pprof, metrics: set, log: r.log}
	srv.extra = func() map[string]any {
		out := map[string]any{"config": r.ConfigStatus()}
		if r.fwd != nil {
			out["forwarder"] = r.fwd.Stats()
		}
		if st, ok := r.MQTTStats(); ok {
			out["mqtt"] = st
		}
		return out
	}
	h := srv.handler()
	r.api.h.Store(&h)
}

// Current returns the pipeline running now.
func (r *Runtime) Current() *pipeline.Pipeline {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen.pl
}

func (r *Runtime) current() *generation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen
}

// Run runs the batch loop until ctx ends. With a control connection it also
// handles configuration documents: an accepted one stops the loop at a
// batch boundary, replaces the pipeline and its inputs (Runtime.swap) and
// runs the loop again on the same store.
func (r *Runtime) Run(ctx context.Context) error {
	if r.ctl != nil {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); r.ctl.run(cctx) }()
		defer func() { cancel(); <-done }()
	}
	for {
		g := r.current()
		lctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- g.pl.Run(lctx, g.in) }()
		select {
		case err := <-done:
			stop()
			return err
		case req := <-r.applyReq:
			stop()
			// pipeline.Run returns between batches: what it processed is
			// committed and acknowledged, the rest was never acknowledged.
			if err := <-done; err != nil {
				req.reply <- fmt.Errorf("stopping the running pipeline: %w", err)
				return err
			}
			err, fatal := r.swap(req)
			req.reply <- err
			if fatal != nil {
				return fatal
			}
		}
	}
}

// Close stops the control connection, the inputs, the forwarder and the
// API, and closes the store.
func (r *Runtime) Close() {
	if r.ctl != nil {
		r.ctl.close()
	}
	if g := r.gen; g != nil {
		g.stopInputs()
	}
	if r.bgCancel != nil {
		r.bgCancel()
	}
	r.wg.Wait()
	if r.alerts != nil {
		r.alerts.close()
	}
	if r.Store != nil {
		_ = r.Store.Close()
	}
}

// swapHandler serves the current generation's API.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if h := s.h.Load(); h != nil {
		(*h).ServeHTTP(w, req)
		return
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// OutboxOf gives a forwarder the outbox of st, as the agent does.
func OutboxOf(st *store.Store) forward.Outbox { return outboxAdapter{st} }

// outboxAdapter gives the forwarder the store's outbox.
type outboxAdapter struct{ st *store.Store }

func (a outboxAdapter) Peek(maxEntries, maxBytes int) ([]forward.Entry, error) {
	es, err := a.st.Peek(maxEntries, int64(maxBytes))
	if err != nil {
		return nil, err
	}
	out := make([]forward.Entry, len(es))
	for i, e := range es {
		out[i] = forward.Entry{ID: packID(e.ID), Data: e.Payload}
	}
	return out, nil
}

func (a outboxAdapter) Ack(ids []uint64) error {
	out := make([]store.EntryID, len(ids))
	for i, id := range ids {
		out[i] = store.EntryID{Priority: store.Priority(id >> 56), Seq: id & (1<<56 - 1)}
	}
	return a.st.Ack(out...)
}

// packID folds an entry id into the forwarder's uint64: priority in the
// top byte, sequence below.
func packID(id store.EntryID) uint64 { return uint64(id.Priority)<<56 | id.Seq }

func isLatest(mode string) bool { return mode == "latest" || mode == "latest-offset" }

// mqttURLsFromSQL returns the url option of the first MQTT source that has
// one, for `eddy run` without a broker flag.
func mqttURLsFromSQL(cat *sql.Catalog) []string {
	for _, s := range cat.Sources() {
		if u := s.Options["url"]; s.Connector == "mqtt" && u != "" {
			return []string{u}
		}
	}
	return nil
}

// dedupeFromSQL reads the sources' device and sequence options.
func dedupeFromSQL(cat *sql.Catalog) map[string]pipeline.Dedupe {
	out := map[string]pipeline.Dedupe{}
	for _, s := range cat.Sources() {
		d := pipeline.Dedupe{Device: s.Options["device.column"], Sequence: s.Options["sequence.column"]}
		if d.Device != "" || d.Sequence != "" {
			out[s.Name] = d
		}
	}
	return out
}

// MQTTStats returns the MQTT input's counters; ok is false without MQTT
// sources.
func (r *Runtime) MQTTStats() (st ingest.Stats, ok bool) {
	g := r.current()
	if g == nil || g.mqttIn == nil {
		return st, false
	}
	return g.mqttIn.Stats(), true
}

// MQTTConnected reports whether the MQTT input is connected and its
// subscriptions were acknowledged.
func (r *Runtime) MQTTConnected() bool {
	st, ok := r.MQTTStats()
	return ok && st.Connected && st.Subscribed > 0
}
