// Package mqtt is the sink that publishes result rows (or alerts) to a local
// MQTT topic, so that actuators and local dashboards keep working with the
// uplink down. Each row is one message. The topic may name fields of the row
// in braces, for example "eddy/results/{view}/{device}": the value of that
// top-level field is substituted ("_" when absent, and characters MQTT
// reserves for wildcards are replaced), so subscribers can filter per key.
package mqtt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/internal/mqttconn"
)

// Options configure an MQTT sink.
type Options struct {
	Conn     mqttconn.Config
	Topic    string // required; may contain {field} placeholders
	QoS      byte   // 0, 1 or 2; default 1
	Retained bool
	Timeout  time.Duration // per publish acknowledgement, default 10s
}

// Sink publishes rows.
type Sink struct {
	o      Options
	conn   *mqttconn.Conn
	fields []string // placeholders in Topic, in order
	parts  []string // literal parts around them
	p      fastjson.Parser
}

// New validates o and starts the connection (it connects in the background;
// Write waits for it up to the timeout).
func New(o Options) (*Sink, error) {
	s, err := newSink(o)
	if err != nil {
		return nil, err
	}
	c, err := mqttconn.Start(o.Conn)
	if err != nil {
		return nil, fmt.Errorf("mqtt sink: %w", err)
	}
	s.conn = c
	return s, nil
}

// newSink validates everything but the connection.
func newSink(o Options) (*Sink, error) {
	if o.Topic == "" {
		return nil, fmt.Errorf("mqtt sink: topic is required (for example topic = 'eddy/results/{view}')")
	}
	if strings.ContainsAny(o.Topic, "+#") {
		return nil, fmt.Errorf("mqtt sink: topic %q: wildcards + and # cannot be published to", o.Topic)
	}
	if o.QoS > 2 {
		return nil, fmt.Errorf("mqtt sink: qos %d: use 0, 1 or 2", o.QoS)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	s := &Sink{o: o}
	if err := s.parseTopic(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sink) parseTopic() error {
	t := s.o.Topic
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			s.parts = append(s.parts, t)
			return nil
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return fmt.Errorf("mqtt sink: topic %q: unclosed {", s.o.Topic)
		}
		name := t[i+1 : i+j]
		if name == "" {
			return fmt.Errorf("mqtt sink: topic %q: empty {} placeholder", s.o.Topic)
		}
		s.parts = append(s.parts, t[:i])
		s.fields = append(s.fields, name)
		t = t[i+j+1:]
	}
}

// topicFor expands the placeholders with the row's fields.
func (s *Sink) topicFor(row []byte) string {
	if len(s.fields) == 0 {
		return s.o.Topic
	}
	v, err := s.p.ParseBytes(row)
	var b strings.Builder
	for i, name := range s.fields {
		b.WriteString(s.parts[i])
		val := "_"
		if err == nil {
			if f := v.Get(name); f != nil {
				if f.Type() == fastjson.TypeString {
					val = string(f.GetStringBytes())
				} else {
					val = f.String()
				}
			}
		}
		b.WriteString(strings.NewReplacer("+", "_", "#", "_", "/", "_").Replace(val))
	}
	b.WriteString(s.parts[len(s.parts)-1])
	return b.String()
}

// Write publishes every row and waits for the acknowledgements (QoS ≥ 1).
func (s *Sink) Write(ctx context.Context, rows [][]byte) error {
	wctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	if err := s.conn.WaitConnected(wctx); err != nil {
		return fmt.Errorf("mqtt sink: %w", err)
	}
	cl := s.conn.Client()
	toks := make([]interface {
		WaitTimeout(time.Duration) bool
		Error() error
	}, 0, len(rows))
	for _, r := range rows {
		toks = append(toks, cl.Publish(s.topicFor(r), s.o.QoS, s.o.Retained, append([]byte(nil), r...)))
	}
	for _, t := range toks {
		if !t.WaitTimeout(s.o.Timeout) {
			return fmt.Errorf("mqtt sink: publish to %s not acknowledged within %v", s.o.Topic, s.o.Timeout)
		}
		if err := t.Error(); err != nil {
			return fmt.Errorf("mqtt sink: publish to %s: %w", s.o.Topic, err)
		}
	}
	return nil
}

// Close disconnects.
func (s *Sink) Close() error {
	s.conn.Close(250 * time.Millisecond)
	return nil
}
