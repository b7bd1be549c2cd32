package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-iot/eddy/edge/ingest"
	"github.com/eddy-iot/eddy/edge/payload"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/edge/topic"
	"github.com/eddy-iot/eddy/sinks"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/sync/wire"
)

// Options configure a Pipeline.
type Options struct {
	// AgentID names the agent in wire rows.
	AgentID string
	// Store holds all state; required.
	Store  *store.Store
	Logger *slog.Logger
	// Now returns processing time in Unix ms; nil means the wall clock.
	Now func() int64
	// Payload tunes the decoders (size limits, timestamp checks).
	Payload payload.Options
	// Dedupe names, per source, the device and sequence columns for exact
	// deduplication (and the device as the watermark partition).
	Dedupe map[string]Dedupe
	// OpenSink opens the output of a CREATE SINK; nil refuses sinks.
	OpenSink func(*sql.BoundSink) (sinks.Sink, error)
	// Outbox sends every view's rows to the store's outbox as wire rows,
	// for the forwarder.
	Outbox bool
	// OnCommit is called after a commit that added outbox entries.
	OnCommit func()
	// MaxEntryBytes bounds the uncompressed rows of one outbox entry, so
	// that an entry stays well inside the outbox quota (an entry larger
	// than the quota could never be stored); default 1 MiB. A row larger
	// than it is an entry of its own.
	MaxEntryBytes int
	// BatchMaxEvents bounds the messages of one commit; default 4096.
	BatchMaxEvents int
	// Tick is how often operators advance when no input comes; default 200ms.
	Tick time.Duration
	// TableWindows is how many windows' worth of rows a windowed view's
	// table keeps for GET /v1/views; default 3.
	TableWindows int
	// RedeliveryRing is the number of QoS ≥ 1 fingerprints kept to drop
	// broker redeliveries of committed messages; default 4096 (at least the
	// broker's max inflight messages).
	RedeliveryRing int
}

// Dedupe names a source's device and sequence columns.
type Dedupe struct {
	Device   string // column naming the device ("" = one device)
	Sequence string // BIGINT column with the device's sequence number
	Window   int    // sequence numbers remembered exactly per device; 0 = 1024
}

// Pipeline runs one SQL program. Run owns it; the read methods (Rows,
// Status) may be called from other goroutines.
type Pipeline struct {
	opts   Options
	log    *slog.Logger
	st     *store.Store
	cat    *sql.Catalog
	now    func() int64
	mu     sync.Mutex
	batch  *store.Batch
	outbox wire.BatchEncoder

	sources      []*source
	router       topic.Router[*source]
	kafkaByTopic map[string][]*source
	views        []*view
	viewByName   map[string]*view
	queues       []*sinkQueue
	ring         *ingest.Redelivered

	kafkaNext  map[string]map[int]int64 // source → partition → next offset
	kafkaDirty map[string]map[int]bool

	hits  []topic.Hit[*source]
	caps  []string
	msgs  []ingest.Message
	stats stats
	pend  counts // this batch's counts, published after its commit
	dirty bool   // something to commit beyond operator bookkeeping

	// stall is the processing-time span in which input was held back by a
	// commit that could not complete (outbox full, store errors), for the
	// operators' idle timeouts (windows.Operator.Stalled). Written by the
	// commit goroutine, taken by seal.
	stallMu            sync.Mutex
	stallFrom, stallTo int64
}

type stats struct {
	messages, rows, duplicates, redelivered, unrouted, late, deadLetters, results, commits, commitErrors atomic.Uint64
	lastCommit                                                                                           atomic.Int64
}

const ingestMeta = "_ingest"

// New compiles the catalog's sources, views and sinks and restores their
// state from the store.
func New(cat *sql.Catalog, opts Options) (*Pipeline, error) {
	if opts.Store == nil {
		return nil, errors.New("pipeline: no store")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = func() int64 { return time.Now().UnixMilli() }
	}
	if opts.BatchMaxEvents <= 0 {
		opts.BatchMaxEvents = 4096
	}
	if opts.MaxEntryBytes <= 0 {
		opts.MaxEntryBytes = 1 << 20
	}
	if opts.Tick <= 0 {
		opts.Tick = 200 * time.Millisecond
	}
	if opts.RedeliveryRing <= 0 {
		opts.RedeliveryRing = 4096
	}
	p := &Pipeline{opts: opts, log: opts.Logger, st: opts.Store, cat: cat, now: opts.Now,
		batch: opts.Store.NewBatch(), kafkaByTopic: map[string][]*source{}, viewByName: map[string]*view{},
		ring: ingest.NewRedelivered(opts.RedeliveryRing), kafkaNext: map[string]map[int]int64{},
		kafkaDirty: map[string]map[int]bool{}}
	byName := map[string]*source{}
	for _, b := range cat.Sources() {
		s, err := newSource(b, &p.opts)
		if err != nil {
			return nil, err
		}
		p.sources = append(p.sources, s)
		byName[b.Name] = s
		if s.kafka {
			p.kafkaByTopic[b.Topic] = append(p.kafkaByTopic[b.Topic], s)
		} else {
			p.router.Add(s.pattern, s)
		}
	}
	addView := func(b *sql.BoundView) (*view, error) {
		if b.FromKind != sql.ObjectSource {
			return nil, fmt.Errorf("view %s reads view %s: views over views are not supported yet; read the source directly", b.Name, b.From)
		}
		v, err := newView(p, b)
		if err != nil {
			return nil, err
		}
		src := byName[b.From]
		if src == nil {
			return nil, fmt.Errorf("view %s: unknown source %s", b.Name, b.From)
		}
		src.views = append(src.views, v)
		v.lateCols = lateColumns(src.bound.Columns)
		p.views = append(p.views, v)
		p.viewByName[b.Name] = v
		return v, nil
	}
	for _, b := range cat.Views() {
		if _, err := addView(b); err != nil {
			return nil, err
		}
	}
	for _, b := range cat.Sinks() {
		if opts.OpenSink == nil {
			return nil, fmt.Errorf("sink %s: this runtime has no sinks", b.Name)
		}
		var v *view
		switch {
		case b.Query != nil:
			var err error
			if v, err = addView(b.Query); err != nil {
				return nil, fmt.Errorf("sink %s: %w", b.Name, err)
			}
		default:
			v = p.viewByName[b.From]
			if v == nil {
				return nil, fmt.Errorf("sink %s reads %s, which is not a materialized view: CREATE MATERIALIZED VIEW over it and sink the view", b.Name, b.From)
			}
		}
		out, err := opts.OpenSink(b)
		if err != nil {
			return nil, fmt.Errorf("sink %s: %w", b.Name, err)
		}
		q := newSinkQueue(b.Name, out, p.log)
		if b.Late && v.op == nil {
			return nil, fmt.Errorf("sink %s: stream = 'late' needs a windowed, aggregating view; %s has no windows", b.Name, b.From)
		}
		if b.Late {
			v.lateSinks = append(v.lateSinks, q)
		} else {
			v.sinks = append(v.sinks, q)
		}
		p.queues = append(p.queues, q)
	}
	if err := p.restore(); err != nil {
		p.closeSinks()
		return nil, err
	}
	return p, nil
}

// restore loads every piece of state from the store; a view whose
// definition changed starts afresh.
func (p *Pipeline) restore() error {
	for _, v := range p.views {
		def, err := p.st.PipelineMeta(v.store, "definition")
		if err != nil {
			return fmt.Errorf("view %s: %w", v.name, err)
		}
		if !bytes.Equal(def, []byte(v.cv.Bound.Definition)) {
			if def != nil {
				p.log.Warn("view definition changed; its state starts afresh", "view", v.name)
			}
			p.batch.DropPipeline(v.store)
			p.batch.DropPipeline(v.table.store)
			p.batch.PutPipelineMeta(v.store, "definition", []byte(v.cv.Bound.Definition))
			p.dirty = true
			continue
		}
		if v.op != nil {
			var keys, vals [][]byte
			if err := p.st.LoadPipeline(v.store, func(k, val []byte) error {
				keys = append(keys, bytes.Clone(k))
				vals = append(vals, bytes.Clone(val))
				return nil
			}); err != nil {
				return fmt.Errorf("view %s: %w", v.name, err)
			}
			err := v.op.Restore(func(yield func([]byte, []byte) bool) {
				for i := range keys {
					if !yield(keys[i], vals[i]) {
						return
					}
				}
			})
			if err != nil {
				return fmt.Errorf("view %s: restoring its state: %w (delete the data directory's state of this view, or the file, to start afresh)", v.name, err)
			}
			// The agent was not running since the snapshot's clock: that
			// gap is no evidence that a device fell silent.
			v.op.Stalled(v.op.Clock(), p.now())
		}
		if err := v.table.load(p.st); err != nil {
			return fmt.Errorf("view %s: %w", v.name, err)
		}
	}
	for _, s := range p.sources {
		if s.tracker != nil {
			if err := p.st.LoadDedupe(s.name, func(dev, state []byte) error {
				return s.tracker.Load(string(dev), state)
			}); err != nil {
				return fmt.Errorf("source %s: dedupe state: %w", s.name, err)
			}
		}
		if s.kafka {
			next := map[int]int64{}
			if err := p.st.LoadPipelineMeta("source:"+s.name, func(k, v []byte) error {
				part, ok := strings.CutPrefix(string(k), "offset/")
				if !ok || len(v) != 8 {
					return nil
				}
				n, err := strconv.Atoi(part)
				if err != nil {
					return nil
				}
				next[n] = int64(binary.BigEndian.Uint64(v))
				return nil
			}); err != nil {
				return fmt.Errorf("source %s: offsets: %w", s.name, err)
			}
			p.kafkaNext[s.name] = next
			p.kafkaDirty[s.name] = map[int]bool{}
		}
	}
	if err := p.st.LoadPipelineMeta(ingestMeta, func(k, v []byte) error {
		if key, ok := strings.CutPrefix(string(k), "ring/"); ok {
			return p.ring.Restore([]byte(key), v)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("redelivery ring: %w", err)
	}
	for _, q := range p.queues {
		if err := q.load(p.st); err != nil {
			return fmt.Errorf("sink %s: %w", q.name, err)
		}
	}
	return nil
}

// Subscriptions returns the MQTT filters to subscribe, with the highest QoS
// of the sources each serves.
func (p *Pipeline) Subscriptions() []ingest.Subscription {
	pats := p.router.Patterns()
	var out []ingest.Subscription
	for _, s := range topic.Subscriptions(pats) {
		var qos byte
		for _, i := range s.Patterns {
			for _, src := range p.sources {
				if src.pattern == pats[i] && src.qos > qos {
					qos = src.qos
				}
			}
		}
		out = append(out, ingest.Subscription{Filter: s.Filter, QoS: qos})
	}
	return out
}

// KafkaSource describes a Kafka source for the composition root to open.
type KafkaSource struct {
	Source *sql.BoundSource
	// Next is the offset of the next message per partition, as committed
	// with the state: reading from there is exactly-once.
	Next map[int]int64
}

// KafkaSources returns the Kafka sources and where to resume each.
func (p *Pipeline) KafkaSources() []KafkaSource {
	var out []KafkaSource
	for _, s := range p.sources {
		if s.kafka {
			next := map[int]int64{}
			for k, v := range p.kafkaNext[s.name] {
				next[k] = v
			}
			out = append(out, KafkaSource{Source: s.bound, Next: next})
		}
	}
	return out
}

func (p *Pipeline) closeSinks() {
	for _, q := range p.queues {
		if err := q.sink.Close(); err != nil {
			p.log.Warn("closing sink", "sink", q.name, "err", err)
		}
	}
}
