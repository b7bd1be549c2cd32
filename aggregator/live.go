package aggregator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/alerts"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// Meta keys of the alert engine's durable state in the aggregator's store.
const (
	metaAlertsSnapshot = "alerts.snapshot"
	metaAlertsHistory  = "alerts.history"
	// historyKeep bounds the history kept (the latest transitions).
	historyKeep = 2000
)

// evaluator runs the alert rules over every committed fleet row and the
// agent registry, delivers notifications, persists the engine's state and
// feeds the dashboard's event stream. It is the aggregator's own Listener:
// Committed queues the commit and returns; one goroutine (run) does the
// work, and Tick runs after each batch and every second.
type evaluator struct {
	a     *Aggregator
	kinds map[string]string // rule name -> kind as written
	rules []alerts.Rule
	cols  map[string][]sql.Column // fleet view -> row columns
	names map[string][]string     // fleet view -> column names
	notif map[string]*notifier
	hub   *hub

	mu      sync.Mutex // guards eng, history and the fields below
	eng     *alerts.Engine
	history []alerts.Transition
	// lastAgents is the registry as last fed; agentsAt when (Unix ms).
	lastAgents []Agent
	agentsAt   int64
	alertsJSON []byte // the alerts list last published
	agentsJSON []byte

	qmu     sync.Mutex
	pending []*Commit
	wake    chan struct{}

	watched  map[string]bool // views some rule watches
	lastSave time.Time

	// agentEvery is how often the registry is fed without new checkpoints,
	// so that online turns false when checkpoints stop.
	agentEvery time.Duration
}

func newEvaluator(a *Aggregator) (*evaluator, error) {
	ev := &evaluator{a: a, kinds: map[string]string{}, cols: map[string][]sql.Column{}, names: map[string][]string{},
		notif: map[string]*notifier{}, hub: newHub(), wake: make(chan struct{}, 1)}
	ev.agentEvery = min(max(a.cfg.HeartbeatTimeout/10, time.Second), 5*time.Second)
	views := alerts.Views{}
	for _, v := range a.eng.Views() {
		cols := v.Columns()
		ev.cols[v.Name] = cols
		views[v.Name] = cols
		for _, c := range cols {
			ev.names[v.Name] = append(ev.names[v.Name], c.Name)
		}
	}
	ev.rules = a.cfg.Alerts.parsed
	ev.watched = map[string]bool{}
	for _, r := range ev.rules {
		ev.watched[r.View] = true
		k := string(r.Kind)
		if k == "" {
			k = string(alerts.Threshold)
		}
		ev.kinds[r.Name] = k
	}
	eng, err := alerts.New(ev.rules, views)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	ev.eng = eng
	var snap, hist []byte
	_ = a.st.View(func(tx *store.Tx) error {
		snap = bytes.Clone(tx.Meta(metaAlertsSnapshot))
		hist = bytes.Clone(tx.Meta(metaAlertsHistory))
		return nil
	})
	if snap != nil {
		if err := eng.Restore(snap); err != nil {
			a.log.Warn("alert state not restored: alerts start over", "err", err)
		}
	}
	if hist != nil {
		if h, err := alerts.DecodeHistory(hist); err == nil {
			ev.history = h
		} else {
			a.log.Warn("alert history unreadable: starting a new one", "err", err)
		}
	}
	for name, nc := range a.cfg.Alerts.Notifiers {
		n, err := newNotifier(name, nc, a.cfg.Kafka, a.set, a.log)
		if err != nil {
			ev.close()
			return nil, err
		}
		ev.notif[name] = n
	}
	return ev, nil
}

func (ev *evaluator) close() {
	for _, n := range ev.notif {
		if err := n.close(); err != nil {
			ev.a.log.Warn("closing a notifier", "err", err)
		}
	}
}

// Committed queues c for the evaluator's goroutine.
func (ev *evaluator) Committed(c *Commit) {
	ev.qmu.Lock()
	ev.pending = append(ev.pending, c)
	ev.qmu.Unlock()
	select {
	case ev.wake <- struct{}{}:
	default:
	}
}

// run evaluates until ctx ends; the notifiers deliver meanwhile.
func (ev *evaluator) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, n := range ev.notif {
		wg.Add(1)
		go func() { defer wg.Done(); n.run(ctx) }()
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			ev.save()
			wg.Wait()
			return
		case <-ev.wake:
		case <-t.C:
		}
		ev.step()
	}
}

// step applies the queued commits, feeds the registry when due, ticks the
// engine, delivers, persists and publishes. Tests call it directly with an
// injected clock.
func (ev *evaluator) step() {
	ev.qmu.Lock()
	commits := ev.pending
	ev.pending = nil
	ev.qmu.Unlock()
	now := ev.a.opt.Now()
	ms := now.UnixMilli()

	ev.mu.Lock()
	observed := false
	agentsChanged := false
	for _, c := range commits {
		at := c.Time.UnixMilli()
		rows := map[string][]json.RawMessage{}
		for _, ch := range c.Fleet {
			if ch.Row == nil {
				continue
			}
			rows[ch.View] = append(rows[ch.View], ch.Row)
			if !ev.watched[ch.View] {
				continue
			}
			if vals, err := ev.decode(ch); err == nil {
				ev.eng.Observe(ch.View, ev.names[ch.View], vals, at)
				observed = true
			} else {
				ev.a.fail("alerts: fleet row", err)
			}
		}
		for view, rs := range rows {
			b, _ := json.Marshal(struct {
				View string            `json:"view"`
				Rows []json.RawMessage `json:"rows"`
			}{view, rs})
			ev.hub.publish("rows", b)
		}
		agentsChanged = agentsChanged || len(c.Agents) > 0
	}
	if agentsChanged || ms-ev.agentsAt >= ev.agentEvery.Milliseconds() || ev.agentsAt == 0 {
		ev.feedAgents(now)
		observed = true
	}
	ns := ev.eng.Tick(ms)
	h := ev.eng.TakeHistory()
	ev.keepHistory(h)
	alertsJSON := ev.alertsJSONLocked()
	ev.mu.Unlock()

	ev.deliver(ns)
	// Transitions and notifications are saved at once; rows alone (absence
	// and rate rules' last rows) at most every 5 s.
	if len(ns) > 0 || len(h) > 0 || observed && len(ev.rules) > 0 && now.Sub(ev.lastSave) >= 5*time.Second {
		ev.lastSave = now
		ev.save()
	}
	ev.publishAlerts(alertsJSON)
}

// feedAgents reads the registry and observes one agents row per agent.
// Called with ev.mu held.
func (ev *evaluator) feedAgents(now time.Time) {
	var list []Agent
	err := ev.a.st.View(func(tx *store.Tx) (err error) {
		list, err = agents(tx, now, ev.a.cfg.HeartbeatTimeout)
		return
	})
	if err != nil {
		ev.a.fail("alerts: agent registry", err)
		return
	}
	ms := now.UnixMilli()
	ev.agentsAt = ms
	ev.lastAgents = list
	row := make([]windows.Value, len(agentCols))
	for i := range list {
		ag := &list[i]
		var dropped int64
		for _, n := range ag.Dropped {
			dropped += n
		}
		lag := windows.Value{}
		if ag.WatermarkLag != nil {
			lag = windows.Int(*ag.WatermarkLag)
		}
		row[0], row[1], row[2] = windows.String(ag.Agent), windows.Int(ag.LastSeen.UnixMilli()), windows.Bool(ag.Online)
		row[3], row[4], row[5] = windows.Int(ag.OutboxDepth), windows.Int(ag.OutboxBytes), lag
		row[6], row[7] = windows.Int(dropped), windows.Int(ag.ConfigVersion)
		ev.eng.Observe(alerts.AgentsView, agentCols, row, ms)
	}
	if list == nil {
		list = []Agent{}
	}
	b, _ := json.Marshal(list)
	// last_seen does not change between checkpoints: publish on a change.
	if !bytes.Equal(b, ev.agentsJSON) {
		ev.agentsJSON = b
		ev.hub.publish("agents", b)
	}
}

var agentCols = func() []string {
	out := make([]string, len(alerts.AgentsColumns))
	for i, c := range alerts.AgentsColumns {
		out[i] = c.Name
	}
	return out
}()

// decode turns a fleet row (JSON) into values typed by the view's columns.
func (ev *evaluator) decode(ch fleet.Changed) ([]windows.Value, error) {
	cols := ev.cols[ch.View]
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ch.Row, &m); err != nil {
		return nil, err
	}
	out := make([]windows.Value, len(cols))
	for i, c := range cols {
		raw, ok := m[c.Name]
		if !ok || string(raw) == "null" {
			continue
		}
		v, err := jsonValue(raw, c.Type)
		if err != nil {
			return nil, fmt.Errorf("view %s column %s: %w", ch.View, c.Name, err)
		}
		out[i] = v
	}
	return out, nil
}

// jsonValue reads one JSON value as a column of type t: timestamps are RFC
// 3339 text (or Unix ms) and become Unix ms.
func jsonValue(raw json.RawMessage, t sql.Type) (windows.Value, error) {
	switch t {
	case sql.TypeBool:
		var b bool
		err := json.Unmarshal(raw, &b)
		return windows.Bool(b), err
	case sql.TypeInt:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return windows.Value{}, err
		}
		if i, err := n.Int64(); err == nil {
			return windows.Int(i), nil
		}
		f, err := n.Float64()
		return windows.Int(int64(f)), err
	case sql.TypeFloat:
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			var s string // NaN and infinities travel as text
			if json.Unmarshal(raw, &s) == nil {
				if g, perr := strconv.ParseFloat(s, 64); perr == nil {
					return windows.Float(g), nil
				}
			}
			return windows.Value{}, err
		}
		return windows.Float(f), nil
	case sql.TypeTimestamp:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			ts, err := time.Parse(time.RFC3339Nano, s)
			return windows.Int(ts.UnixMilli()), err
		}
		var n int64
		err := json.Unmarshal(raw, &n)
		return windows.Int(n), err
	case sql.TypeString:
		var s string
		err := json.Unmarshal(raw, &s)
		return windows.String(s), err
	}
	return windows.String(string(raw)), nil // JSONB: the document's text
}

// keepHistory appends h to the bounded history. Called with ev.mu held.
func (ev *evaluator) keepHistory(h []alerts.Transition) {
	if len(h) == 0 {
		return
	}
	ev.history = append(ev.history, h...)
	if over := len(ev.history) - historyKeep; over > 0 {
		ev.history = append(ev.history[:0:0], ev.history[over:]...)
	}
}

// deliver hands each notification to the notifiers its rule names.
func (ev *evaluator) deliver(ns []alerts.Notification) {
	for i := range ns {
		n := &ns[i]
		body, err := json.Marshal(n)
		if err != nil {
			continue
		}
		key := n.DedupKey + "#" + strconv.Itoa(n.Repeat)
		for _, name := range n.Notify {
			if nt := ev.notif[name]; nt != nil {
				nt.enqueue(key, body)
			}
		}
		ev.a.log.Info("alert", "rule", n.Rule, "alert", n.Alert, "state", n.State, "value", n.ValueText, "repeat", n.Repeat)
	}
}

// save writes the engine's snapshot and the history in one transaction.
func (ev *evaluator) save() {
	ev.mu.Lock()
	snap := ev.eng.Snapshot()
	hist := alerts.AppendHistory(nil, ev.history)
	ev.mu.Unlock()
	err := ev.a.st.Update(func(tx *store.Tx) error {
		if err := tx.PutMeta(metaAlertsSnapshot, snap); err != nil {
			return err
		}
		return tx.PutMeta(metaAlertsHistory, hist)
	})
	if err != nil {
		ev.a.fail("alerts: saving the alert state", err)
	}
}

// apiAlert is one entry of GET /v1/alerts, in the shape of web/src/api.ts.
type apiAlert struct {
	ID           string            `json:"id"`
	Rule         string            `json:"rule"`
	Kind         string            `json:"kind"`
	State        alerts.State      `json:"state"`
	Severity     string            `json:"severity"`
	Summary      string            `json:"summary,omitempty"`
	Labels       map[string]string `json:"labels"`
	Value        any               `json:"value"` // number or null
	ValueText    string            `json:"value_text"`
	SinceMS      int64             `json:"since_ms"`
	ActiveAtMS   int64             `json:"active_at_ms"`
	FiredAtMS    int64             `json:"fired_at_ms"`
	ResolvedAtMS int64             `json:"resolved_at_ms"`
	AckedBy      string            `json:"acked_by"`
	AckedAtMS    int64             `json:"acked_at_ms"`
	SilencedBy   string            `json:"silenced_by"`
}

// alertsLocked lists the alerts. Called with ev.mu held.
func (ev *evaluator) alertsLocked() []apiAlert {
	list := ev.eng.Alerts()
	out := make([]apiAlert, 0, len(list))
	for _, al := range list {
		var v any
		switch al.Value.Kind {
		case windows.KindInt:
			v = al.Value.I
		case windows.KindFloat:
			if !math.IsNaN(al.Value.F) && !math.IsInf(al.Value.F, 0) {
				v = al.Value.F
			}
		}
		out = append(out, apiAlert{ID: al.ID, Rule: al.Rule, Kind: ev.kinds[al.Rule], State: al.State, Severity: al.Severity,
			Summary: al.Summary, Labels: al.Labels, Value: v, ValueText: al.ValueText, SinceMS: al.Since, ActiveAtMS: al.ActiveAt,
			FiredAtMS: al.FiredAt, ResolvedAtMS: al.ResolvedAt, AckedBy: al.AckedBy, AckedAtMS: al.AckedAt, SilencedBy: al.SilencedBy})
	}
	return out
}

func (ev *evaluator) alertsJSONLocked() []byte {
	b, _ := json.Marshal(ev.alertsLocked())
	return b
}

// publishAlerts sends the alerts list to the event stream when it changed.
func (ev *evaluator) publishAlerts(b []byte) {
	ev.mu.Lock()
	same := bytes.Equal(b, ev.alertsJSON)
	ev.alertsJSON = b
	ev.mu.Unlock()
	if !same {
		ev.hub.publish("alerts", b)
	}
}

// Alerts lists the pending, firing and recently resolved alerts.
func (ev *evaluator) Alerts() []apiAlert {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.alertsLocked()
}

// change runs fn on the engine (an ack, a silence), then ticks, delivers,
// saves and publishes before returning, so that what the API answers is
// durable.
func (ev *evaluator) change(fn func(e *alerts.Engine, now int64) error) error {
	ms := ev.a.opt.Now().UnixMilli()
	ev.mu.Lock()
	if err := fn(ev.eng, ms); err != nil {
		ev.mu.Unlock()
		return err
	}
	ns := ev.eng.Tick(ms)
	ev.keepHistory(ev.eng.TakeHistory())
	b := ev.alertsJSONLocked()
	ev.mu.Unlock()
	ev.deliver(ns)
	ev.save()
	ev.publishAlerts(b)
	return nil
}
