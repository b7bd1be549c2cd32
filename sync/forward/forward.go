package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/sync/wire"
)

// Entry is one outbox entry: an encoded wire batch and its outbox id.
type Entry struct {
	ID   uint64
	Data []byte
}

// Outbox is the durable queue the forwarder drains. Peek returns the oldest
// entries (highest priority first) without removing them; Ack removes them.
type Outbox interface {
	Peek(maxEntries, maxBytes int) ([]Entry, error)
	Ack(ids []uint64) error
}

// Producer writes messages synchronously, returning only once Kafka
// acknowledged all of them or an error. *kafka.Writer is one.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

// Config configures a Forwarder.
type Config struct {
	AgentID          string
	Kafka            kafkaconn.Options
	ResultsTopic     string        // default eddy.results
	CheckpointsTopic string        // default eddy.checkpoints
	MaxEntries       int           // entries per drain step, default 64
	MaxBytes         int           // encoded bytes per drain step, default 1 MiB (about 9 MiB of JSON rows held during a step)
	RateRows         float64       // drain rate limit in rows/s; 0 = unlimited
	WriteTimeout     time.Duration // per Kafka write, default 15s
	MinBackoff       time.Duration // default 200ms
	MaxBackoff       time.Duration // default 30s
	CheckpointEvery  time.Duration // default 30s
	// CreateTopics makes Run create missing topics (EnsureTopics) before
	// forwarding; leave it off where the agent's Kafka user may not create
	// topics.
	CreateTopics bool
	// MaxBatchBytes bounds one Kafka record batch, counted before
	// compression; default 768 KiB. The broker refuses a batch larger than
	// its message.max.bytes (default 1 MiB) after compression, for ever:
	// keep MaxBatchBytes below 6/7 of it, snappy's worst-case expansion.
	MaxBatchBytes int
	// Compression is the Kafka-level codec of the records the forwarder
	// writes: snappy (the default), zstd, lz4, gzip or none. Consumers
	// decompress any of them transparently; zstd makes result rows about
	// 40% smaller than snappy for some more CPU (BenchmarkCompaction1000Devices).
	Compression string
	// ResultsPartitions is the partition count of a results topic that
	// EnsureTopics creates; 0 means the broker's default (num.partitions).
	ResultsPartitions int
	// Checkpoint returns the agent's current checkpoint; the forwarder fills
	// LastForwarded and sends it after each drained step and periodically.
	Checkpoint func() *wire.Checkpoint
	Logger     *slog.Logger
	// NewProducer overrides the kafka-go writer (tests).
	NewProducer func() (Producer, error)
}

func (c *Config) defaults() {
	if c.ResultsTopic == "" {
		c.ResultsTopic = "eddy.results"
	}
	if c.CheckpointsTopic == "" {
		c.CheckpointsTopic = "eddy.checkpoints"
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = 64
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = 1 << 20
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = 768 << 10
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 15 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 200 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	c.MaxBackoff = max(c.MaxBackoff, c.MinBackoff)
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Compression == "" {
		c.Compression = "snappy"
	}
}

// codecs are the Kafka compression codecs a Config may name.
var codecs = map[string]kafka.Compression{
	"none": 0, "gzip": kafka.Gzip, "snappy": kafka.Snappy, "lz4": kafka.Lz4, "zstd": kafka.Zstd,
}

// ParseCompression checks a Kafka compression codec name ("" is snappy).
func ParseCompression(name string) error {
	if _, ok := codecs[name]; !ok && name != "" {
		return fmt.Errorf("forward: compression %q: use snappy, zstd, lz4, gzip or none", name)
	}
	return nil
}

// Stats are the forwarder's counters.
type Stats struct {
	Rows           int64     // rows acknowledged by Kafka
	Entries        int64     // outbox entries acknowledged
	Bytes          int64     // row bytes acknowledged (before Kafka compression)
	Failures       int64     // failed write attempts
	Corrupt        int64     // outbox entries dropped because they could not be decoded
	LastForwarded  uint64    // outbox id of the last entry acknowledged (opaque, see the package doc)
	LastCheckpoint time.Time // when Kafka last acknowledged a checkpoint; zero if never
	Connected      bool      // the last write succeeded
}

// Forwarder drains an Outbox into Kafka. Run it in one goroutine.
type Forwarder struct {
	cfg    Config
	outbox Outbox
	wake   chan struct{}
	prod   Producer
	rng    *rand.Rand
	bucket tokenBucket

	buf     []byte          // rows of the current step
	ends    []int           // end of each row in buf
	msgs    []kafka.Message // the current step's messages
	scratch []byte          // wire.DecodeBatch's buffer

	rows, entries, bytes, failures, corrupt atomic.Int64
	lastCheckpoint                          atomic.Int64 // Unix ns
	lastFwd                                 atomic.Uint64
	connected                               atomic.Bool
	// cpPending: the newest checkpoint has not reached Kafka (its write
	// failed or was cut off by shutdown). Run retries it with backoff and
	// once more as it stops.
	cpPending atomic.Bool
}

// New validates cfg and returns a forwarder for outbox.
func New(cfg Config, outbox Outbox) (*Forwarder, error) {
	cfg.defaults()
	if cfg.AgentID == "" {
		return nil, errors.New("forward: agent id is required")
	}
	if err := ParseCompression(cfg.Compression); err != nil {
		return nil, err
	}
	if cfg.NewProducer == nil {
		if err := cfg.Kafka.Validate(); err != nil {
			return nil, err
		}
		k := cfg.Kafka
		id := cfg.AgentID
		wt := cfg.WriteTimeout
		bb := cfg.MaxBatchBytes
		codec := codecs[cfg.Compression]
		cfg.NewProducer = func() (Producer, error) { return newWriter(&k, id, wt, bb, codec) }
	}
	f := &Forwarder{cfg: cfg, outbox: outbox, wake: make(chan struct{}, 1),
		rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	f.bucket = tokenBucket{rate: cfg.RateRows, burst: max(cfg.RateRows, 1)}
	return f, nil
}

func newWriter(k *kafkaconn.Options, id string, timeout time.Duration, batchBytes int, codec kafka.Compression) (Producer, error) {
	tr, err := k.Transport("eddy-" + id)
	if err != nil {
		return nil, err
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(k.Brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
		BatchSize:    5000,
		BatchBytes:   int64(batchBytes),
		Compression:  codec,
		MaxAttempts:  1, // the forwarder retries, with backoff and a fresh writer
		ReadTimeout:  timeout,
		WriteTimeout: timeout,
		Transport:    tr,
	}
	return &writer{w, tr}, nil
}

// writer closes its transport with it: kafka.Writer.Close leaves a
// caller-supplied Transport's connection pool (sockets, goroutines) open, so
// without this every rebuild after a failure would leak one.
type writer struct {
	*kafka.Writer
	tr *kafka.Transport
}

func (w *writer) Close() error {
	err := w.Writer.Close()
	w.tr.CloseIdleConnections()
	return err
}

// EnsureTopics creates the results topic (ResultsPartitions partitions) and
// the checkpoints topic (compacted, so the latest checkpoint of each agent is
// kept forever) when they do not exist. Existing topics are left as they are.
func (f *Forwarder) EnsureTopics(ctx context.Context) error {
	parts := f.cfg.ResultsPartitions
	if parts <= 0 {
		parts = -1
	}
	if err := kafkaconn.EnsureTopic(ctx, &f.cfg.Kafka, f.cfg.ResultsTopic, parts, false); err != nil {
		return err
	}
	if err := kafkaconn.EnsureTopic(ctx, &f.cfg.Kafka, f.cfg.CheckpointsTopic, -1, true); err != nil {
		return err
	}
	// A broker learns of a new topic some milliseconds after the controller
	// created it; writes in that gap fail (and a checkpoint is not retried).
	return f.waitLed(ctx, f.cfg.ResultsTopic, f.cfg.CheckpointsTopic)
}

// waitLed waits until metadata shows every topic with a leader for each
// partition.
func (f *Forwarder) waitLed(ctx context.Context, topics ...string) error {
	tr, err := f.cfg.Kafka.Transport("eddy-" + f.cfg.AgentID)
	if err != nil {
		return err
	}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(f.cfg.Kafka.Brokers...), Transport: tr, Timeout: 10 * time.Second}
	for {
		md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err == nil {
			err = ledErr(md, topics)
		}
		if err == nil {
			return nil
		}
		if !sleep(ctx, 20*time.Millisecond) {
			return fmt.Errorf("forward: topics %v not ready: %w", topics, err)
		}
	}
}

func ledErr(md *kafka.MetadataResponse, topics []string) error {
	led := 0
	for _, tp := range md.Topics {
		if tp.Error != nil {
			return tp.Error
		}
		if len(tp.Partitions) == 0 {
			return errors.New("no partitions yet")
		}
		for _, p := range tp.Partitions {
			if p.Error != nil {
				return p.Error
			}
			if p.Leader.Port == 0 {
				return errors.New("partition without leader")
			}
		}
		led++
	}
	if led != len(topics) {
		return errors.New("topic missing from metadata")
	}
	return nil
}

// Notify tells the forwarder that new entries are in the outbox.
func (f *Forwarder) Notify() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Stats returns a snapshot of the counters.
func (f *Forwarder) Stats() Stats {
	s := Stats{Rows: f.rows.Load(), Entries: f.entries.Load(), Bytes: f.bytes.Load(), Failures: f.failures.Load(),
		Corrupt: f.corrupt.Load(), LastForwarded: f.lastFwd.Load(), Connected: f.connected.Load()}
	if ns := f.lastCheckpoint.Load(); ns != 0 {
		s.LastCheckpoint = time.Unix(0, ns)
	}
	return s
}

// Run drains until ctx ends. It returns nil on cancellation; outbox read
// errors are retried like Kafka errors, because a gateway must keep going.
func (f *Forwarder) Run(ctx context.Context) error {
	defer f.closeProducer()
	defer f.flushCheckpoint(ctx)
	failures, cpFailures := 0, 0
	tick := time.NewTicker(f.cfg.CheckpointEvery)
	defer tick.Stop()
	var cpRetry <-chan time.Time // set while a failed checkpoint waits for its retry
	topicsReady := !f.cfg.CreateTopics
	var nextEnsure time.Time
	for {
		if !topicsReady && !time.Now().Before(nextEnsure) {
			// Best effort, bounded, and retried at the checkpoint period: a
			// broker that auto-creates topics, or an admin who created
			// them, makes forwarding work without it.
			ectx, cancel := context.WithTimeout(ctx, f.cfg.WriteTimeout)
			if err := f.EnsureTopics(ectx); err != nil {
				nextEnsure = time.Now().Add(f.cfg.CheckpointEvery)
				f.cfg.Logger.Warn("forward: creating the kafka topics failed; forwarding anyway", "err", err, "retry_in", f.cfg.CheckpointEvery)
			} else {
				topicsReady = true
			}
			cancel()
		}
		n, err := f.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
			d := mqttconn.Backoff(failures, f.cfg.MinBackoff, f.cfg.MaxBackoff, f.rng)
			if failures == 1 || failures%20 == 0 {
				f.cfg.Logger.Warn("forwarding to kafka failed; retrying", "err", err, "retry_in", d, "failures", failures)
			}
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		if failures > 0 {
			f.cfg.Logger.Info("forwarding to kafka resumed", "after_failures", failures)
			failures = 0
		}
		if n > 0 {
			continue // more may be waiting
		}
		if !f.cpPending.Load() {
			cpFailures, cpRetry = 0, nil
		} else if cpRetry == nil {
			cpFailures++
			cpRetry = time.After(mqttconn.Backoff(cpFailures, f.cfg.MinBackoff, f.cfg.MaxBackoff, f.rng))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-f.wake:
		case <-cpRetry:
			cpRetry = nil
			f.sendCheckpoint(ctx)
		case <-tick.C:
			f.sendCheckpoint(ctx)
		}
	}
}

// finalCheckpointTimeout bounds the checkpoint Run sends as it stops, so that
// an agent whose uplink is down still shuts down promptly.
const finalCheckpointTimeout = 5 * time.Second

// flushCheckpoint sends a checkpoint that has not reached Kafka (typically
// the one after the last drained step, cut off by the shutdown) on a context
// of its own: the aggregator then sees the agent's final position. It does
// not try when the uplink is down (the last write failed), so as not to hold
// up the shutdown.
func (f *Forwarder) flushCheckpoint(ctx context.Context) {
	if !f.cpPending.Load() || !f.connected.Load() {
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(f.cfg.WriteTimeout, finalCheckpointTimeout))
	defer cancel()
	f.sendCheckpoint(fctx)
}

// Step forwards one group of entries and returns how many rows it forwarded.
func (f *Forwarder) Step(ctx context.Context) (int, error) {
	entries, err := f.outbox.Peek(f.cfg.MaxEntries, f.cfg.MaxBytes)
	if err != nil {
		return 0, fmt.Errorf("forward: read outbox: %w", err)
	}
	if len(entries) == 0 {
		return 0, nil
	}
	// Rows are copied into one buffer reused by every step (kafka-go is
	// done with the previous step's messages: WriteMessages returned, or the
	// writer was closed, which waits for its batches).
	buf, ends := f.buf[:0], f.ends[:0]
	ids := make([]uint64, 0, len(entries))
	for _, e := range entries {
		bufLen, endsLen := len(buf), len(ends)
		f.scratch, err = wire.DecodeBatch(e.Data, f.scratch, func(row []byte) error {
			buf = append(buf, row...)
			ends = append(ends, len(buf))
			return nil
		})
		if err != nil {
			// A corrupt entry cannot be sent and must not block the queue
			// forever; it is acknowledged, counted and reported. None of
			// its rows are sent: a snappy block has no checksum, so rows
			// decoded before the error are not to be trusted either.
			buf, ends = buf[:bufLen], ends[:endsLen]
			f.corrupt.Add(1)
			f.cfg.Logger.Error("forward: dropping corrupt outbox entry", "id", e.ID, "err", err)
		}
		ids = append(ids, e.ID)
	}
	f.buf, f.ends = buf, ends
	key := []byte(f.cfg.AgentID)
	msgs := f.msgs[:0]
	start := 0
	for _, end := range ends {
		msgs = append(msgs, kafka.Message{Topic: f.cfg.ResultsTopic, Key: key, Value: buf[start:end:end]})
		start = end
	}
	f.msgs = msgs
	rowBytes := int64(len(buf))
	if err := f.bucket.wait(ctx, float64(len(msgs))); err != nil {
		return 0, err
	}
	if err := f.write(ctx, msgs); err != nil {
		return 0, err
	}
	if err := f.outbox.Ack(ids); err != nil {
		return 0, fmt.Errorf("forward: ack outbox: %w", err)
	}
	f.rows.Add(int64(len(msgs)))
	f.entries.Add(int64(len(ids)))
	f.bytes.Add(rowBytes)
	f.lastFwd.Store(ids[len(ids)-1])
	f.sendCheckpoint(ctx)
	return len(msgs), nil
}

func (f *Forwarder) write(ctx context.Context, msgs []kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if f.prod == nil {
		p, err := f.cfg.NewProducer()
		if err != nil {
			return err
		}
		f.prod = p
	}
	wctx, cancel := context.WithTimeout(ctx, f.cfg.WriteTimeout)
	defer cancel()
	if err := f.prod.WriteMessages(wctx, msgs...); err != nil {
		f.failures.Add(1)
		if ctx.Err() == nil { // a write cut off by shutdown says nothing of the uplink
			f.connected.Store(false)
		}
		f.closeProducer() // rebuild the writer and its connections next time
		return fmt.Errorf("forward: write %d messages to %s: %w", len(msgs), msgs[0].Topic, summarize(err))
	}
	f.connected.Store(true)
	return nil
}

func (f *Forwarder) sendCheckpoint(ctx context.Context) {
	if f.cfg.Checkpoint == nil {
		return
	}
	cp := f.cfg.Checkpoint()
	if cp == nil {
		return
	}
	cp.LastForwarded = f.lastFwd.Load()
	b, err := wire.MarshalCheckpoint(cp)
	if err != nil {
		f.cfg.Logger.Error("forward: encode checkpoint", "err", err)
		return
	}
	// A failed checkpoint is counted (Failures) and left pending: Run sends a
	// fresh one after a backoff, and once more as it stops.
	if err := f.write(ctx, []kafka.Message{{Topic: f.cfg.CheckpointsTopic, Key: []byte(f.cfg.AgentID), Value: b}}); err != nil {
		f.cpPending.Store(true)
		return
	}
	f.cpPending.Store(false)
	f.lastCheckpoint.Store(time.Now().UnixNano())
}

func (f *Forwarder) closeProducer() {
	if f.prod != nil {
		f.prod.Close()
		f.prod = nil
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// summarize shortens kafka.WriteErrors, which holds one error per message
// and prints every one of them (megabytes in a log line for a big step), to
// its distinct errors with their counts. The result still matches the
// underlying errors with errors.Is.
func summarize(err error) error {
	var we kafka.WriteErrors
	if !errors.As(err, &we) {
		return err
	}
	return writeErrors(we)
}

type writeErrors kafka.WriteErrors

func (we writeErrors) Error() string {
	type count struct {
		err error
		n   int
	}
	var distinct []count
	failed := 0
next:
	for _, e := range we {
		if e == nil {
			continue
		}
		failed++
		for i := range distinct {
			if distinct[i].err.Error() == e.Error() {
				distinct[i].n++
				continue next
			}
		}
		distinct = append(distinct, count{e, 1})
	}
	s := fmt.Sprintf("%d of %d messages failed:", failed, len(we))
	for i, d := range distinct {
		if i == 3 {
			s += fmt.Sprintf(" and %d other errors", len(distinct)-i)
			break
		}
		s += fmt.Sprintf(" %dx %v;", d.n, d.err)
	}
	return strings.TrimSuffix(s, ";")
}

// Unwrap gives errors.Is and errors.As the distinct underlying errors.
func (we writeErrors) Unwrap() []error {
	var out []error
	for _, e := range we {
		if e != nil && !slices.ContainsFunc(out, func(o error) bool { return o.Error() == e.Error() }) {
			out = append(out, e)
		}
	}
	return out
}
