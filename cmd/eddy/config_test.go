package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/internal/fleetdoc"
)

func TestConfigKeygenSign(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	name := filepath.Join(dir, "ops")
	if code := run([]string{"config", "keygen", "-out", name}, &out, &errb); code != 0 {
		t.Fatalf("keygen: %d %s", code, errb.String())
	}
	if st, err := os.Stat(name + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st, err)
	}
	pubLine, err := os.ReadFile(name + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), strings.TrimSpace(string(pubLine))) {
		t.Fatalf("keygen output lacks the public key:\n%s", out.String())
	}
	if code := run([]string{"config", "keygen", "-out", name}, &out, &errb); code == 0 {
		t.Fatal("keygen overwrote an existing key")
	}
	keys, err := fleetdoc.NewKeyring([]string{string(pubLine)})
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(dir, "p.sql"), []byte("CREATE SOURCE s (a INT) WITH (connector = 'mqtt', topic = 'x');\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(in, []byte("agent: gw-1\nversion: 3\npipelines:\n  - name: p\n    file: p.sql\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"config", "sign", "--key", name + ".key", "-version", "5", in}, &out, &errb); code != 0 {
		t.Fatalf("sign: %d %s", code, errb.String())
	}
	doc, err := fleetdoc.Decode(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Verify(keys); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 5 || doc.Agent != "gw-1" || !strings.Contains(doc.Pipelines[0].SQL, "CREATE SOURCE s") {
		t.Fatalf("signed document: %+v", doc)
	}

	// Sync settings and an alert rule file travel in the signed document.
	rules := "rules:\n  - name: hot\n    view: v\n    condition: t > 1\n"
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, []byte("agent: gw-1\nversion: 6\npipelines:\n  - name: p\n    file: p.sql\n"+
		"sync:\n  drain_rate: 500\n  policy: backpressure\n  outbox_quota: 64MiB\nalerts_file: rules.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"config", "sign", "--key", name + ".key", in}, &out, &errb); code != 0 {
		t.Fatalf("sign with sync and alerts: %d %s", code, errb.String())
	}
	doc, err = fleetdoc.Decode(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Verify(keys); err != nil {
		t.Fatal(err)
	}
	if doc.Sync == nil || doc.Sync.DrainRate == nil || *doc.Sync.DrainRate != 500 || doc.Sync.Policy != "backpressure" ||
		doc.Sync.OutboxQuota != "64MiB" || doc.Alerts != rules {
		t.Fatalf("sync and alerts not signed in: %+v %+v", doc.Sync, doc.Alerts)
	}

	f := func(yml, want string) {
		t.Helper()
		if err := os.WriteFile(in, []byte(yml), 0o644); err != nil {
			t.Fatal(err)
		}
		errb.Reset()
		if code := run([]string{"config", "sign", "--key", name + ".key", in}, &out, &errb); code != 1 || !strings.Contains(errb.String(), want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", yml, code, errb.String(), want)
		}
	}
	f("version: 1\npipelines:\n  - name: p\n    sql: x\n    sinks: y\n", "field sinks not found")
	f("pipelines:\n  - name: p\n    sql: x\n", "versions start at 1")
	f("version: 1\npipelines:\n  - name: p\n    file: missing.sql\n", "missing.sql")
	f("version: 1\npipelines: []\n", "no pipelines")
}

func TestConfigUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"config"}, &out, &errb); code != 2 {
		t.Fatalf("no subcommand: %d", code)
	}
	if code := run([]string{"config", "push", "x.json"}, &out, &errb); code != 2 {
		t.Fatalf("push without --agent or --fleet: %d", code)
	}
	if code := run([]string{"config", "sign", "x.yaml"}, &out, &errb); code != 2 {
		t.Fatalf("sign without --key: %d", code)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format":"eddy.fleet-config.v1","version":1,"pipelines":[{"name":"p","sql":"x"}],"extra":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"config", "push", "--broker", "tcp://127.0.0.1:1", "--agent", "a", bad}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), `unknown field "extra"`) {
		t.Fatalf("push of a malformed document: %d %s", code, errb.String())
	}
}
