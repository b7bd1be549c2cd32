package alerts

import (
	"strconv"

	"github.com/eddy-iot/eddy/windows"
)

// Notification is one message for the caller to deliver to the rule's
// notifiers. The engine emits one per transition (firing, resolved), plus
// re-notifications of an unacknowledged firing alert when the rule sets
// renotify. Labels is shared with the engine: read it, do not change it.
type Notification struct {
	Rule   string            `json:"rule"`
	Alert  string            `json:"alert"` // the instance id, as in Alert.ID
	Labels map[string]string `json:"labels"`
	State  State             `json:"state"` // Firing or Resolved
	Value  windows.Value     `json:"-"`
	// ValueText is Value as text ("" for NULL).
	ValueText string   `json:"value"`
	Time      int64    `json:"time_ms"` // of the transition, Unix ms
	Severity  string   `json:"severity"`
	Summary   string   `json:"summary,omitempty"`
	Notify    []string `json:"notify,omitempty"` // the rule's notifier names
	// DedupKey is the same for every delivery of one transition (its
	// re-notifications included) and differs between transitions: a
	// receiver that has seen it may drop the message. It is
	// alert id + "@" + the episode's firing time + "/" + state.
	DedupKey string `json:"dedup_key"`
	// Repeat is 0 for the first notification of a transition and counts
	// re-notifications.
	Repeat int `json:"repeat,omitempty"`
}

func (e *Engine) message(in *instance, state State, episode, at int64, v windows.Value) Notification {
	r := in.r
	return Notification{
		Rule: r.Name, Alert: in.id, Labels: in.labels, State: state, Value: v, ValueText: labelText(v),
		Time: at, Severity: r.Severity, Summary: r.Summary, Notify: r.Notify,
		DedupKey: in.id + "@" + strconv.FormatInt(episode, 10) + "/" + state.String(),
	}
}

// notify emits what in's state owes its notifiers: the resolution of an
// episode that was notified firing, and the firing of the current episode.
func (e *Engine) notify(in *instance, now int64, out []Notification) []Notification {
	if in.notified == Firing && (in.state != Firing || in.notifiedEpisode != in.firedAt) {
		at := in.resolvedAt
		if at < in.notifiedEpisode {
			at = now
		}
		out = append(out, e.message(in, Resolved, in.notifiedEpisode, at, in.value))
		in.notified, in.notifiedAt = Resolved, now
	}
	if in.state == Resolved && in.firedAt != 0 && in.notifiedEpisode != in.firedAt && in.heldEpisode != in.firedAt {
		// Fired and resolved between two ticks: both transitions are owed.
		out = append(out, e.message(in, Firing, in.firedAt, in.firedAt, in.firedValue))
		out = append(out, e.message(in, Resolved, in.firedAt, in.resolvedAt, in.value))
		in.notified, in.notifiedEpisode, in.notifiedAt, in.repeats = Resolved, in.firedAt, now, 0
	}
	if in.state == Firing && in.notified != Firing {
		out = append(out, e.message(in, Firing, in.firedAt, in.firedAt, in.firedValue))
		in.notified, in.notifiedEpisode, in.notifiedAt, in.repeats = Firing, in.firedAt, now, 0
		if in.r.Renotify > 0 {
			in.r.wake(now + in.r.Renotify.Milliseconds())
		}
	}
	return out
}

// renotify repeats the firing notification of in.
func (e *Engine) renotify(in *instance, now int64, out []Notification) []Notification {
	in.repeats++
	in.notifiedAt = now
	m := e.message(in, Firing, in.firedAt, in.firedAt, in.value)
	m.Repeat = in.repeats
	return append(out, m)
}

// owes reports whether in has a transition its notifiers have not heard of.
func owes(in *instance) bool {
	switch {
	case in.state == Firing:
		return in.notified != Firing || in.notifiedEpisode != in.firedAt
	case in.notified == Firing:
		return true
	case in.state == Resolved:
		return in.firedAt != 0 && in.notifiedEpisode != in.firedAt && in.heldEpisode != in.firedAt
	}
	return false
}
