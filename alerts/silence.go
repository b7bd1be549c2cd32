package alerts

import (
	"fmt"
	"slices"
	"strconv"
)

// Silence holds the notifications of the alerts it matches until a time.
// Alerts keep their lifecycle while silenced; when the silence ends (Until
// passes, or Unsilence) Tick notifies what changed meanwhile: firing if the
// alert still fires, resolved if it fired before the silence and has
// resolved since.
type Silence struct {
	ID string `json:"id"` // set by Engine.Silence
	// Matchers are label = value pairs that must all hold. "rule" matches
	// the rule name and "alert" the alert id, so {"alert": id} silences one
	// alert and {"rule": "hot_site"} a whole rule.
	Matchers map[string]string `json:"matchers"`
	Until    int64             `json:"until_ms"` // Unix ms, exclusive
	By       string            `json:"by,omitempty"`
	Comment  string            `json:"comment,omitempty"`
	Created  int64             `json:"created_ms"`
}

func (s *Silence) matches(in *instance) bool {
	for k, v := range s.Matchers {
		var got string
		switch k {
		case "rule":
			got = in.r.Name
		case "alert":
			got = in.id
		default:
			l, ok := in.labels[k]
			if !ok {
				return false
			}
			got = l
		}
		if got != v {
			return false
		}
	}
	return true
}

// Silence adds s, created at s.Created (Unix ms), and returns it with its
// id. It needs at least one matcher and an Until after Created.
func (e *Engine) Silence(s Silence) (Silence, error) {
	if len(s.Matchers) == 0 {
		return Silence{}, fmt.Errorf("%w: a silence needs a matcher (alert, rule or a label); an empty one would silence everything", ErrSilence)
	}
	if s.Until <= s.Created {
		return Silence{}, fmt.Errorf("%w: it would end (%d) before it begins (%d)", ErrSilence, s.Until, s.Created)
	}
	e.advance(s.Created)
	e.nextSilence++
	s.ID = "s" + strconv.FormatInt(e.nextSilence, 10)
	m := make(map[string]string, len(s.Matchers))
	for k, v := range s.Matchers {
		m[k] = v
	}
	s.Matchers = m
	e.silences = append(e.silences, s)
	return s, nil
}

// Unsilence ends the silence id now; the next Tick notifies what it held.
func (e *Engine) Unsilence(id string) error {
	i := slices.IndexFunc(e.silences, func(s Silence) bool { return s.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrUnknownSilence, id)
	}
	e.silences = slices.Delete(e.silences, i, i+1)
	return nil
}

// Silences returns the silences in force, oldest first.
func (e *Engine) Silences() []Silence { return slices.Clone(e.silences) }

// silence returns a silence that holds in at now, or nil.
func (e *Engine) silence(in *instance, now int64) *Silence {
	for i := range e.silences {
		if s := &e.silences[i]; now < s.Until && s.matches(in) {
			return s
		}
	}
	return nil
}

func (e *Engine) silenced(in *instance, now int64) bool { return e.silence(in, now) != nil }

// Ack acknowledges the pending or firing alert id: by whom, at (Unix ms).
// An acknowledged alert is not re-notified; a new episode (after it
// resolves) starts unacknowledged. Acks are recorded in the history.
func (e *Engine) Ack(id, by string, at int64) error {
	in := e.byID[id]
	if in == nil || (in.state != Pending && in.state != Firing) {
		return fmt.Errorf("%w: %q is not pending or firing", ErrUnknownAlert, id)
	}
	if by == "" {
		return fmt.Errorf("%w: say who acknowledges %q", ErrAck, id)
	}
	e.advance(at)
	in.ackBy, in.ackAt = by, at
	e.history = append(e.history, Transition{
		Time: at, Rule: in.r.Name, Alert: in.id, Labels: in.labels, From: in.state, To: in.state, Value: in.value, By: by,
	})
	return nil
}
