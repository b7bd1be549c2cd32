package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/fleetdoc"
	"github.com/eddy-iot/eddy/internal/mqttconn"
)

// ControlSettings configure the control connection.
type ControlSettings struct {
	// MQTT is the control connection: its own client id and credentials,
	// never shared with the data connection.
	MQTT   mqttconn.Options
	Prefix string // topic prefix; "" = eddy
	// Keys are the public keys whose signatures are trusted.
	Keys fleetdoc.Keyring
}

// fleetSettle is how long after a (re)connect a fleet-wide document waits
// for the agent's own retained document, which takes precedence: MQTT has
// no way to say that a topic holds no retained message.
const fleetSettle = time.Second

// control is the agent's side of fleet configuration: it receives
// documents on the config topics, checks them (format, signature, target,
// version), has the Runtime apply them, and publishes the outcome as an
// event and as the retained status. The paho handlers only store the
// latest payload per topic; one goroutine (run) does the work, so a slow
// apply never stalls the MQTT client.
type control struct {
	rt     *Runtime
	id     string
	keys   fleetdoc.Keyring
	topics fleetdoc.Topics
	conn   *mqttconn.Conn
	log    *slog.Logger
	wake   chan struct{}

	mu          sync.Mutex
	pending     map[string][]byte // topic → latest payload not yet handled
	agentDoc    bool              // a document for this agent is retained: the fleet one is ignored
	lastFleet   []byte            // to fall back on when the agent's document is cleared
	connectedAt time.Time
	lastErr     *fleetdoc.Rejection
}

func startControl(r *Runtime, cs ControlSettings) (*control, error) {
	c := &control{rt: r, id: r.s.ID, keys: cs.Keys, topics: fleetdoc.TopicsFor(cs.Prefix, r.s.ID), log: r.log,
		wake: make(chan struct{}, 1), pending: map[string][]byte{}}
	will, err := json.Marshal(fleetdoc.Status{Agent: c.id, State: fleetdoc.Offline})
	if err != nil {
		return nil, err
	}
	mo := cs.MQTT
	if mo.ClientID == "" {
		mo.ClientID = "eddy-control-" + c.id
	}
	conn, err := mqttconn.Start(mqttconn.Config{Options: mo, Logger: r.log,
		Will:           &mqttconn.Will{Topic: c.topics.Status, Payload: will, QoS: 1, Retained: true},
		DefaultHandler: c.onMessage, OnConnect: c.onConnect})
	if err != nil {
		return nil, err
	}
	c.conn = conn
	return c, nil
}

// onConnect runs on paho's goroutine: subscribe and announce, without
// waiting on tokens.
func (c *control) onConnect(cl paho.Client) {
	c.mu.Lock()
	c.connectedAt = time.Now()
	c.agentDoc = false
	c.mu.Unlock()
	cl.SubscribeMultiple(map[string]byte{c.topics.Config: 1, c.topics.FleetConfig: 1}, c.onMessage)
	cl.Publish(c.topics.Status, 1, true, c.status(fleetdoc.Online))
}

// onMessage keeps the latest payload of each config topic; it never
// blocks.
func (c *control) onMessage(_ paho.Client, m paho.Message) {
	topic := m.Topic()
	if topic != c.topics.Config && topic != c.topics.FleetConfig {
		return
	}
	p := append([]byte(nil), m.Payload()...)
	c.mu.Lock()
	switch {
	case topic == c.topics.FleetConfig:
		c.lastFleet = p
		c.pending[topic] = p
	case len(p) > 0:
		c.agentDoc = true
		c.pending[topic] = p
	default: // the agent's document was cleared: the fleet one applies again
		c.agentDoc = false
		delete(c.pending, topic)
		if c.lastFleet != nil {
			c.pending[c.topics.FleetConfig] = c.lastFleet
		}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run handles documents until ctx ends.
func (c *control) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-timer.C:
		}
		for {
			topic, payload, wait := c.next()
			if wait > 0 {
				timer.Reset(wait)
			}
			if topic == "" {
				break
			}
			c.handle(ctx, topic, payload)
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// next takes the next document to handle: the agent's own first; the
// fleet's only while the agent has none and, after a connect, once the
// agent's own had time to arrive (wait says how long is left).
func (c *control) next() (topic string, payload []byte, wait time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.pending[c.topics.Config]; ok {
		delete(c.pending, c.topics.Config)
		return c.topics.Config, p, 0
	}
	p, ok := c.pending[c.topics.FleetConfig]
	if !ok {
		return "", nil, 0
	}
	if c.agentDoc {
		delete(c.pending, c.topics.FleetConfig)
		return "", nil, 0
	}
	if left := fleetSettle - time.Since(c.connectedAt); left > 0 {
		return "", nil, left
	}
	delete(c.pending, c.topics.FleetConfig)
	return c.topics.FleetConfig, p, 0
}

// handle checks one document, applies it if it is acceptable and reports
// the outcome. A document already applied (the retained copy seen again on
// reconnect) or already rejected is ignored.
func (c *control) handle(ctx context.Context, topic string, payload []byte) {
	if len(payload) == 0 {
		return
	}
	version, digest := int64(0), fleetdoc.PayloadDigest(payload)
	doc, err := fleetdoc.Decode(payload)
	if err == nil {
		version, digest = doc.Version, doc.Digest()
		err = c.check(doc, topic == c.topics.FleetConfig)
	}
	if err == nil {
		cur := c.rt.appliedConfig()
		if doc.Version == cur.Version && digest == cur.Digest {
			return
		}
		if doc.Version <= cur.Version {
			err = fmt.Errorf("%w: version %d is not newer than the applied version %d (a replay or a rollback); sign the configuration with version %d or higher",
				fleetdoc.ErrStale, doc.Version, cur.Version, cur.Version+1)
		}
	}
	if le := c.lastError(); le != nil && le.Digest == digest && le.Version == version {
		return
	}
	if err == nil {
		err = c.rt.apply(ctx, doc, payload)
		if ctx.Err() != nil {
			return // shutting down: the retained document is seen again at the next start
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	ev := fleetdoc.Event{Agent: c.id, Event: fleetdoc.Applied, Version: version, Digest: digest, Time: now}
	if err != nil {
		rej := &fleetdoc.Rejection{Version: version, Digest: digest, Code: fleetdoc.Code(err), Reason: err.Error(), Time: now}
		c.mu.Lock()
		c.lastErr = rej
		c.mu.Unlock()
		ev.Event, ev.Code, ev.Reason = fleetdoc.Rejected, rej.Code, rej.Reason
		c.log.Warn("fleet configuration rejected", "topic", topic, "version", version, "code", rej.Code, "reason", rej.Reason)
	} else {
		c.log.Info("fleet configuration applied", "topic", topic, "version", version, "digest", digest)
	}
	b, _ := json.Marshal(ev)
	c.publish(c.topics.Events, false, b)
	c.publish(c.topics.Status, true, c.status(fleetdoc.Online))
}

// check verifies the signature first (so an unsigned or forged document
// is reported as such), then that the document is addressed to this agent.
func (c *control) check(doc *fleetdoc.Document, fleet bool) error {
	if err := doc.Verify(c.keys); err != nil {
		return err
	}
	switch {
	case fleet && doc.Agent != "":
		return fmt.Errorf("%w: a document on the fleet topic must not name an agent (it names %q); publish it on that agent's config topic", fleetdoc.ErrWrongAgent, doc.Agent)
	case !fleet && doc.Agent != c.id:
		return fmt.Errorf("%w: the document is for agent %q, this agent is %q (sign it with --agent %s)", fleetdoc.ErrWrongAgent, doc.Agent, c.id, c.id)
	}
	return nil
}

func (c *control) lastError() *fleetdoc.Rejection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// status is the retained status payload.
func (c *control) status(state string) []byte {
	a := c.rt.appliedConfig()
	b, _ := json.Marshal(fleetdoc.Status{Agent: c.id, State: state, ConfigVersion: a.Version, ConfigDigest: a.Digest,
		AppliedAt: a.AppliedAt, LastError: c.lastError(), Time: time.Now().UTC().Format(time.RFC3339)})
	return b
}

// publish sends at QoS 1 and waits a little for the broker; a lost status
// is published again on the next connect.
func (c *control) publish(topic string, retained bool, payload []byte) {
	tok := c.conn.Client().Publish(topic, 1, retained, payload)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		c.log.Warn("control: publish failed", "topic", topic, "err", tok.Error())
	}
}

// close says offline (a clean disconnect sends no will) and disconnects.
func (c *control) close() {
	if c.conn.Connected() {
		tok := c.conn.Client().Publish(c.topics.Status, 1, true, c.status(fleetdoc.Offline))
		tok.WaitTimeout(2 * time.Second)
	}
	c.conn.Close(250 * time.Millisecond)
}
