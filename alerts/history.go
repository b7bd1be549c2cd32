package alerts

import (
	"fmt"

	"github.com/eddy-iot/eddy/windows"
)

// Transition is one entry of the history: an alert instance changed state
// (From → To), or was acknowledged (From == To, By set). The engine appends
// them; TakeHistory hands them to the caller to persist.
type Transition struct {
	Time   int64             `json:"time_ms"`
	Rule   string            `json:"rule"`
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
	From   State             `json:"from"`
	To     State             `json:"to"`
	Value  windows.Value     `json:"-"`
	By     string            `json:"by,omitempty"` // who acknowledged
}

// TakeHistory returns the transitions since the last call and forgets them.
func (e *Engine) TakeHistory() []Transition {
	h := e.history
	e.history = nil
	return h
}

const historyVersion = 1

// AppendHistory appends the encoding of ts to dst: a version byte, a count,
// then per transition its time, rule, alert, labels, from, to, value and by.
// Encodings of successive batches are independent: decode each on its own.
func AppendHistory(dst []byte, ts []Transition) []byte {
	dst = append(dst, historyVersion)
	dst = appendUvarintInt(dst, len(ts))
	for i := range ts {
		dst = appendTransition(dst, &ts[i])
	}
	return dst
}

func appendUvarintInt(dst []byte, n int) []byte {
	return appendUvarint(dst, uint64(n))
}

func appendTransition(b []byte, t *Transition) []byte {
	b = appendVarint(b, t.Time)
	b = appendString(b, t.Rule)
	b = appendString(b, t.Alert)
	b = appendLabels(b, t.Labels)
	b = append(b, byte(t.From), byte(t.To))
	b = appendValue(b, t.Value)
	return appendString(b, t.By)
}

// DecodeHistory decodes what AppendHistory wrote. Any other input is an
// error wrapping ErrCorrupt or ErrVersion; it never panics (FuzzDecodeHistory).
func DecodeHistory(b []byte) ([]Transition, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty history", ErrCorrupt)
	}
	if b[0] != historyVersion {
		return nil, fmt.Errorf("%w: history version %d (this build reads %d)", ErrVersion, b[0], historyVersion)
	}
	r := &reader{b: b, off: 1}
	n := r.count(9) // the smallest transition takes 9 bytes
	ts := make([]Transition, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		ts = append(ts, readTransition(r))
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	return ts, nil
}

func readTransition(r *reader) Transition {
	var t Transition
	t.Time = r.varint()
	t.Rule = r.string()
	t.Alert = r.string()
	t.Labels = r.labels()
	t.From = r.state()
	t.To = r.state()
	t.Value = r.value()
	t.By = r.string()
	return t
}
