package testenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds one start of a private broker (Kafka needs about 4 s on
// two idle cores; a loaded CI machine can take many times that).
const startTimeout = 3 * time.Minute

// Broker is a Mosquitto or Kafka process that belongs to one test. Its
// methods fail the test on error, so call them from the test's goroutine.
type Broker struct {
	kind   string // "kafka" or "mosquitto": the script's start-/stop- suffix
	dir    string
	script string

	mu  sync.Mutex
	env map[string]string
}

// PrivateKafka starts a Kafka (KRaft, one node) for this test alone. Its
// [Broker.Env] has the same EDDY_TEST_KAFKA* keys as the shared one; Addr is
// its PLAINTEXT listener.
func PrivateKafka(t testing.TB) *Broker {
	t.Helper()
	return private(t, "kafka")
}

// PrivateMosquitto starts a Mosquitto for this test alone, with persistence
// on (QoS 1 sessions survive [Broker.Restart], and even [Broker.Kill] after the
// broker's one-second autosave). Its [Broker.Env] has the same EDDY_TEST_MQTT*,
// EDDY_TEST_CA and EDDY_TEST_CLIENT_* keys as the shared one; Addr is its plain
// listener.
func PrivateMosquitto(t testing.TB) *Broker {
	t.Helper()
	return private(t, "mosquitto")
}

func private(t testing.TB, kind string) *Broker {
	t.Helper()
	state := need(t, "EDDY_TESTENV_STATE")
	script := need(t, "EDDY_TESTENV_SCRIPT")
	parent := filepath.Join(state, "private")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	dir, err := os.MkdirTemp(parent, kind+"-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	b := &Broker{kind: kind, dir: dir, script: script}
	t.Cleanup(func() {
		if err := b.run("stop-"+kind, dir, "--kill"); err != nil {
			t.Errorf("testenv: stop private %s: %v", kind, err)
			return // keep the directory and its log for a look
		}
		os.RemoveAll(dir)
	})
	b.Start(t)
	return b
}

// Addr returns the broker's main address: Kafka's PLAINTEXT host:port, or
// Mosquitto's plain tcp:// URL. It stays the same across restarts.
func (b *Broker) Addr() string {
	if b.kind == "kafka" {
		return b.Env("EDDY_TEST_KAFKA")
	}
	return b.Env("EDDY_TEST_MQTT")
}

// Env returns one of the broker's EDDY_TEST_* values ("" when unknown).
func (b *Broker) Env(key string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.env[key]
}

// TLSConfig is [TLSConfig] for this broker's own CA and client certificate.
func (b *Broker) TLSConfig(t testing.TB, clientCert bool) *tls.Config {
	t.Helper()
	return tlsConfig(t, b.Env("EDDY_TEST_CA"), clientCert, b.Env)
}

// Dir is the broker's directory: config, data, TLS material and its log
// (kafka.log or mosquitto.log).
func (b *Broker) Dir() string { return b.dir }

// Start starts the broker and returns once it serves requests. Starting a
// running broker does nothing.
func (b *Broker) Start(t testing.TB) {
	t.Helper()
	if err := b.run("start-"+b.kind, b.dir); err != nil {
		t.Fatalf("testenv: start private %s: %v", b.kind, err)
	}
	env, err := readEnv(filepath.Join(b.dir, "env"))
	if err != nil {
		t.Fatalf("testenv: private %s: %v", b.kind, err)
	}
	b.mu.Lock()
	b.env = env
	b.mu.Unlock()
}

// Stop stops the broker cleanly (SIGTERM, then waits for it to exit).
func (b *Broker) Stop(t testing.TB) {
	t.Helper()
	if err := b.run("stop-"+b.kind, b.dir); err != nil {
		t.Fatalf("testenv: stop private %s: %v", b.kind, err)
	}
}

// Kill stops the broker as a crash would (SIGKILL).
func (b *Broker) Kill(t testing.TB) {
	t.Helper()
	if err := b.run("stop-"+b.kind, b.dir, "--kill"); err != nil {
		t.Fatalf("testenv: kill private %s: %v", b.kind, err)
	}
}

// Restart is Stop then Start: same ports, same data.
func (b *Broker) Restart(t testing.TB) {
	t.Helper()
	b.Stop(t)
	b.Start(t)
}

// run runs testenv.sh with args and returns its output in the error.
func (b *Broker) run(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{b.script}, args...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(b.script), strings.Join(args, " "), err, out.String())
	}
	return nil
}

// readEnv parses the script's env file: lines "export KEY=VALUE", values
// without spaces or quotes.
func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env, sc.Err()
}
