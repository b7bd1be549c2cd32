package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/eddy-iot/eddy/alerts"
	"github.com/eddy-iot/eddy/internal/fleetdoc"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/sinks/mqtt"
	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// AlertSettings configure edge alerting: rules evaluated on the agent's
// own views, notifications published on its local MQTT broker, so a site
// keeps alerting with the uplink down.
type AlertSettings struct {
	// Rules is a rule file's text (docs/ALERTS.md); RulesName names it in
	// errors. A fleet document's alerts replace them.
	Rules     string
	RulesName string
	// Topic is where notifications go; "" = {prefix}/agents/{id}/alerts on
	// the data broker (prefix: control.topic_prefix, default eddy).
	Topic string
	// Every is how often the views are read and the engine ticks; 0 = 1s.
	Every time.Duration
}

// metaAlerts is the store meta key of the engine's snapshot.
const metaAlerts = "alerts/snapshot"

// alertRules parses the rules that apply: the document's when it has any,
// else the local ones; nil when there are none.
func (r *Runtime) alertRules(doc *fleetdoc.Document) ([]alerts.Rule, error) {
	switch {
	case doc != nil && doc.Alerts != "":
		return alerts.ParseRules([]byte(doc.Alerts), "alerts.yaml")
	case r.s.Alerts != nil && r.s.Alerts.Rules != "":
		return alerts.ParseRules([]byte(r.s.Alerts.Rules), r.s.Alerts.RulesName)
	}
	return nil, nil
}

// localViews are the views rules may watch on an agent: its materialized
// views (not sources, not the aggregator's agents registry).
func localViews(cat *sql.Catalog) alerts.Views {
	v := alerts.Views{}
	for _, bv := range cat.Views() {
		if !bv.Implicit {
			v[bv.Name] = bv.Columns()
		}
	}
	return v
}

// checkAlerts compiles rules against the views of cat, as the engine will.
func (r *Runtime) checkAlerts(rules []alerts.Rule, cat *sql.Catalog) (*alerts.Engine, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	for _, ru := range rules {
		if ru.View == alerts.AgentsView || ru.Kind == alerts.AgentOffline || ru.Kind == alerts.Outbox {
			return nil, fmt.Errorf("alert rule %q: an agent evaluates rules on its own materialized views only; %s rules belong in the aggregator", ru.Name, alerts.AgentsView)
		}
	}
	if len(r.alertBrokers(cat)) == 0 {
		return nil, errors.New("alert rules need an MQTT broker to publish on: set mqtt.brokers")
	}
	eng, err := alerts.New(rules, localViews(cat))
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	return eng, nil
}

func (r *Runtime) alertBrokers(cat *sql.Catalog) []string {
	if len(r.s.MQTT.Brokers) > 0 {
		return r.s.MQTT.Brokers
	}
	return mqttURLsFromSQL(cat)
}

// AlertTopic is where the agent publishes its notifications.
func (r *Runtime) AlertTopic() string {
	if r.s.Alerts != nil && r.s.Alerts.Topic != "" {
		return r.s.Alerts.Topic
	}
	prefix := fleetdoc.DefaultPrefix
	if r.s.Control != nil && r.s.Control.Prefix != "" {
		prefix = r.s.Control.Prefix
	}
	return prefix + "/agents/" + r.s.ID + "/alerts"
}

// alerter evaluates the current generation's rules: every tick it reads
// the rows of the watched views (pipeline.Rows), observes those that
// changed since the previous read, ticks the engine, publishes the
// notifications on the data broker and stores the engine's snapshot. It
// follows a swap by rebuilding the engine from the previous one's snapshot.
type alerter struct {
	rt  *Runtime
	log *slog.Logger

	mu      sync.Mutex
	gen     *generation
	eng     *alerts.Engine
	cols    map[string][]sql.Column
	seen    map[string]map[string]bool // view → rows of the last read
	sink    *mqtt.Sink
	saved   []byte
	pending [][]byte // notifications not yet delivered
}

// maxPendingAlerts bounds the notifications kept while the broker is away.
const maxPendingAlerts = 1000

func (a *alerter) now() int64 {
	if a.rt.s.Now != nil {
		return a.rt.s.Now()
	}
	return time.Now().UnixMilli()
}

// sync makes the engine follow the current generation.
func (a *alerter) follow() error {
	g := a.rt.current()
	if g == a.gen {
		return nil
	}
	a.gen = g
	a.seen = map[string]map[string]bool{}
	eng, err := a.rt.checkAlerts(g.rules, g.cat)
	if err != nil {
		a.eng = nil
		return err
	}
	var snap []byte
	if a.eng != nil {
		snap = a.eng.Snapshot()
	} else if snap, err = a.rt.Store.Meta(metaAlerts); err != nil {
		return err
	}
	a.eng = eng
	a.cols = map[string][]sql.Column{}
	if eng == nil {
		return nil
	}
	if snap != nil {
		if err := eng.Restore(snap); err != nil {
			a.log.Warn("alert state not restored: alerts start over", "err", err)
		}
	}
	views := localViews(g.cat)
	for _, ru := range eng.Rules() {
		a.cols[ru.View] = views[ru.View]
	}
	if a.sink == nil {
		mo := a.rt.s.MQTT
		mo.Brokers = a.rt.alertBrokers(g.cat)
		if mo.ClientID == "" {
			mo.ClientID = "eddy-" + a.rt.s.ID
		}
		mo.ClientID += "-alerts"
		s, err := mqtt.New(mqtt.Options{Conn: mqttconn.Config{Options: mo, Logger: a.log}, Topic: a.rt.AlertTopic(), QoS: 1})
		if err != nil {
			return err
		}
		a.sink = s
	}
	return nil
}

// step reads, observes, ticks, publishes and saves once.
func (a *alerter) step(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.follow(); err != nil || a.eng == nil {
		return err
	}
	now := a.now()
	pl := a.gen.pl
	views := make([]string, 0, len(a.cols))
	for v := range a.cols {
		views = append(views, v)
	}
	slices.Sort(views)
	for _, v := range views {
		raw, err := pl.Rows(v)
		if err != nil {
			continue
		}
		var rows []json.RawMessage
		if err := json.Unmarshal(raw, &rows); err != nil {
			return fmt.Errorf("alerts: rows of %s: %w", v, err)
		}
		seen := make(map[string]bool, len(rows))
		for _, row := range rows {
			k := string(row)
			seen[k] = true
			if a.seen[v][k] {
				continue
			}
			names, vals, err := decodeRow(row, a.cols[v])
			if err != nil {
				a.log.Debug("alerts: a row did not decode", "view", v, "err", err)
				continue
			}
			a.eng.Observe(v, names, vals, now)
		}
		a.seen[v] = seen
	}
	for _, n := range a.eng.Tick(now) {
		b, err := json.Marshal(n)
		if err != nil {
			continue
		}
		if len(a.pending) >= maxPendingAlerts {
			a.pending = a.pending[1:]
			a.log.Warn("alerts: notification dropped, the broker has been away too long")
		}
		a.pending = append(a.pending, b)
	}
	if len(a.pending) > 0 {
		if err := a.sink.Write(ctx, a.pending); err != nil {
			a.log.Warn("alerts: publishing notifications failed; retried at the next tick", "topic", a.rt.AlertTopic(), "err", err)
		} else {
			a.pending = a.pending[:0]
		}
	}
	snap := a.eng.Snapshot()
	if !bytes.Equal(snap, a.saved) {
		b := a.rt.Store.NewBatch()
		b.PutMeta(metaAlerts, snap)
		if err := a.rt.Store.Commit(b); err != nil {
			return fmt.Errorf("alerts: storing the alert state: %w", err)
		}
		a.saved = snap
	}
	return nil
}

// run steps every interval until ctx ends.
func (a *alerter) run(ctx context.Context) {
	every := time.Second
	if s := a.rt.s.Alerts; s != nil && s.Every > 0 {
		every = s.Every
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := a.step(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("alerts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Alerts returns the engine's alerts (nil without rules).
func (r *Runtime) Alerts() []alerts.Alert {
	a := r.alerts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.eng == nil {
		return nil
	}
	return a.eng.Alerts()
}

func (a *alerter) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sink != nil {
		_ = a.sink.Close()
		a.sink = nil
	}
}

// decodeRow turns a view row (pipeline row JSON: timestamps as RFC 3339)
// into the engine's values, typed by the view's columns.
func decodeRow(row []byte, cols []sql.Column) ([]string, []windows.Value, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(row))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(cols))
	vals := make([]windows.Value, 0, len(cols))
	for _, c := range cols {
		raw, ok := m[c.Name]
		if !ok {
			continue
		}
		v, err := decodeValue(raw, c.Type)
		if err != nil {
			return nil, nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		names = append(names, c.Name)
		vals = append(vals, v)
	}
	return names, vals, nil
}

func decodeValue(raw json.RawMessage, t sql.Type) (windows.Value, error) {
	if t == sql.TypeJSON {
		if string(raw) == "null" {
			return windows.Value{}, nil
		}
		return windows.String(string(raw)), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return windows.Value{}, err
	}
	switch x := x.(type) {
	case nil:
		return windows.Value{}, nil
	case bool:
		return windows.Bool(x), nil
	case json.Number:
		if t != sql.TypeFloat {
			if i, err := x.Int64(); err == nil {
				return windows.Int(i), nil
			}
		}
		f, err := x.Float64()
		if err != nil {
			return windows.Value{}, err
		}
		return windows.Float(f), nil
	case string:
		if t == sql.TypeTimestamp {
			ts, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return windows.Value{}, err
			}
			return windows.Int(ts.UnixMilli()), nil
		}
		return windows.String(x), nil
	}
	return windows.Value{}, fmt.Errorf("unexpected JSON %s", raw)
}

// startAlerts sets g's rules (the stored fleet document's, else the local
// ones), checks them against g's views and starts the alerter.
func (r *Runtime) startAlerts(ctx context.Context, g *generation) error {
	var doc *fleetdoc.Document
	raw, err := r.Store.Meta(metaDocument)
	if err != nil {
		return err
	}
	if raw != nil {
		if doc, err = fleetdoc.Decode(raw); err != nil {
			return err
		}
	}
	if g.rules, err = r.alertRules(doc); err != nil {
		return err
	}
	if _, err := r.checkAlerts(g.rules, g.cat); err != nil {
		return err
	}
	r.alerts = &alerter{rt: r, log: r.log}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.alerts.run(ctx)
	}()
	return nil
}
