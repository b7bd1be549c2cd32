package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind says how a rule watches its view.
type Kind string

const (
	// Threshold fires when Condition holds on a group's rows for For, and
	// resolves when Clear holds (default NOT Condition).
	Threshold Kind = "threshold"
	// Absence fires when a group sends no row (that passes Where) for For,
	// and resolves with its next row.
	Absence Kind = "absence"
	// Rate evaluates Condition over the column rate: the change of Value
	// per second between consecutive rows of a group (Time orders them).
	Rate Kind = "rate"
	// AgentOffline is a threshold on the agents view: NOT online, per agent.
	AgentOffline Kind = "agent_offline"
	// Outbox is a threshold on the agents view: outbox_bytes > Limit, per
	// agent.
	Outbox Kind = "outbox"
)

// Severities, from least to most urgent. An empty Severity is "warning".
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Rule is one alert rule. Where, Condition, Clear, Value and Time are SQL
// expressions over the columns of View (see package sql); a rule file
// (ParseRules) writes the same fields in YAML.
type Rule struct {
	Name string
	Kind Kind // empty: Threshold
	View string

	// Where selects the rows the rule sees; empty: every row.
	Where string
	// Condition starts an alert (Threshold, Rate). For AgentOffline and
	// Outbox it defaults to the kind's own test; Absence has none.
	Condition string
	// Clear resolves a firing alert; empty: NOT (Condition). A clear
	// threshold apart from the firing one is the hysteresis that keeps a
	// value hovering at the limit from flapping.
	Clear string
	// Value is what notifications and the dashboard show. Threshold default:
	// the left side of Condition when it is a comparison (p95_temp in
	// p95_temp > 40). Rate: the column whose rate is taken (required).
	Value string
	// Time is the event time of a Rate rule's rows (a TIMESTAMP or BIGINT
	// milliseconds column); empty: the time passed to Observe.
	Time string

	// GroupBy names the columns that identify one alert instance (site,
	// device); empty: one instance for the whole view.
	GroupBy []string
	// For is how long Condition must hold before firing (Absence: how long
	// a group must be silent).
	For time.Duration
	// Limit is the Outbox kind's bound, in bytes.
	Limit int64

	Severity string
	Summary  string
	Labels   map[string]string
	// Notify names the notifiers the caller delivers notifications to.
	Notify []string
	// Renotify repeats the firing notification of an unacknowledged alert
	// at this interval; 0: once.
	Renotify time.Duration
	// KeepResolved is how long a resolved alert stays in Alerts() (the
	// dashboard); default 1h.
	KeepResolved time.Duration

	// At is where the rule was written (ParseRules), for messages.
	At Pos

	exprAt map[string]Pos // the YAML value of each expression field
}

// Pos is a place in a rule file: line and column are 1-based; zero values
// mean unknown.
type Pos struct {
	File      string
	Line, Col int
	// Shift is added to the column of a position inside an expression
	// written as a quoted YAML scalar (the opening quote).
	Shift int
	// Block is set for |, > scalars whose text starts on the next line.
	Block bool
}

// String renders file:line[:col].
func (p Pos) String() string {
	s := p.File
	if s == "" {
		s = "rule"
	}
	if p.Line > 0 {
		s += fmt.Sprintf(":%d", p.Line)
		if p.Col > 0 {
			s += fmt.Sprintf(":%d", p.Col)
		}
	}
	return s
}

// DefaultKeepResolved is how long a resolved alert stays visible.
const DefaultKeepResolved = time.Hour

// reserved are names a label may not take: silence matchers use them for
// the rule name and the alert id.
var reserved = []string{"rule", "alert"}

// errorf builds an ErrRule error at the rule's position.
func (r *Rule) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s: rule %q: %s", ErrRule, r.At, r.Name, fmt.Sprintf(format, args...))
}

// fieldErrorf is errorf at the position of an expression field.
func (r *Rule) fieldErrorf(field string, format string, args ...any) error {
	at, ok := r.exprAt[field]
	if !ok {
		at = r.At
	}
	return fmt.Errorf("%w: %s: rule %q: %s: %s", ErrRule, at, r.Name, field, fmt.Sprintf(format, args...))
}

// normalize fills defaults, expands the agent kinds into thresholds on the
// agents view, and checks what can be checked without the view's columns.
func (r *Rule) normalize() error {
	if r.Name == "" {
		return r.errorf("a rule needs a name (name: hot_site)")
	}
	if strings.ContainsAny(r.Name, "{}\"") {
		return r.errorf("a name cannot contain braces or quotes; use letters, digits, _ and -")
	}
	if r.Kind == "" {
		r.Kind = Threshold
	}
	switch r.Severity {
	case "":
		r.Severity = SeverityWarning
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		return r.errorf("severity %q is not one of info, warning, critical", r.Severity)
	}
	if r.For < 0 || r.Renotify < 0 || r.KeepResolved < 0 {
		return r.errorf("for, renotify and keep_resolved cannot be negative")
	}
	if r.KeepResolved == 0 {
		r.KeepResolved = DefaultKeepResolved
	}
	for k := range r.Labels {
		if slices.Contains(reserved, k) {
			return r.errorf("label %q is reserved (silences match the rule name and alert id with it); rename the label", k)
		}
	}
	for _, g := range r.GroupBy {
		if slices.Contains(reserved, g) {
			return r.errorf("group_by column %q is reserved as a label name; rename the column in the view (AS %s_name)", g, g)
		}
		if _, ok := r.Labels[g]; ok {
			return r.errorf("label %q is also a group_by column; drop one of them", g)
		}
	}
	if r.Limit != 0 && r.Kind != Outbox {
		return r.errorf("limit belongs to kind outbox; write the bound in condition instead")
	}
	if r.Time != "" && r.Kind != Rate {
		return r.errorf("time belongs to kind rate")
	}
	switch r.Kind {
	case Threshold:
		if r.Condition == "" {
			return r.errorf("a threshold rule needs a condition (condition: temp > 40)")
		}
	case Rate:
		if r.Condition == "" || r.Value == "" {
			return r.errorf("a rate rule needs value (the column whose rate is taken) and a condition over rate (condition: abs(rate) > 0.5)")
		}
	case Absence:
		if r.Condition != "" || r.Clear != "" {
			return r.errorf("an absence rule has no condition or clear: it fires when a group sends no row for `for` (filter rows with where)")
		}
		if r.For <= 0 {
			return r.errorf("an absence rule needs for: how long a group may stay silent (for: 5m)")
		}
	case AgentOffline, Outbox:
		if r.View != "" && r.View != AgentsView {
			return r.errorf("kind %s watches the %s view; drop view: %s", r.Kind, AgentsView, r.View)
		}
		r.View = AgentsView
		if len(r.GroupBy) == 0 {
			r.GroupBy = []string{"agent"}
		}
		if r.Kind == AgentOffline {
			if r.Condition == "" {
				r.Condition = "NOT online"
			}
			if r.Value == "" {
				r.Value = "last_seen_ms"
			}
		} else {
			if r.Limit <= 0 {
				return r.errorf("kind outbox needs limit: the outbox size that fires, in bytes (limit: 100MB)")
			}
			if r.Condition == "" {
				r.Condition = fmt.Sprintf("outbox_bytes > %d", r.Limit)
			}
			if r.Value == "" {
				r.Value = "outbox_bytes"
			}
		}
	default:
		return r.errorf("unknown kind %q (want threshold, absence, rate, agent_offline or outbox)", r.Kind)
	}
	if r.View == "" {
		return r.errorf("a rule needs the view whose rows it watches (view: site_temp)")
	}
	return nil
}
