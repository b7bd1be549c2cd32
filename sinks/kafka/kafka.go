// Package kafka is the sink that writes result rows to a Kafka topic, one
// JSON object per message, with acks from all in-sync replicas and snappy
// compression. The message key is the value of a configured row field (for
// example the view's group key), so rows of one key stay in one partition
// and in order; without one, rows are spread round-robin.
package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
)

// Options configure a Kafka sink.
type Options struct {
	Kafka    kafkaconn.Options
	Topic    string
	KeyField string        // top-level row field used as the message key; optional
	Timeout  time.Duration // per write, default 15s
}

// Sink writes rows to Kafka.
type Sink struct {
	o Options
	w *kafka.Writer
	p fastjson.Parser
}

// New validates o and prepares the writer (it connects on first write).
func New(o Options) (*Sink, error) {
	if o.Topic == "" {
		return nil, fmt.Errorf("kafka sink: topic is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	tr, err := o.Kafka.Transport("eddy-sink")
	if err != nil {
		return nil, fmt.Errorf("kafka sink: %w", err)
	}
	var bal kafka.Balancer = &kafka.RoundRobin{}
	if o.KeyField != "" {
		bal = &kafka.Hash{}
	}
	w := &kafka.Writer{Addr: kafka.TCP(o.Kafka.Brokers...), Topic: o.Topic, Balancer: bal,
		RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond, BatchSize: 5000,
		Compression: kafka.Snappy, MaxAttempts: 3, WriteTimeout: o.Timeout, ReadTimeout: o.Timeout,
		Transport: tr, AllowAutoTopicCreation: true}
	return &Sink{o: o, w: w}, nil
}

// Write sends rows and returns once Kafka acknowledged all of them.
func (s *Sink) Write(ctx context.Context, rows [][]byte) error {
	msgs := make([]kafka.Message, len(rows))
	for i, r := range rows {
		msgs[i].Value = append([]byte(nil), r...)
		if s.o.KeyField != "" {
			if v, err := s.p.ParseBytes(r); err == nil {
				if f := v.Get(s.o.KeyField); f != nil {
					if f.Type() == fastjson.TypeString {
						msgs[i].Key = append([]byte(nil), f.GetStringBytes()...)
					} else {
						msgs[i].Key = []byte(f.String())
					}
				}
			}
		}
	}
	wctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	if err := s.w.WriteMessages(wctx, msgs...); err != nil {
		return fmt.Errorf("kafka sink: write %d rows to %s: %w", len(rows), s.o.Topic, err)
	}
	return nil
}

// Close flushes and closes the writer.
func (s *Sink) Close() error { return s.w.Close() }
