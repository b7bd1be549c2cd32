package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
)

// KafkaConfig configures a Kafka input for one topic.
type KafkaConfig struct {
	Kafka kafkaconn.Options
	Topic string
	// Next holds, per partition, the offset of the next message to read, as
	// persisted with the state; partitions missing from it start at the
	// earliest offset (StartLatest: the latest).
	Next        map[int]int64
	StartLatest bool
	// Stall: a partition reader that delivers nothing for this long is
	// rebuilt at its next offset (guards against kafka-go readers that stop
	// after a broker restart). Default 30s.
	Stall  time.Duration
	Queue  int
	Now    func() int64
	Logger *slog.Logger
}

// Kafka reads every partition of a topic from explicit offsets. Offsets are
// not committed to Kafka: the caller stores Message.Offset+1 per partition in
// the same transaction as the effects, which makes the pipeline exactly-once
// across restarts.
type Kafka struct {
	cfg      KafkaConfig
	out      chan Message
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	received atomic.Int64
	rebuilds atomic.Int64
}

// NewKafka looks up the topic's partitions and starts one reader each.
func NewKafka(ctx context.Context, cfg KafkaConfig) (*Kafka, error) {
	if cfg.Topic == "" {
		return nil, errors.New("ingest: kafka source needs a topic")
	}
	if cfg.Stall <= 0 {
		cfg.Stall = 30 * time.Second
	}
	if cfg.Queue < 1 {
		cfg.Queue = 4096
	}
	if cfg.Now == nil {
		cfg.Now = func() int64 { return time.Now().UnixMilli() }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d, err := cfg.Kafka.Dialer("eddy-source")
	if err != nil {
		return nil, err
	}
	parts, err := lookupPartitions(ctx, d, cfg.Kafka.Brokers, cfg.Topic)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	k := &Kafka{cfg: cfg, out: make(chan Message, cfg.Queue), cancel: cancel}
	for _, p := range parts {
		next, ok := cfg.Next[p]
		if !ok {
			next = kafka.FirstOffset
			if cfg.StartLatest {
				next = kafka.LastOffset
			}
		}
		k.wg.Add(1)
		go k.readPartition(rctx, d, p, next)
	}
	return k, nil
}

// lookupPartitions retries until the topic exists or ctx ends, so a pipeline
// can start before its producer created the topic.
func lookupPartitions(ctx context.Context, d *kafka.Dialer, brokers []string, topic string) ([]int, error) {
	var last error
	for {
		for _, b := range brokers {
			ps, err := d.LookupPartitions(ctx, "tcp", b, topic)
			if err == nil && len(ps) > 0 {
				ids := make([]int, len(ps))
				for i, p := range ps {
					ids[i] = p.ID
				}
				sort.Ints(ids)
				return ids, nil
			}
			last = err
		}
		t := time.NewTimer(500 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("ingest: kafka topic %s: partitions not found (%v): %w", topic, last, ctx.Err())
		case <-t.C:
		}
	}
}

func (k *Kafka) readPartition(ctx context.Context, d *kafka.Dialer, partition int, next int64) {
	defer k.wg.Done()
	for ctx.Err() == nil {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: k.cfg.Kafka.Brokers, Topic: k.cfg.Topic, Partition: partition,
			Dialer: d, MinBytes: 1, MaxBytes: 8 << 20, MaxWait: 200 * time.Millisecond})
		if err := r.SetOffset(next); err != nil {
			k.cfg.Logger.Error("kafka source: set offset", "topic", k.cfg.Topic, "partition", partition, "err", err)
		}
		for ctx.Err() == nil {
			fctx, cancel := context.WithTimeout(ctx, k.cfg.Stall)
			m, err := r.FetchMessage(fctx)
			cancel()
			if err != nil {
				break // stalled, failed or stopping: rebuild the reader at next
			}
			k.received.Add(1)
			next = m.Offset + 1
			select {
			case k.out <- Message{Topic: m.Topic, Payload: m.Value, Partition: m.Partition, Offset: m.Offset,
				Received: k.cfg.Now(), QoS: 1}:
			case <-ctx.Done():
			}
		}
		r.Close()
		if ctx.Err() == nil {
			k.rebuilds.Add(1)
		}
	}
}

// Messages is the stream of messages; per partition in offset order.
func (k *Kafka) Messages() <-chan Message { return k.out }

// Rebuilds counts partition readers rebuilt after a stall or error.
func (k *Kafka) Rebuilds() int64 { return k.rebuilds.Load() }

// Received counts messages read.
func (k *Kafka) Received() int64 { return k.received.Load() }

// Close stops the readers.
func (k *Kafka) Close() {
	k.cancel() // readers select on the context while sending, so none stays blocked
	k.wg.Wait()
}
