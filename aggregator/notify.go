package aggregator

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/sinks"
	kafkasink "github.com/eddy-iot/eddy/sinks/kafka"
	mqttsink "github.com/eddy-iot/eddy/sinks/mqtt"
	"github.com/eddy-iot/eddy/sinks/webhook"
)

// notifier delivers alerts.Notification JSON to one sink through a bounded
// queue, on its own goroutine: the evaluator only enqueues, so a slow or
// unreachable receiver never holds the batch loop. A full queue drops the
// new notification (counted). Deliveries are deduplicated by the
// notification's dedup key and repeat number within the last dedupWindow
// notifications.
type notifier struct {
	name string
	typ  string
	sink sinks.Sink
	q    chan []byte
	log  *slog.Logger

	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int

	delivered, failed, dropped, duplicates *metrics.Counter
}

const dedupWindow = 4096

func newNotifier(name string, c NotifierConfig, agg KafkaConfig, set *metrics.Set, log *slog.Logger) (*notifier, error) {
	n := &notifier{name: name, typ: c.Type, q: make(chan []byte, c.QueueSize), log: log,
		seen: map[string]struct{}{}, ring: make([]string, dedupWindow)}
	var err error
	switch c.Type {
	case "webhook":
		n.sink, err = webhook.New(webhook.Options{URL: c.URL, BearerToken: c.Token, Headers: c.Headers,
			Timeout: c.Timeout, MaxAttempts: c.MaxAttempts})
	case "mqtt":
		qos := 1
		if c.QoS != nil {
			qos = *c.QoS
		}
		o := *c.MQTT
		if o.ClientID == "" {
			o.ClientID = "eddy-aggregator-alerts-" + name
		}
		n.sink, err = mqttsink.New(mqttsink.Options{Conn: mqttconn.Config{Options: o, Logger: log}, Topic: c.Topic,
			QoS: byte(qos), Retained: c.Retained, Timeout: c.Timeout})
	case "kafka":
		ko := agg.Options
		if c.Kafka != nil {
			ko = *c.Kafka
		}
		n.sink, err = kafkasink.New(kafkasink.Options{Kafka: ko, Topic: c.Topic, KeyField: "alert", Timeout: c.Timeout})
	default:
		err = fmt.Errorf("type %q: use webhook, mqtt or kafka", c.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("alerts.notifiers.%s: %w", name, err)
	}
	metric := func(outcome string) *metrics.Counter {
		return set.NewCounter(fmt.Sprintf(`eddy_aggregator_notifications_total{notifier=%q,outcome=%q}`, name, outcome))
	}
	n.delivered, n.failed, n.dropped, n.duplicates = metric("delivered"), metric("failed"), metric("dropped"), metric("duplicate")
	return n, nil
}

// enqueue queues one notification unless its (dedup key, repeat) was
// queued already or the queue is full.
func (n *notifier) enqueue(key string, body []byte) {
	n.mu.Lock()
	if _, dup := n.seen[key]; dup {
		n.mu.Unlock()
		n.duplicates.Inc()
		return
	}
	if old := n.ring[n.next]; old != "" {
		delete(n.seen, old)
	}
	n.ring[n.next] = key
	n.next = (n.next + 1) % len(n.ring)
	n.seen[key] = struct{}{}
	n.mu.Unlock()
	select {
	case n.q <- body:
	default:
		n.dropped.Inc()
		if throttle.allow("notifier full " + n.name) {
			n.log.Warn("notifier queue full: notification dropped", "notifier", n.name, "key", key)
		}
	}
}

// run delivers until ctx ends: what is queued goes out in one write (a
// webhook POSTs it as one JSON array).
func (n *notifier) run(ctx context.Context) {
	var batch [][]byte
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-n.q:
			batch = append(batch[:0], b)
		}
	drain:
		for len(batch) < 100 {
			select {
			case b := <-n.q:
				batch = append(batch, b)
			default:
				break drain
			}
		}
		if err := n.sink.Write(ctx, batch); err != nil {
			n.failed.Add(len(batch))
			if ctx.Err() == nil && throttle.allow("notifier "+n.name) {
				n.log.Warn("notification not delivered", "notifier", n.name, "type", n.typ, "count", len(batch), "err", err)
			}
			continue
		}
		n.delivered.Add(len(batch))
	}
}

func (n *notifier) close() error {
	done := make(chan error, 1)
	go func() { done <- n.sink.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("notifier %s: close timed out", n.name)
	}
}
