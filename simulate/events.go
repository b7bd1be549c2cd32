package simulate

import (
	"bufio"
	"encoding/json"
	"io"
)

// Event is one line of an event log: a message as sent, with what the
// generator knows about it.
type Event struct {
	Topic   string `json:"topic"`
	Kind    string `json:"kind"`             // good, duplicate, malformed, late
	Reason  string `json:"reason,omitempty"` // malformed only
	Device  string `json:"device"`
	Seq     int64  `json:"seq"`
	TS      int64  `json:"ts"`
	Payload string `json:"payload"` // as sent; the generator writes only ASCII
}

// WriteEvents writes the first n messages of the stream cfg describes to w as
// JSON lines, one Event each. Because the generator is deterministic, with
// n = Stats.Total() of a Publish that is exactly what was sent, so a test in
// any language can compute its expectation from the log.
func WriteEvents(w io.Writer, cfg Config, n int64) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	g := New(cfg)
	for range n {
		m, ok := g.Next()
		if !ok {
			break
		}
		e := Event{Topic: m.Topic, Kind: m.Kind.String(), Reason: m.Reason, Device: m.Device, Seq: m.Seq,
			TS: m.Time, Payload: string(m.Payload)}
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return bw.Flush()
}
