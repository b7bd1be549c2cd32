package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/fleetdoc"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(`
id: gw-1
mqtt:
  brokers: [tcp://127.0.0.1:1883]
pipelines:
  - name: p
    sql: "CREATE SOURCE s (a INT) WITH (connector = 'mqtt', topic = 'x');"
store:
  max_size: 64MiB
  batch_max_delay: 20ms
`), "agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTT.ClientID != "eddy-gw-1" || c.Store.MaxSize != 64<<20 || c.Store.BatchMaxDelay != 20*time.Millisecond ||
		c.Sync.ResultsTopic != "eddy.results" || c.Sync.Policy != "drop_oldest" || c.DataDir != "data" {
		t.Fatalf("defaults: %+v", c)
	}
	if got := checkpointBytes(c.Store); got != 0 {
		t.Fatalf("checkpoint bytes %d by default, want 0 (the store's default)", got)
	}
	c.Store.CheckpointBytes = 1 << 20
	if got := checkpointBytes(c.Store); got != 1<<20 {
		t.Fatalf("checkpoint bytes %d, want 1 MiB", got)
	}
	c.Store.DirectWrites = true
	if got := checkpointBytes(c.Store); got != -1 {
		t.Fatalf("checkpoint bytes %d with direct_writes, want -1 (no log)", got)
	}
}

func TestParseConfigErrorsNameTheLine(t *testing.T) {
	f := func(yml string, want ...string) {
		t.Helper()
		_, err := ParseConfig([]byte(yml), "agent.yaml")
		if !errors.Is(err, ErrConfig) {
			t.Fatalf("err = %v, want ErrConfig", err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not mention %q", err, w)
			}
		}
	}
	f("id: a\nmqtt:\n  brokerz: [x]\n", `agent.yaml:3: unknown key "brokerz"`)
	f("id: a\nstore:\n  batch_max_events: many\n", "agent.yaml:3:", "cannot unmarshal text `many` into int")
	f("id: a\nstore:\n  max_size: lots\n", "agent.yaml:3:", `"lots" is not a size`)
	f("mqtt:\n  brokers: [tcp://x:1]\n", "id is required")
	f("id: a/b\n", `id "a/b"`)
	f("id: a\nhttp:\n  addr: 0.0.0.0:8080\n", "not loopback: set http.token")
	f("id: a\nsync:\n  policy: yolo\n", `sync.policy "yolo"`)
	f("id: a\nsync:\n  outbox_quota: 32KiB\n", "sync.outbox_quota 32768 bytes: give at least 64KiB")
	f("id: a\nsync:\n  compression: brotli\n", `sync.compression "brotli": use snappy, zstd, lz4, gzip or none`)
	f("id: a\nsync:\n  enabled: true\n", "sync.kafka", "no broker")
	f("id: a\npipelines:\n  - name: p\n  - name: p\n    sql: x\n", "give sql or file", `name "p" is used twice`)
	f("id: [\n", "agent.yaml")
}

func TestPipelineFileRelativeToConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.sql"), []byte("SHOW SOURCES;"), 0o644)
	os.WriteFile(filepath.Join(dir, "agent.yaml"), []byte("id: a\npipelines:\n  - name: p\n    file: p.sql\n"), 0o644)
	c, err := LoadConfig(filepath.Join(dir, "agent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Pipelines[0].SQL != "SHOW SOURCES;" {
		t.Fatalf("sql %q", c.Pipelines[0].SQL)
	}
}

func TestParseByteSize(t *testing.T) {
	f := func(s string, want ByteSize) {
		t.Helper()
		got, err := ParseByteSize(s)
		if err != nil || got != want {
			t.Fatalf("%q = %d, %v; want %d", s, got, err, want)
		}
	}
	f("1048576", 1<<20)
	f("512KiB", 512<<10)
	f("1.5GiB", 3<<29)
	f("10MB", 10e6)
	f("7 b", 7)
	for _, s := range []string{"", "x", "-1", "1e30"} {
		if _, err := ParseByteSize(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:80": true, "localhost:1": true, "0.0.0.0:80": false, ":80": false, "10.0.0.1:80": false} {
		if isLoopback(addr) != want {
			t.Errorf("isLoopback(%s) != %v", addr, want)
		}
	}
}

// A pushed document's outbox quota is held to the same floor as the config
// file's.
func TestPushedOutboxQuotaFloor(t *testing.T) {
	local := &SyncConfig{OutboxQuota: 256 << 20}
	push := func(q string) (*SyncConfig, error) {
		return effectiveSync(local, &fleetdoc.Document{Sync: &fleetdoc.Sync{OutboxQuota: q}})
	}
	if _, err := push("32KiB"); err == nil || !strings.Contains(err.Error(), "give at least 64KiB") {
		t.Fatalf("32KiB pushed: err = %v, want the 64KiB floor", err)
	}
	s, err := push("64KiB")
	if err != nil || s.OutboxQuota != 64<<10 {
		t.Fatalf("64KiB pushed: %+v, %v", s, err)
	}
	if local.OutboxQuota != 256<<20 {
		t.Fatal("the push changed the local config")
	}
}
