package simulate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/mqttconn"
)

// DefaultWindow is how many messages an MQTT publisher keeps in flight.
const DefaultWindow = 1024

// MQTT is a Publisher on a paho connection that keeps up to a window of
// messages in flight: Publish hands a message to paho and waits only when
// the window is full, for the oldest. Waiting for each acknowledgement in
// turn would cap QoS 1 at one message per round trip.
//
// An MQTT is used by one goroutine.
type MQTT struct {
	conn    *mqttconn.Conn
	tokens  []paho.Token // ring of unfinished publications
	head, n int
	timeout time.Duration
}

// DialMQTT connects with opts and waits for the connection until ctx ends.
// A missing client id becomes eddy-simulate-<random>; the session is always
// clean, since a publisher has nothing to resume. window bounds the messages
// in flight (0: DefaultWindow); timeout bounds the wait for one message's
// acknowledgement (0: 30 s). log receives connection warnings (nil:
// slog.Default()).
func DialMQTT(ctx context.Context, opts mqttconn.Options, window int, timeout time.Duration, log *slog.Logger) (*MQTT, error) {
	if opts.ClientID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		opts.ClientID = "eddy-simulate-" + hex.EncodeToString(b[:])
	}
	opts.CleanSession = true
	if window <= 0 {
		window = DefaultWindow
	}
	// Message ids are 16 bits: paho cannot have more in flight.
	window = min(window, 65000)
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	conn, err := mqttconn.Start(mqttconn.Config{Options: opts, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := conn.WaitConnected(ctx); err != nil {
		conn.Close(0)
		return nil, fmt.Errorf("simulate: connect to %s: %w", opts.String(), err)
	}
	return &MQTT{conn: conn, tokens: make([]paho.Token, window), timeout: timeout}, nil
}

// Publish hands the message to paho, first waiting for the oldest one in
// flight if the window is full; the error may be that older message's.
func (p *MQTT) Publish(topic string, qos byte, payload []byte) error {
	if p.n == len(p.tokens) {
		if err := p.waitOldest(); err != nil {
			return err
		}
	}
	p.tokens[(p.head+p.n)%len(p.tokens)] = p.conn.Client().Publish(topic, qos, false, payload)
	p.n++
	return nil
}

// Flush waits for every message in flight.
func (p *MQTT) Flush() error {
	var first error
	for p.n > 0 {
		if err := p.waitOldest(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (p *MQTT) waitOldest() error {
	tok := p.tokens[p.head]
	p.tokens[p.head] = nil
	p.head = (p.head + 1) % len(p.tokens)
	p.n--
	if !tok.WaitTimeout(p.timeout) {
		return fmt.Errorf("not acknowledged within %v", p.timeout)
	}
	return tok.Error()
}

// FailedAttempts is how many connection attempts have failed so far
// (reconnects after a lost connection included).
func (p *MQTT) FailedAttempts() int64 { return p.conn.FailedAttempts() }

// Close disconnects, after at most a second for paho to finish sending. Call
// Flush first to know that everything was delivered.
func (p *MQTT) Close() { p.conn.Close(time.Second) }
