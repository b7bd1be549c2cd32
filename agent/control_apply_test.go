package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/eddy-iot/eddy/internal/fleetdoc"
	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestControlWrongAgent: a correctly signed document addressed to another
// agent, or naming an agent on the fleet topic, is wrong_agent.
func TestControlWrongAgent(t *testing.T) {
	pub, privPEM, err := fleetdoc.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	kr, _ := fleetdoc.NewKeyring([]string{fleetdoc.FormatPublicKey(pub)})
	priv, _ := fleetdoc.ParsePrivateKey(privPEM)
	c := &control{id: "gw-1", keys: kr}
	doc := func(agent string) *fleetdoc.Document {
		d := &fleetdoc.Document{Format: fleetdoc.Format, Agent: agent, Version: 2,
			Pipelines: []fleetdoc.Pipeline{{Name: "p", SQL: "CREATE SOURCE s (a INT) WITH (connector = 'mqtt', topic = 'x');"}}}
		d.Sign(priv)
		return d
	}
	for _, tc := range []struct {
		agent string
		fleet bool
		want  error
	}{{"gw-2", false, fleetdoc.ErrWrongAgent}, {"", false, fleetdoc.ErrWrongAgent}, {"gw-1", true, fleetdoc.ErrWrongAgent},
		{"gw-1", false, nil}, {"", true, nil}} {
		err := c.check(doc(tc.agent), tc.fleet)
		if !errors.Is(err, tc.want) || (tc.want != nil && fleetdoc.Code(err) != "wrong_agent") {
			t.Errorf("agent %q fleet %v: %v, want %v", tc.agent, tc.fleet, err, tc.want)
		}
	}
}

// TestApplyFailedRollback: a document that validates but whose sink cannot
// open is rejected as apply_failed; the previous pipeline runs on and
// nothing is stored.
func TestApplyFailedRollback(t *testing.T) {
	broker := testenv.MQTT(t)
	in := testenv.TopicName(t, "in")
	prog := fmt.Sprintf(`CREATE SOURCE r (device VARCHAR, temp DOUBLE) WITH (connector = 'mqtt', topic = '%s/+');
CREATE MATERIALIZED VIEW hottest AS SELECT device, max(temp) AS max_temp FROM r GROUP BY device;`, in)
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := Start(ctx, Settings{ID: "rollback", DataDir: t.TempDir(), Programs: []Program{{Name: "p.sql", SQL: prog}},
		MQTT: mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent")}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = rt.Run(ctx) }()
	defer func() { cancel(); <-done; rt.Close() }()
	before := rt.Current()

	bad := filepath.Join(t.TempDir(), "missing-dir", "out.jsonl")
	doc := &fleetdoc.Document{Format: fleetdoc.Format, Agent: "rollback", Version: 1, Pipelines: []fleetdoc.Pipeline{{Name: "p",
		SQL: prog + fmt.Sprintf("\nCREATE MATERIALIZED VIEW coldest AS SELECT device, min(temp) AS min_temp FROM r GROUP BY device;\nCREATE SINK out FROM coldest WITH (connector = 'file', path = '%s');", bad)}}}
	raw := doc.Encode()
	err = rt.apply(ctx, doc, raw)
	if !errors.Is(err, fleetdoc.ErrApply) || fleetdoc.Code(err) != "apply_failed" {
		t.Fatalf("apply: %v, want apply_failed", err)
	}
	if a := rt.appliedConfig(); a.Version != 0 {
		t.Fatalf("applied version %d after a failed apply", a.Version)
	}
	if m, _ := rt.Store.Meta(metaDocument); m != nil {
		t.Fatal("the failed document was stored")
	}
	after := rt.Current()
	if after == before {
		t.Fatal("the previous pipeline was not rebuilt")
	}
	if _, err := after.Rows("coldest"); err == nil {
		t.Fatal("the failed document's view runs")
	}
	if _, err := after.Rows("hottest"); err != nil {
		t.Fatalf("the previous view does not run: %v", err)
	}
}
