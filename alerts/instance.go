package alerts

import (
	"slices"
	"strconv"
	"strings"

	"github.com/eddy-iot/eddy/windows"
)

// instance is one alert of a rule: one group of its view (one value of its
// group_by columns). Absence and rate rules keep an instance per group seen
// even while inactive: the time of its last row, its previous value.
type instance struct {
	r      *rule
	key    string // windows.AppendKey of group
	group  []windows.Value
	id     string
	labels map[string]string

	state      State
	since      int64 // entered state
	activeAt   int64 // the episode began (pending, or firing for absence)
	firedAt    int64 // 0 until the episode fires; identifies the episode
	resolvedAt int64
	value      windows.Value
	firedValue windows.Value // value when it fired: the firing notification's

	ackBy string
	ackAt int64

	// What was last notified: Firing (of episode notifiedEpisode) or
	// Resolved/Inactive (nothing outstanding).
	notified        State
	notifiedEpisode int64
	notifiedAt      int64
	repeats         int
	// heldEpisode is an episode a silence held while it fired: if it
	// resolves before the silence ends, neither transition is notified.
	heldEpisode int64

	lastSeen int64 // absence
	hasPrev  bool  // rate
	prevT    int64
	prevV    float64
}

func (e *Engine) newInstance(r *rule, row []windows.Value) *instance {
	group := make([]windows.Value, len(r.group))
	for i, g := range r.group {
		group[i] = row[g]
		if group[i].Kind == windows.KindString {
			group[i].S = strings.Clone(group[i].S)
		}
	}
	return e.addInstance(r, group)
}

func (e *Engine) addInstance(r *rule, group []windows.Value) *instance {
	in := &instance{r: r, group: group, key: string(windows.AppendKey(nil, group...))}
	in.id, in.labels = identity(r, group)
	r.inst[in.key] = in
	e.byID[in.id] = in
	return in
}

// identity is an instance's id, rule{col="value",...}, and its labels: the
// rule's labels and the group's columns.
func identity(r *rule, group []windows.Value) (string, map[string]string) {
	labels := make(map[string]string, len(r.Labels)+len(group))
	for k, v := range r.Labels {
		labels[k] = v
	}
	if len(group) == 0 {
		return r.Name, labels
	}
	var b strings.Builder
	b.WriteString(r.Name)
	b.WriteByte('{')
	for i, v := range group {
		name := r.GroupBy[i]
		text := labelText(v)
		labels[name] = text
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteByte('=')
		if v.Kind == windows.KindNull {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.Quote(text))
		}
	}
	b.WriteByte('}')
	return b.String(), labels
}

// labelText is a group value as a label: strings as they are, NULL empty.
func labelText(v windows.Value) string {
	switch v.Kind {
	case windows.KindNull:
		return ""
	case windows.KindString:
		return v.S
	}
	return v.String()
}

func (e *Engine) drop(in *instance) {
	delete(in.r.inst, in.key)
	if e.byID[in.id] == in {
		delete(e.byID, in.id)
	}
	delete(e.dirty, in)
}

// transition moves in to state to at now, records it in the history and
// marks what must be notified.
func (e *Engine) transition(in *instance, to State, now int64) {
	from := in.state
	in.state, in.since = to, now
	switch to {
	case Pending:
		in.activeAt, in.firedAt, in.ackBy, in.ackAt = now, 0, "", 0
	case Firing:
		if from != Pending {
			in.activeAt, in.ackBy, in.ackAt = now, "", 0
		}
		in.firedAt, in.firedValue = now, in.value
	case Resolved:
		in.resolvedAt = now
		in.r.wake(now + in.r.KeepResolved.Milliseconds())
	}
	e.history = append(e.history, Transition{
		Time: now, Rule: in.r.Name, Alert: in.id, Labels: in.labels, From: from, To: to, Value: in.value,
	})
	if to == Firing || in.notified == Firing {
		e.dirty[in] = struct{}{}
	} else if to == Inactive && in.r.Kind == Threshold {
		e.drop(in)
	}
}

// Alert is the state of one alert instance, for the dashboard and the API.
// Labels is shared with the engine: read it, do not change it.
type Alert struct {
	ID       string            `json:"id"`
	Rule     string            `json:"rule"`
	Labels   map[string]string `json:"labels"`
	State    State             `json:"state"`
	Severity string            `json:"severity"`
	Summary  string            `json:"summary,omitempty"`
	// Value is the rule's value at the last row (absence: how long the
	// group has been silent when it fired, or was silent when it resolved).
	Value windows.Value `json:"-"`
	// ValueText is Value as text ("" for NULL).
	ValueText  string `json:"value"`
	Since      int64  `json:"since_ms"`       // entered State, Unix ms
	ActiveAt   int64  `json:"active_at_ms"`   // the episode began (pending)
	FiredAt    int64  `json:"fired_at_ms"`    // 0: has not fired in this episode
	ResolvedAt int64  `json:"resolved_at_ms"` // 0: never resolved
	AckedBy    string `json:"acked_by,omitempty"`
	AckedAt    int64  `json:"acked_at_ms,omitempty"`
	// SilencedBy is the id of a silence that holds the alert's notifications
	// at the latest time the engine was given.
	SilencedBy string `json:"silenced_by,omitempty"`
}

// Alerts returns every pending, firing and resolved (within KeepResolved)
// alert, in rule order then by id.
func (e *Engine) Alerts() []Alert {
	var out []Alert
	for _, r := range e.rules {
		start := len(out)
		for _, in := range r.inst {
			if in.state == Inactive {
				continue
			}
			a := Alert{
				ID: in.id, Rule: r.Name, Labels: in.labels, State: in.state, Severity: r.Severity, Summary: r.Summary,
				Value: in.value, ValueText: labelText(in.value), Since: in.since, ActiveAt: in.activeAt,
				FiredAt: in.firedAt, ResolvedAt: in.resolvedAt, AckedBy: in.ackBy, AckedAt: in.ackAt,
			}
			if s := e.silence(in, e.now); s != nil {
				a.SilencedBy = s.ID
			}
			out = append(out, a)
		}
		slices.SortFunc(out[start:], func(a, b Alert) int { return strings.Compare(a.ID, b.ID) })
	}
	return out
}
