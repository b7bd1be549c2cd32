package agent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eddy-iot/eddy/alerts"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/fleetdoc"
	"github.com/eddy-iot/eddy/sinks"
	"github.com/eddy-iot/eddy/sql"
)

// Keys of the applied fleet document in the store's meta bucket. The
// document is stored as received (it was verified then) and is the
// configuration a restart comes back on, without verifying or applying
// it again.
const (
	metaDocument  = "fleet/document"
	metaAppliedAt = "fleet/applied_at"
)

// appliedConfig is the running configuration's identity.
type appliedConfig struct {
	Version   int64  // 0: the local configuration file
	Digest    string // fleetdoc.Document.Digest
	AppliedAt string // RFC 3339
}

// ConfigStatus is the "config" section of GET /v1/status.
type ConfigStatus struct {
	// Source is "file" (the pipelines of the local configuration) or
	// "fleet" (an applied document).
	Source    string              `json:"source"`
	Version   int64               `json:"version"`
	Digest    string              `json:"digest,omitempty"`
	AppliedAt string              `json:"applied_at,omitempty"`
	LastError *fleetdoc.Rejection `json:"last_error,omitempty"`
	// Control is set when the agent has a control connection.
	Control *ControlState `json:"control,omitempty"`
}

// ControlState describes the control connection.
type ControlState struct {
	Connected bool   `json:"connected"`
	Config    string `json:"config_topic"`
	Status    string `json:"status_topic"`
}

// ConfigStatus returns the running configuration and the last rejection.
func (r *Runtime) ConfigStatus() ConfigStatus {
	a := r.appliedConfig()
	out := ConfigStatus{Source: "file", Version: a.Version, Digest: a.Digest, AppliedAt: a.AppliedAt}
	if a.Version > 0 {
		out.Source = "fleet"
	}
	if r.ctl != nil {
		out.LastError = r.ctl.lastError()
		out.Control = &ControlState{Connected: r.ctl.conn.Connected(), Config: r.ctl.topics.Config, Status: r.ctl.topics.Status}
	}
	return out
}

func (r *Runtime) appliedConfig() appliedConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied
}

// loadApplied returns the programs of the stored fleet document, or nil
// when none was ever applied.
func (r *Runtime) loadApplied() ([]Program, error) {
	raw, err := r.Store.Meta(metaDocument)
	if err != nil {
		return nil, fmt.Errorf("reading the applied fleet configuration: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	doc, err := fleetdoc.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("the fleet configuration stored in %s does not decode: %w (this build may be older than the one that stored it)", r.s.Store.Path, err)
	}
	at, err := r.Store.Meta(metaAppliedAt)
	if err != nil {
		return nil, fmt.Errorf("reading the applied fleet configuration: %w", err)
	}
	r.applied = appliedConfig{Version: doc.Version, Digest: doc.Digest(), AppliedAt: string(at)}
	if err := r.useSync(doc); err != nil {
		return nil, err
	}
	if len(r.s.Programs) > 0 {
		r.log.Info("running the fleet configuration stored in the state file instead of the config file's pipelines",
			"version", doc.Version, "digest", doc.Digest())
	}
	return docPrograms(doc), nil
}

// docPrograms names each pipeline name.sql, so SQL errors read
// name.sql:line:col.
func docPrograms(doc *fleetdoc.Document) []Program {
	out := make([]Program, len(doc.Pipelines))
	for i, p := range doc.Pipelines {
		name := p.Name
		if !strings.HasSuffix(name, ".sql") {
			name += ".sql"
		}
		out[i] = Program{Name: name, SQL: p.SQL}
	}
	return out
}

// applyRequest asks Run's loop to replace the pipeline.
type applyRequest struct {
	doc   *fleetdoc.Document
	raw   []byte
	progs []Program
	rules []alerts.Rule
	reply chan error
}

// apply validates doc completely (SQL compiles and binds, views build,
// sinks are valid) while the running pipeline goes on, then has Run swap
// it in at a batch boundary. The error wraps fleetdoc.ErrInvalid (nothing
// changed) or fleetdoc.ErrApply (the previous pipeline was restored).
func (r *Runtime) apply(ctx context.Context, doc *fleetdoc.Document, raw []byte) error {
	progs := docPrograms(doc)
	rules, err := r.validate(doc, progs)
	if err != nil {
		return fmt.Errorf("%w:\n%v", fleetdoc.ErrInvalid, err)
	}
	req := applyRequest{doc: doc, raw: raw, progs: progs, rules: rules, reply: make(chan error, 1)}
	select {
	case r.applyReq <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.reply // Run answers every request it took
}

// validate builds the pipeline of progs on the open store without opening
// sinks or inputs and without committing: pipeline.New only reads the store
// (restoring the state of unchanged views), so this runs beside the live
// pipeline. It costs the restored state's memory once more, briefly. It
// also checks the document's sync settings and compiles its alert rules
// (or the local ones) against the new views; it returns the rules.
func (r *Runtime) validate(doc *fleetdoc.Document, progs []Program) ([]alerts.Rule, error) {
	if _, err := effectiveSync(r.s.Sync, doc); err != nil {
		return nil, err
	}
	g, err := r.build(progs, r.validateSink)
	if err != nil {
		return nil, err
	}
	rules, err := r.alertRules(doc)
	if err != nil {
		return nil, err
	}
	if _, err := r.checkAlerts(rules, g.cat); err != nil {
		return nil, err
	}
	return rules, nil
}

// effectiveSync returns local with the document's sync settings over it
// (a copy; nil when local is nil and the document has none).
func effectiveSync(local *SyncConfig, doc *fleetdoc.Document) (*SyncConfig, error) {
	if doc == nil || doc.Sync == nil {
		return local, nil
	}
	var s SyncConfig
	if local != nil {
		s = *local
	}
	d := doc.Sync
	if d.ResultsTopic != "" {
		s.ResultsTopic = d.ResultsTopic
	}
	if d.CheckpointsTopic != "" {
		s.CheckpointsTopic = d.CheckpointsTopic
	}
	if d.DrainRate != nil {
		s.DrainRate = *d.DrainRate
	}
	if d.OutboxQuota != "" {
		q, err := ParseByteSize(d.OutboxQuota)
		if err != nil {
			return nil, fmt.Errorf("sync.outbox_quota: %v", err)
		}
		if err := checkOutboxQuota(q); err != nil {
			return nil, err
		}
		s.OutboxQuota = q
	}
	if d.Policy != "" {
		if _, err := store.ParsePolicy(d.Policy); err != nil {
			return nil, fmt.Errorf("sync.policy: %v", err)
		}
		s.Policy = d.Policy
	}
	return &s, nil
}

// swap replaces the current generation (whose loop has stopped) with the
// pipeline of req: inputs stopped, pipeline built on the same store (views
// whose definition is unchanged restore their state), inputs started, the
// document stored. If any step fails the previous programs are rebuilt the
// same way and err says why; fatal is set only if that fails too.
func (r *Runtime) swap(req applyRequest) (err, fatal error) {
	old := r.current()
	old.stopInputs()
	ng, err := r.build(req.progs, r.openSink)
	if err == nil {
		ng.rules = req.rules
		if err = r.startInputs(ng); err != nil {
			discard(ng.pl)
		}
	}
	if err == nil {
		if err = r.saveApplied(req); err != nil {
			ng.stopInputs()
			discard(ng.pl)
		}
	}
	if err == nil {
		r.setGen(ng)
		return nil, nil
	}
	back, berr := r.build(old.progs, r.openSink)
	if berr == nil {
		back.rules = old.rules
		if berr = r.startInputs(back); berr != nil {
			discard(back.pl)
		}
	}
	if berr != nil {
		return fmt.Errorf("%w: %v", fleetdoc.ErrApply, err), fmt.Errorf("restoring the previous pipeline after a failed apply (%v): %w", err, berr)
	}
	r.setGen(back)
	return fmt.Errorf("%w: %v (the previous configuration runs on)", fleetdoc.ErrApply, err), nil
}

// saveApplied commits the document as the applied configuration.
func (r *Runtime) saveApplied(req applyRequest) error {
	at := time.Now().UTC().Format(time.RFC3339)
	b := r.Store.NewBatch()
	b.PutMeta(metaDocument, req.raw)
	b.PutMeta(metaAppliedAt, []byte(at))
	if err := r.Store.Commit(b); err != nil {
		return fmt.Errorf("storing the applied configuration: %w", err)
	}
	r.mu.Lock()
	r.applied = appliedConfig{Version: req.doc.Version, Digest: req.doc.Digest(), AppliedAt: at}
	r.mu.Unlock()
	return nil
}

// validateSink checks what opening a sink would need beyond what the SQL
// binder already checked (its options), without connecting or creating
// files; it returns a sink that is never written to.
func (r *Runtime) validateSink(b *sql.BoundSink) (sinks.Sink, error) {
	o := b.Options
	switch b.Connector {
	case "print", "file", "webhook":
	case "kafka":
		if o["properties.bootstrap.servers"] == "" && len(r.s.Kafka.Brokers) == 0 {
			return nil, fmt.Errorf("kafka sink %s: no option properties.bootstrap.servers and no Kafka brokers in the agent's configuration", b.Name)
		}
	case "mqtt":
		if o["url"] == "" && len(r.s.MQTT.Brokers) == 0 {
			return nil, fmt.Errorf("mqtt sink %s: no option url and no mqtt.brokers in the agent's configuration", b.Name)
		}
	default:
		return nil, fmt.Errorf("connector %q has no sink in this build", b.Connector)
	}
	if v := o["timeout"]; v != "" && b.Connector == "webhook" {
		if _, err := time.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("sink %s: timeout %q: %w", b.Name, v, err)
		}
	}
	return nopSink{}, nil
}

type nopSink struct{}

func (nopSink) Write(context.Context, [][]byte) error { return nil }
func (nopSink) Close() error                          { return nil }

// useSync makes the stored document's sync settings those of this run:
// called by Start before the forwarder exists; a changed outbox quota or
// policy reopens the store (nothing else holds it yet).
func (r *Runtime) useSync(doc *fleetdoc.Document) error {
	if doc.Sync == nil || r.s.Sync == nil {
		return nil
	}
	s, err := effectiveSync(r.s.Sync, doc)
	if err != nil {
		return fmt.Errorf("the sync settings of the stored fleet configuration: %w", err)
	}
	r.s.Sync = s
	if !s.Enabled {
		return nil
	}
	pol, err := store.ParsePolicy(s.Policy)
	if err != nil {
		return err
	}
	ob := store.OutboxOptions{QuotaBytes: int64(s.OutboxQuota), Policy: pol, TTL: s.TTL}
	if ob == r.s.Store.Outbox {
		return nil
	}
	r.s.Store.Outbox = ob
	if err := r.Store.Close(); err != nil {
		return err
	}
	st, err := store.Open(r.s.Store)
	if err != nil {
		r.Store = nil
		return fmt.Errorf("reopening the state file with the fleet configuration's outbox settings: %w", err)
	}
	r.Store = st
	return nil
}
