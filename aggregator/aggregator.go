package aggregator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/alerts"
)

// Commit is what one durable batch changed, handed to the Listener after
// the transaction committed (and before the offsets are).
type Commit struct {
	Time   time.Time
	Fleet  []fleet.Changed // fleet windows whose output row changed
	Agents []string        // agents whose checkpoint changed
}

// Listener is the seam for alert rules and live dashboards: it sees every
// committed change. Committed is called from the batch loop, never
// concurrently; it must return quickly (queue the work). A crash between
// the store commit and Committed loses the notification but not the data:
// a listener that must not miss one re-reads the store when it starts.
type Listener interface {
	Committed(c *Commit)
}

// Options are what the composition root passes besides the config.
type Options struct {
	Logger   *slog.Logger
	Listener Listener // optional
	// Now is the wall clock (retention, online/offline); default time.Now.
	Now func() time.Time
	// CreateTopics creates the topics (this many partitions) when missing.
	CreateTopics int
}

// Aggregator is one running instance.
type Aggregator struct {
	cfg  *Config
	log  *slog.Logger
	opt  Options
	st   *store.Store
	eng  *fleet.Engine
	prep *fleet.Preparer // used by the prefetcher goroutine only
	// preps recycles the prepared batches.
	preps sync.Pool
	cons  *consumer
	set   *metrics.Set
	// alerts evaluates the alert rules, delivers notifications and feeds
	// the dashboard's event stream; it always exists (with no rules it only
	// streams).
	alerts *evaluator

	mu      sync.Mutex // guards lastErr and the HTTP reads of the engine's views
	lastErr string
	stats   counters
	healthy atomic.Bool
}

// counters are the instance's totals since start.
type counters struct {
	batches, rows, newRows, replaced, duplicates, stale, expired, bad, misaligned atomic.Int64
	windows, rebuilt, checkpoints, badCheckpoints, commitErrors, storeErrors      atomic.Int64
	rebuilds                                                                      atomic.Int64
}

// New opens the store, compiles the fleet views (rebuilding the state of
// those whose definition changed) and connects the consumer.
func New(ctx context.Context, cfg *Config, o Options) (*Aggregator, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	eng, err := fleet.New(programs(cfg))
	if err != nil {
		return nil, err
	}
	prep, err := eng.NewPreparer(programs(cfg))
	if err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "aggregator.db"), store.Options{MaxSize: cfg.Store.MaxSizeMB << 20})
	if err != nil {
		return nil, err
	}
	var rebuilt []string
	if err := st.Update(func(tx *store.Tx) (err error) { rebuilt, err = eng.Reconcile(tx); return }); err != nil {
		st.Close()
		return nil, err
	}
	if len(rebuilt) > 0 {
		o.Logger.Info("fleet views built from the stored results", "views", rebuilt)
	}
	if o.CreateTopics > 0 {
		if err := ensureTopics(ctx, cfg.Kafka, o.CreateTopics); err != nil {
			st.Close()
			return nil, err
		}
	}
	cons, err := newConsumer(cfg.Kafka)
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &Aggregator{cfg: cfg, log: o.Logger, opt: o, st: st, eng: eng, prep: prep, cons: cons, set: metrics.NewSet()}
	if a.alerts, err = newEvaluator(a); err != nil {
		cons.close()
		st.Close()
		return nil, err
	}
	a.registerMetrics()
	a.healthy.Store(true)
	return a, nil
}

// Close saves the alert state and releases the notifiers, the consumer
// and the store.
func (a *Aggregator) Close() error {
	a.alerts.save()
	a.alerts.close()
	a.alerts.hub.shutdown()
	return errors.Join(a.cons.close(), a.st.Close())
}

// Store is the instance's store (tests and tools read it).
func (a *Aggregator) Store() *store.Store { return a.st }

// Engine is the instance's fleet engine.
func (a *Aggregator) Engine() *fleet.Engine { return a.eng }

// Run consumes until ctx ends: fetch a batch, apply it in one store
// transaction, notify the listener, commit the offsets. Three goroutines
// overlap the steps: the prefetcher fetches batch n+1 while this loop
// writes batch n, and the committer commits the offsets of each batch,
// in order, after that batch's transaction committed. Store errors are
// retried (the batch is fetched again from the committed offsets); they do
// not end Run.
func (a *Aggregator) Run(ctx context.Context) error {
	evDone := make(chan struct{})
	go func() { defer close(evDone); a.alerts.run(ctx) }()
	defer func() { <-evDone }()
	lastExpire := time.Time{}
	backoff := 100 * time.Millisecond
	start := func() (*prefetcher, *committer) {
		pf := a.cons.prefetch(ctx, a.cfg.Store.BatchMaxResults, time.Second, a.cfg.Store.BatchMaxDelay, a.prepare)
		return pf, a.startCommitter(ctx, pf)
	}
	pf, cm := start()
	// restart drops the prefetched batches, commits the offsets of the
	// durable ones and opens a new reader, which resumes from them.
	restart := func(why string) {
		pf.stop()
		cm.wait()
		a.rebuildReader(why)
		pf, cm = start()
	}
	defer func() { pf.stop(); cm.wait() }()
	for ctx.Err() == nil {
		var f fetched
		select {
		case <-ctx.Done():
			continue
		case f = <-pf.out:
		}
		switch {
		case f.stalled:
			if f.err != nil {
				a.fail("kafka lag check", f.err)
			}
			restart("no message while the group has lag")
			a.expire(ctx, &lastExpire)
			continue
		case f.err != nil:
			a.fail("kafka fetch", f.err)
			restart("fetch error")
			continue
		case len(f.msgs) == 0:
			pf.release(f.msgs)
			a.expire(ctx, &lastExpire)
			continue
		}
		err := a.handle(f.msgs, f.prep)
		if f.prep != nil {
			a.preps.Put(f.prep)
		}
		if err != nil {
			a.stats.storeErrors.Add(1)
			a.healthy.Store(false)
			a.fail("store", err)
			// Nothing of the batch is durable: read it again.
			restart("store error")
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		cm.in <- f.msgs
		a.expire(ctx, &lastExpire)
	}
	return nil
}

// committer commits the offsets of durable batches, in the order it is
// given them, and hands their buffers back to the prefetcher.
type committer struct {
	in   chan []kafka.Message
	done chan struct{}
}

func (a *Aggregator) startCommitter(ctx context.Context, pf *prefetcher) *committer {
	c := &committer{in: make(chan []kafka.Message, prefetchDepth), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for msgs := range c.in {
			if err := a.cons.commit(ctx, msgs); err != nil && ctx.Err() == nil {
				// Durable already: the messages come again and are recognised.
				a.stats.commitErrors.Add(1)
				a.fail("kafka commit", err)
			}
			pf.release(msgs)
		}
	}()
	return c
}

// wait commits what was queued and ends the committer.
func (c *committer) wait() {
	close(c.in)
	<-c.done
}

// handle applies one batch durably and tells the listeners what changed.
func (a *Aggregator) handle(msgs []kafka.Message, prep *fleet.Prepared) error {
	commit, err := a.apply(msgs, prep)
	if err != nil {
		return err
	}
	a.healthy.Store(true)
	if len(commit.Fleet) > 0 || len(commit.Agents) > 0 {
		a.alerts.Committed(commit)
		if a.opt.Listener != nil {
			a.opt.Listener.Committed(commit)
		}
	}
	return nil
}

// prepare parses the result rows of msgs ahead of their transaction (on
// the prefetcher's goroutine).
func (a *Aggregator) prepare(msgs []kafka.Message) *fleet.Prepared {
	p, _ := a.preps.Get().(*fleet.Prepared)
	if p == nil {
		p = new(fleet.Prepared)
	}
	p.Reset()
	for i := range msgs {
		if msgs[i].Topic != a.cfg.Kafka.CheckpointsTopic {
			a.prep.Add(p, msgs[i].Value)
		}
	}
	return p
}

// results is the number of result rows in msgs (the rest are checkpoints).
func (a *Aggregator) results(msgs []kafka.Message) int {
	n := 0
	for i := range msgs {
		if msgs[i].Topic != a.cfg.Kafka.CheckpointsTopic {
			n++
		}
	}
	return n
}

// apply writes one batch in one transaction. prep, if not nil, holds its
// result rows prepared (see prepare), in order.
func (a *Aggregator) apply(msgs []kafka.Message, prep *fleet.Prepared) (*Commit, error) {
	now := a.opt.Now()
	c := &Commit{Time: now}
	cutoff := now.Add(-a.cfg.Retention).UnixMilli()
	var st fleet.Stats
	var lastBad error
	if prep != nil && prep.Len() != a.results(msgs) {
		prep = nil // not this batch's rows: parse them here
	}
	err := a.st.Update(func(tx *store.Tx) error {
		c.Fleet, c.Agents, st, lastBad = nil, nil, fleet.Stats{}, nil
		b := a.eng.Begin(tx, cutoff)
		row := 0 // the next row of prep
		for i := range msgs {
			m := &msgs[i]
			if m.Topic == a.cfg.Kafka.CheckpointsTopic {
				agent, err := applyCheckpoint(tx, m.Value, m.Time)
				if err != nil {
					a.stats.badCheckpoints.Add(1)
					lastBad = err
					continue
				}
				if agent != "" {
					c.Agents = append(c.Agents, agent)
				}
				continue
			}
			var err error
			if prep != nil {
				err = b.AddPrepared(prep, row, m.Value)
				row++
			} else {
				err = b.Add(m.Value)
			}
			if err != nil {
				return err
			}
		}
		changed, err := b.Finish()
		if err != nil {
			return err
		}
		c.Fleet, st = changed, b.Stats
		if b.LastErr != nil {
			lastBad = b.LastErr
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := &a.stats
	s.batches.Add(1)
	s.rows.Add(int64(st.Rows))
	s.newRows.Add(int64(st.New))
	s.replaced.Add(int64(st.Replaced))
	s.duplicates.Add(int64(st.Duplicates))
	s.stale.Add(int64(st.Stale))
	s.expired.Add(int64(st.Expired))
	s.bad.Add(int64(st.Bad))
	s.misaligned.Add(int64(st.Misaligned))
	s.windows.Add(int64(st.Windows))
	s.rebuilt.Add(int64(st.Rebuilt))
	s.checkpoints.Add(int64(len(c.Agents)))
	if lastBad != nil {
		a.fail("bad input (counted, skipped)", lastBad)
	}
	return c, nil
}

// expire runs the retention about once a minute, in its own short
// transactions.
func (a *Aggregator) expire(ctx context.Context, last *time.Time) {
	now := a.opt.Now()
	if now.Sub(*last) < time.Minute {
		return
	}
	*last = now
	cutoff := now.Add(-a.cfg.Retention).UnixMilli()
	for ctx.Err() == nil {
		var n int
		err := a.st.Update(func(tx *store.Tx) (err error) { n, err = tx.Expire(cutoff, 10000); return })
		if err != nil {
			a.fail("retention", err)
			return
		}
		if n < 10000 {
			return
		}
	}
}

func (a *Aggregator) rebuildReader(why string) {
	a.stats.rebuilds.Add(1)
	a.log.Warn("rebuilding the kafka reader", "reason", why)
	a.cons.rebuild()
}

// fail records an error for /v1/status and logs it, at most once per
// 10 s per kind of error.
func (a *Aggregator) fail(what string, err error) {
	msg := what + ": " + err.Error()
	a.mu.Lock()
	same := a.lastErr == msg
	a.lastErr = msg
	a.mu.Unlock()
	if !same || throttle.allow(what) {
		a.log.Warn(what, "err", err)
	}
}

var throttle = &throttler{last: map[string]time.Time{}}

type throttler struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (t *throttler) allow(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.last[key]) < 10*time.Second {
		return false
	}
	t.last[key] = time.Now()
	return true
}

// Status is GET /v1/status.
type Status struct {
	Group       string           `json:"group"`
	Topics      []string         `json:"topics"`
	Counters    map[string]int64 `json:"counters"`
	StoreBytes  int64            `json:"store_bytes"`
	LastError   string           `json:"last_error,omitempty"`
	FleetViews  int              `json:"fleet_views"`
	RetentionMS int64            `json:"retention_ms"`
}

// Status returns the instance's counters.
func (a *Aggregator) Status() Status {
	s := &a.stats
	a.mu.Lock()
	le := a.lastErr
	a.mu.Unlock()
	return Status{Group: a.cfg.Kafka.GroupID, Topics: []string{a.cfg.Kafka.ResultsTopic, a.cfg.Kafka.CheckpointsTopic},
		StoreBytes: a.st.Size(), LastError: le, FleetViews: len(a.eng.Views()), RetentionMS: a.cfg.Retention.Milliseconds(),
		Counters: map[string]int64{
			"batches": s.batches.Load(), "rows": s.rows.Load(), "new": s.newRows.Load(), "replaced": s.replaced.Load(),
			"duplicates": s.duplicates.Load(), "stale": s.stale.Load(), "expired": s.expired.Load(), "bad": s.bad.Load(),
			"misaligned": s.misaligned.Load(), "fleet_windows_written": s.windows.Load(), "fleet_windows_rebuilt": s.rebuilt.Load(),
			"checkpoints": s.checkpoints.Load(), "bad_checkpoints": s.badCheckpoints.Load(),
			"commit_errors": s.commitErrors.Load(), "store_errors": s.storeErrors.Load(), "reader_rebuilds": s.rebuilds.Load(),
		}}
}

func (a *Aggregator) registerMetrics() {
	s := &a.stats
	c := func(name string, v *atomic.Int64) {
		a.set.NewGauge(name, func() float64 { return float64(v.Load()) })
	}
	for outcome, v := range map[string]*atomic.Int64{"new": &s.newRows, "replaced": &s.replaced, "duplicate": &s.duplicates,
		"stale": &s.stale, "expired": &s.expired, "bad": &s.bad} {
		c(fmt.Sprintf(`eddy_aggregator_results_total{outcome=%q}`, outcome), v)
	}
	c("eddy_aggregator_batches_total", &s.batches)
	c("eddy_aggregator_misaligned_total", &s.misaligned)
	c("eddy_aggregator_fleet_windows_written_total", &s.windows)
	c("eddy_aggregator_fleet_windows_rebuilt_total", &s.rebuilt)
	c("eddy_aggregator_checkpoints_total", &s.checkpoints)
	c("eddy_aggregator_bad_checkpoints_total", &s.badCheckpoints)
	c("eddy_aggregator_commit_errors_total", &s.commitErrors)
	c("eddy_aggregator_store_errors_total", &s.storeErrors)
	c("eddy_aggregator_reader_rebuilds_total", &s.rebuilds)
	a.set.NewGauge("eddy_aggregator_store_bytes", func() float64 { return float64(a.st.Size()) })
}

// CheckViews compiles the configured fleet views and the alert rules over
// them without opening anything.
func CheckViews(cfg *Config) error {
	eng, err := fleet.New(programs(cfg))
	if err != nil {
		return err
	}
	views := alerts.Views{}
	for _, v := range eng.Views() {
		views[v.Name] = v.Columns()
	}
	if _, err := alerts.New(cfg.Alerts.parsed, views); err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return nil
}

func programs(cfg *Config) []fleet.Program {
	var progs []fleet.Program
	for _, v := range cfg.Views {
		name := v.Name
		if v.File != "" {
			name = v.File
		}
		progs = append(progs, fleet.Program{Name: name, SQL: v.SQL})
	}
	return progs
}
