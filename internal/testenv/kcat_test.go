package testenv

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// kcat returns the path of kcat, the independent (librdkafka) Kafka client.
func kcat(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err != nil {
		if CI() {
			t.Fatal("kcat not found but CI=true: scripts/testenv.sh installs it (Debian package kcat)")
		}
		t.Skip("kcat not installed (scripts/testenv.sh install adds it)")
	}
	return p
}

// TestKcatReadsWhatKafkaGoWrote checks our Kafka with a client that shares no
// code with kafka-go: it must see the same 1000 snappy messages.
func TestKcatReadsWhatKafkaGoWrote(t *testing.T) {
	t.Parallel()
	addr := Kafka(t)
	bin := kcat(t)
	topic := TopicName(t, "kcat")
	CreateTopic(t, addr, topic, 2, false)
	want := produceSmoke(t, addr, topic)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-b", addr, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kcat: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != smokeMessages {
		t.Fatalf("kcat read %d messages, want %d\nstderr: %s", len(lines), smokeMessages, stderr.String())
	}
	seen := map[string]bool{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		if want[k] != v || seen[k] {
			t.Fatalf("kcat line %q: unexpected or repeated", l)
		}
		seen[k] = true
	}
}
