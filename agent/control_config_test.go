package agent

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/internal/fleetdoc"
)

func TestControlConfig(t *testing.T) {
	pub, _, err := fleetdoc.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	key := fleetdoc.FormatPublicKey(pub)
	head := "id: gw-1\npipelines:\n  - name: p\n    sql: \"CREATE SOURCE s (a INT) WITH (connector = 'mqtt', topic = 'x');\"\n"

	c, err := ParseConfig([]byte(head+"control:\n  brokers: [ssl://fleet:8883]\n  trusted_keys: [\""+key+"\"]\n"), "agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Control.ClientID != "eddy-control-gw-1" || c.Control.TopicPrefix != "eddy" {
		t.Fatalf("defaults: %+v", c.Control)
	}
	s := c.Settings(nil, nil)
	if s.Control == nil || len(s.Control.Keys) != 1 || s.Control.Keys[fleetdoc.KeyID(pub)] == nil {
		t.Fatalf("settings: %+v", s.Control)
	}
	if c, err := ParseConfig([]byte(head), "agent.yaml"); err != nil || c.Settings(nil, nil).Control != nil {
		t.Fatalf("without control: %v", err)
	}

	f := func(control, want string) {
		t.Helper()
		_, err := ParseConfig([]byte(head+control), "agent.yaml")
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", control, err, want)
		}
	}
	f("control:\n  brokers: [tcp://x:1883]\n", "control.trusted_keys: give at least one")
	f("control:\n  brokers: [tcp://x:1883]\n  trusted_keys: [nope]\n", "not an Ed25519 public key")
	f("control:\n  trusted_keys: [\""+key+"\"]\n", "without control.brokers")
	f("control:\n  brokers: [tcp://x:1883]\n  topic_prefix: a/#\n  trusted_keys: [\""+key+"\"]\n", "control.topic_prefix")
	f("control:\n  brokers: [tcp://x:1883]\n  client_id: eddy-gw-1\n  trusted_keys: [\""+key+"\"]\n", "needs its own")
	f("control:\n  brokers: [tcp://x:1883]\n  trusted_key: [x]\n", `unknown key "trusted_key"`)
}
