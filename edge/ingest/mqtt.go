package ingest

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/mqttconn"
)

// Subscription is one MQTT topic filter and the QoS to subscribe with.
type Subscription struct {
	Filter string
	QoS    byte
}

// MQTT is an MQTT input: one supervised connection with its subscriptions.
type MQTT struct {
	conn       *mqttconn.Conn
	q          *msgQueue
	subs       []Subscription
	now        func() int64
	log        *slog.Logger
	received   atomic.Int64
	dropped    atomic.Int64
	subErrs    atomic.Int64
	subscribed atomic.Int64
}

// NewMQTT starts an input. cfg.CleanSession should be false and the client
// id fixed, so the broker keeps unacknowledged messages across restarts.
// queue bounds the messages waiting for the consumer, by count and by bytes.
// now gives processing time in Unix ms (nil: the wall clock).
func NewMQTT(cfg mqttconn.Config, subs []Subscription, queue Queue, now func() int64) (*MQTT, error) {
	if len(subs) == 0 {
		return nil, fmt.Errorf("ingest: no subscriptions")
	}
	for _, s := range subs {
		if s.QoS > 2 {
			return nil, fmt.Errorf("ingest: subscription %q: qos %d, use 0, 1 or 2", s.Filter, s.QoS)
		}
	}
	if now == nil {
		now = func() int64 { return time.Now().UnixMilli() }
	}
	m := &MQTT{q: newMsgQueue(queue), subs: subs, now: now, log: cfg.Logger}
	if m.log == nil {
		m.log = slog.Default()
	}
	cfg.AutoAckDisabled = true
	cfg.DefaultHandler = m.handle
	cfg.OnConnect = m.subscribe
	c, err := mqttconn.Start(cfg)
	if err != nil {
		m.q.close()
		return nil, err
	}
	m.conn = c
	return m, nil
}

// subscribe runs on every (re)connect. It must not wait on tokens (it runs
// on paho's goroutine), so failures are checked in the background.
func (m *MQTT) subscribe(c paho.Client) {
	filters := make(map[string]byte, len(m.subs))
	for _, s := range m.subs {
		filters[s.Filter] = s.QoS
	}
	tok := c.SubscribeMultiple(filters, nil)
	go func() {
		if !tok.WaitTimeout(30 * time.Second) {
			m.subErrs.Add(1)
			m.log.Warn("mqtt subscribe not acknowledged within 30s")
			return
		}
		if err := tok.Error(); err != nil {
			m.subErrs.Add(1)
			m.log.Error("mqtt subscribe failed", "err", err)
			return
		}
		if st, ok := tok.(*paho.SubscribeToken); ok {
			for f, code := range st.Result() {
				if code == 0x80 {
					m.subErrs.Add(1)
					m.log.Error("mqtt broker refused subscription", "filter", f)
					return
				}
			}
		}
		m.subscribed.Add(1)
	}()
}

// handle runs on paho's goroutine for every message, in arrival order.
func (m *MQTT) handle(_ paho.Client, pm paho.Message) {
	m.received.Add(1)
	msg := Message{Topic: pm.Topic(), Payload: pm.Payload(), QoS: pm.Qos(), Dup: pm.Duplicate(), ID: pm.MessageID(),
		Received: m.now(), Partition: -1, ack: pm.Ack}
	if msg.QoS == 0 {
		if !m.q.push(msg, false) {
			m.dropped.Add(1) // counted, reported as ingest_overflow
		}
		return
	}
	// QoS ≥ 1: never dropped. The broker's in-flight window bounds how many
	// can be waiting, so with a queue larger than that this rarely blocks;
	// when it does, the broker holds the rest.
	m.q.push(msg, true)
}

// Messages is the stream of received messages, in arrival order.
func (m *MQTT) Messages() <-chan Message { return m.q.out }

// Stats of the input.
type Stats struct {
	Received       int64
	Overflow       int64 // QoS 0 messages dropped because the queue was full (count or bytes)
	SubscribeFails int64
	// Subscribed counts the (re)subscriptions the broker acknowledged: once
	// it is > 0 the broker delivers every matching message to the session.
	Subscribed   int64
	Connected    bool
	ConnectFails int64
}

// Stats returns the counters.
func (m *MQTT) Stats() Stats {
	return Stats{Received: m.received.Load(), Overflow: m.dropped.Load(), SubscribeFails: m.subErrs.Load(), Subscribed: m.subscribed.Load(),
		Connected: m.conn.Connected(), ConnectFails: m.conn.FailedAttempts()}
}

// Conn exposes the connection (for readiness checks).
func (m *MQTT) Conn() *mqttconn.Conn { return m.conn }

// Close disconnects. Messages not yet acked are redelivered by the broker to
// the next session with the same client id.
func (m *MQTT) Close() {
	m.q.close() // first: a handler blocked on a full queue returns
	m.conn.Close(100 * time.Millisecond)
}
