package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
)

// consumer reads the results and checkpoints topics through one kafka-go
// group reader, in batches, and commits offsets only when told to (after
// the durable write). It is used by the batch loop's goroutine alone.
//
// kafka-go readers have been seen to stop fetching for good after a broker
// restart (segmentio/kafka-go#387, #955). The consumer watches for that:
// when nothing arrived for StallTimeout while the group has lag (committed
// offsets behind the log end), it closes the reader and opens a new one,
// which rejoins the group and resumes from the committed offsets.
// Messages fetched but not committed are delivered again; the store's
// upsert makes that harmless.
type consumer struct {
	cfg      KafkaConfig
	dialer   *kafka.Dialer
	client   *kafka.Client
	r        *kafka.Reader
	lastMsg  time.Time // last message fetched, or when the reader was opened
	lastLag  time.Time // last lag check
	rebuilds int
}

// newConsumer returns a consumer whose reader has joined the group.
func newConsumer(cfg KafkaConfig) (*consumer, error) {
	c, err := newLagWatcher(cfg)
	if err != nil {
		return nil, err
	}
	c.open()
	return c, nil
}

// newLagWatcher returns a consumer without a reader: only lag works. It
// does not join the group, so it takes no partitions from its members.
func newLagWatcher(cfg KafkaConfig) (*consumer, error) {
	d, err := cfg.Options.Dialer("eddy-aggregator")
	if err != nil {
		return nil, err
	}
	tr, err := cfg.Options.Transport("eddy-aggregator")
	if err != nil {
		return nil, err
	}
	return &consumer{cfg: cfg, dialer: d,
		client: &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Transport: tr, Timeout: 10 * time.Second}}, nil
}

func (c *consumer) open() {
	c.r = kafka.NewReader(kafka.ReaderConfig{
		Brokers:        c.cfg.Brokers,
		GroupID:        c.cfg.GroupID,
		GroupTopics:    []string{c.cfg.ResultsTopic, c.cfg.CheckpointsTopic},
		Dialer:         c.dialer,
		MinBytes:       1,
		MaxBytes:       8 << 20,
		MaxWait:        250 * time.Millisecond,
		CommitInterval: 0, // synchronous commits, only after the durable write
		StartOffset:    kafka.FirstOffset,
		// Small enough that a stalled or rebalancing reader is noticed.
		HeartbeatInterval:      time.Second,
		SessionTimeout:         10 * time.Second,
		RebalanceTimeout:       10 * time.Second,
		JoinGroupBackoff:       time.Second,
		ReadBackoffMin:         50 * time.Millisecond,
		ReadBackoffMax:         time.Second,
		WatchPartitionChanges:  true,
		PartitionWatchInterval: 5 * time.Second,
		QueueCapacity:          1000,
	})
	c.lastMsg, c.lastLag = time.Now(), time.Now()
}

// fetch returns up to max messages: it waits up to wait for the first one,
// then up to linger for more. An empty result with a nil error means
// nothing arrived in time.
func (c *consumer) fetch(ctx context.Context, buf []kafka.Message, max int, wait, linger time.Duration) ([]kafka.Message, error) {
	buf = buf[:0]
	fctx, cancel := context.WithTimeout(ctx, wait)
	m, err := c.r.FetchMessage(fctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return buf, nil
		}
		return buf, err
	}
	buf = append(buf, m)
	lctx, cancel := context.WithTimeout(ctx, linger)
	defer cancel()
	for len(buf) < max {
		m, err := c.r.FetchMessage(lctx)
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				break
			}
			return buf, err
		}
		buf = append(buf, m)
	}
	c.lastMsg = time.Now()
	return buf, nil
}

// fetched is what the prefetcher hands to the batch loop: a batch (empty
// when nothing arrived in time), or a fetch error, or the verdict that the
// reader looks stuck.
type fetched struct {
	msgs    []kafka.Message
	prep    *fleet.Prepared // the results rows of msgs, prepared; nil without a prepare func
	err     error
	stalled bool
}

// prefetcher runs the consumer's fetches in their own goroutine, so that
// batch n+1 is fetched while the batch loop writes batch n and commits its
// offsets. It owns the consumer's reader and stall bookkeeping until stop
// returns; after an error or a stall it sends that and ends (the batch loop
// rebuilds the reader and starts a new one). Batches come back through
// release, which bounds how far ahead it fetches.
type prefetcher struct {
	out    chan fetched
	free   chan []kafka.Message
	cancel context.CancelFunc
	done   chan struct{}
}

// prefetchDepth is the number of batch buffers: one being fetched, one
// queued, one being written, one waiting for its offset commit.
const prefetchDepth = 4

// With prepare, the goroutine also prepares each batch it fetched (parses
// its result rows, see fleet.Preparer) before handing it over, so that this
// work too overlaps the batch loop's transaction of the previous batch.
func (c *consumer) prefetch(ctx context.Context, max int, wait, linger time.Duration, prepare func([]kafka.Message) *fleet.Prepared) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{out: make(chan fetched, 1), free: make(chan []kafka.Message, prefetchDepth),
		cancel: cancel, done: make(chan struct{})}
	for range prefetchDepth {
		p.free <- nil
	}
	go func() {
		defer close(p.done)
		for {
			var buf []kafka.Message
			select {
			case <-ctx.Done():
				return
			case buf = <-p.free:
			}
			msgs, err := c.fetch(ctx, buf, max, wait, linger)
			if ctx.Err() != nil {
				return
			}
			f := fetched{msgs: msgs, err: err}
			if err == nil && len(msgs) == 0 {
				f.stalled, f.err = c.stalled(ctx)
			}
			if err == nil && len(msgs) > 0 && prepare != nil {
				f.prep = prepare(msgs)
			}
			select {
			case p.out <- f:
			case <-ctx.Done():
				return
			}
			if f.err != nil || f.stalled {
				return
			}
		}
	}()
	return p
}

// release gives a batch's buffer back once its offsets are committed (or
// the batch is dropped).
func (p *prefetcher) release(msgs []kafka.Message) {
	clear(msgs) // do not keep the messages alive
	select {
	case p.free <- msgs[:0]:
	default:
	}
}

// stop ends the goroutine and waits for it; batches it fetched and did not
// deliver are dropped (they come again from the committed offsets).
func (p *prefetcher) stop() {
	p.cancel()
	<-p.done
}

// commit commits the offsets of msgs (the highest per partition).
func (c *consumer) commit(ctx context.Context, msgs []kafka.Message) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.r.CommitMessages(cctx, msgs...)
}

// stalled reports whether the reader looks stuck: quiet for StallTimeout
// while the group's committed offsets are behind the end of the log.
func (c *consumer) stalled(ctx context.Context) (bool, error) {
	if time.Since(c.lastMsg) < c.cfg.StallTimeout || time.Since(c.lastLag) < c.cfg.StallTimeout {
		return false, nil
	}
	c.lastLag = time.Now()
	lag, err := c.lag(ctx)
	if err != nil {
		// The broker does not answer: a rebuilt reader is the best bet.
		return true, err
	}
	return lag > 0, nil
}

// lag is the group's total lag over both topics.
func (c *consumer) lag(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	topics := []string{c.cfg.ResultsTopic, c.cfg.CheckpointsTopic}
	md, err := c.client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return 0, err
	}
	fetch := &kafka.OffsetFetchRequest{GroupID: c.cfg.GroupID, Topics: map[string][]int{}}
	ends := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, t := range md.Topics {
		if t.Error != nil {
			continue
		}
		for _, p := range t.Partitions {
			fetch.Topics[t.Name] = append(fetch.Topics[t.Name], p.ID)
			ends.Topics[t.Name] = append(ends.Topics[t.Name], kafka.LastOffsetOf(p.ID), kafka.FirstOffsetOf(p.ID))
		}
	}
	committed, err := c.client.OffsetFetch(ctx, fetch)
	if err != nil {
		return 0, err
	}
	if committed.Error != nil {
		return 0, committed.Error
	}
	off, err := c.client.ListOffsets(ctx, ends)
	if err != nil {
		return 0, err
	}
	var lag int64
	for topic, parts := range off.Topics {
		done := map[int]int64{}
		for _, p := range committed.Topics[topic] {
			done[p.Partition] = p.CommittedOffset
		}
		for _, p := range parts {
			if p.Error != nil {
				return 0, fmt.Errorf("list offsets %s/%d: %w", topic, p.Partition, p.Error)
			}
			from, ok := done[p.Partition]
			if !ok || from < 0 {
				from = p.FirstOffset
			}
			if p.LastOffset > from {
				lag += p.LastOffset - from
			}
		}
	}
	return lag, nil
}

// rebuild closes the reader and opens a new one.
func (c *consumer) rebuild() {
	_ = c.r.Close()
	c.rebuilds++
	c.open()
}

func (c *consumer) close() error {
	c.client.Transport.(*kafka.Transport).CloseIdleConnections()
	if c.r == nil {
		return nil
	}
	return c.r.Close()
}

// ensureTopics creates the topics when missing (checkpoints compacted).
func ensureTopics(ctx context.Context, cfg KafkaConfig, partitions int) error {
	if err := kafkaconn.EnsureTopic(ctx, &cfg.Options, cfg.ResultsTopic, partitions, false); err != nil {
		return err
	}
	return kafkaconn.EnsureTopic(ctx, &cfg.Options, cfg.CheckpointsTopic, partitions, true)
}
