package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/VictoriaMetrics/metrics"

	"github.com/eddy-iot/eddy/agent/pipeline"
	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/payload"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/forward"
)

// Runtime is a running agent (or `eddy run` pipeline): store, pipeline,
// inputs, forwarder and HTTP API.
type Runtime struct {
	Pipeline *pipeline.Pipeline
	Store    *store.Store
	// HTTPAddr is the address the API listens on ("" if disabled).
	HTTPAddr string

	log      *slog.Logger
	inputs   []func() // closers
	in       chan ingest.Message
	fwd      *forward.Forwarder
	wg       sync.WaitGroup
	mqttIn   *ingest.MQTT
	cancelIn context.CancelFunc
}

// Settings are what Start needs beyond the SQL: the composition of the
// agent config, or the flags of `eddy run`.
type Settings struct {
	ID      string
	DataDir string
	// Programs are SQL scripts: name (for error positions) → text, in order.
	Programs []Program
	MQTT     mqttconn.Options // the data connection for MQTT sources
	Queue    int
	Kafka    kafkaconn.Options // SASL/TLS for Kafka sources and sinks; brokers from the SQL
	Store    store.Options
	Sync     *SyncConfig // nil: no forwarder
	HTTPAddr string
	Token    string
	Batch    int
	MaxBytes int
	// TableWindows is how many windows' worth of rows each windowed view
	// keeps for GET /v1/views (see pipeline.Options); 0 = 3.
	TableWindows int
	Stdout       io.Writer // print sinks; nil = os.Stdout
	Logger       *slog.Logger
	Now          func() int64
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

// Start opens the store, compiles and restores the pipeline, connects the
// inputs and starts the forwarder and the HTTP API. Run the batch loop
// with Run; Close releases everything.
func Start(ctx context.Context, s Settings) (*Runtime, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	cat, err := Compile(s.Programs)
	if err != nil {
		return nil, err
	}
	if s.Store.Path == "" {
		s.Store.Path = filepath.Join(s.DataDir, "eddy.db")
	}
	st, err := store.Open(s.Store)
	if err != nil {
		return nil, fmt.Errorf("opening the state file %s: %w", s.Store.Path, err)
	}
	r := &Runtime{Store: st, log: s.Logger}
	ok := false
	defer func() {
		if !ok {
			r.Close()
		}
	}()
	opener := &sinkOpener{stdout: s.Stdout, mqtt: s.MQTT, kafka: s.Kafka, log: s.Logger}
	popts := pipeline.Options{
		AgentID: s.ID, Store: st, Logger: s.Logger, Now: s.Now,
		Payload:        payload.Options{MaxBytes: s.MaxBytes},
		Dedupe:         dedupeFromSQL(cat),
		OpenSink:       opener.open,
		Outbox:         s.Sync != nil && s.Sync.Enabled,
		BatchMaxEvents: s.Batch,
		TableWindows:   s.TableWindows,
	}
	if popts.Outbox {
		f, err := forward.New(r.forwardConfig(s), outboxAdapter{st})
		if err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
		r.fwd = f
		popts.OnCommit = f.Notify
	}
	pl, err := pipeline.New(cat, popts)
	if err != nil {
		return nil, err
	}
	r.Pipeline = pl
	r.in = make(chan ingest.Message, max(s.Queue, 1024))
	ictx, cancel := context.WithCancel(context.Background())
	r.cancelIn = cancel

	if subs := pl.Subscriptions(); len(subs) > 0 {
		mo := s.MQTT
		if len(mo.Brokers) == 0 {
			mo.Brokers = mqttURLsFromSQL(cat)
		}
		if mo.ClientID == "" {
			mo.ClientID = "eddy-" + s.ID
		}
		m, err := ingest.NewMQTT(mqttconn.Config{Options: mo, Logger: s.Logger}, subs, max(s.Queue, 1024), s.Now)
		if err != nil {
			return nil, fmt.Errorf("mqtt: %w", err)
		}
		r.mqttIn = m
		r.inputs = append(r.inputs, m.Close)
		r.pump(ictx, m.Messages())
	}
	for _, ks := range pl.KafkaSources() {
		ko := s.Kafka
		ko.Brokers = splitList(ks.Source.Options["properties.bootstrap.servers"])
		k, err := ingest.NewKafka(ictx, ingest.KafkaConfig{Kafka: ko, Topic: ks.Source.Topic, Next: ks.Next,
			StartLatest: isLatest(ks.Source.Options["scan.startup.mode"]), Now: s.Now, Logger: s.Logger})
		if err != nil {
			return nil, fmt.Errorf("source %s: kafka: %w", ks.Source.Name, err)
		}
		r.inputs = append(r.inputs, k.Close)
		r.pump(ictx, k.Messages())
	}
	if r.fwd != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := r.fwd.Run(ictx); err != nil && ictx.Err() == nil {
				r.log.Error("forwarder stopped", "err", err)
			}
		}()
	}
	if s.HTTPAddr != "" {
		set := metrics.NewSet()
		registerMetrics(set, pl, st)
		srv := &server{pl: pl, st: st, token: s.Token, metrics: set, log: s.Logger}
		srv.extra = func() map[string]any {
			out := map[string]any{}
			if r.fwd != nil {
				out["forwarder"] = r.fwd.Stats()
			}
			if st, ok := r.MQTTStats(); ok {
				out["mqtt"] = st
			}
			return out
		}
		addr, err := serve(ictx, s.HTTPAddr, srv.handler(), s.Logger)
		if err != nil {
			return nil, fmt.Errorf("http: %w", err)
		}
		r.HTTPAddr = addr
	}
	ok = true
	return r, nil
}

// pump forwards an input's messages into the batch loop's channel.
func (r *Runtime) pump(ctx context.Context, c <-chan ingest.Message) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-c:
				if !ok {
					return
				}
				select {
				case r.in <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
}

// Run runs the batch loop until ctx ends.
func (r *Runtime) Run(ctx context.Context) error {
	return r.Pipeline.Run(ctx, r.in)
}

// Close stops the inputs, the forwarder and the API, and closes the store.
func (r *Runtime) Close() {
	if r.cancelIn != nil {
		r.cancelIn()
	}
	for _, c := range r.inputs {
		c()
	}
	r.wg.Wait()
	if r.Store != nil {
		_ = r.Store.Close()
	}
}

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
	if r.mqttIn == nil {
		return st, false
	}
	return r.mqttIn.Stats(), true
}

// MQTTConnected reports whether the MQTT input is connected and its
// subscriptions were acknowledged.
func (r *Runtime) MQTTConnected() bool {
	st, ok := r.MQTTStats()
	return ok && st.Connected && st.Subscribed > 0
}
