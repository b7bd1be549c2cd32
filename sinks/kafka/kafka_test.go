package kafka

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// Rows written through SASL reach the topic with their keys; kcat, an
// independent client, reads them back.
func TestWritesOverSASLReadableByKcat(t *testing.T) {
	addr := testenv.KafkaSASL(t)
	user, pass := testenv.KafkaAuth(t)
	topic := testenv.TopicName(t, "sink")
	testenv.CreateTopic(t, testenv.Kafka(t), topic, 1, false)
	s, err := New(Options{Topic: topic, KeyField: "device",
		Kafka: kafkaconn.Options{Brokers: []string{addr}, SASL: &kafkaconn.SASL{Mechanism: "SCRAM-SHA-512", Username: user, Password: pass}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rows [][]byte
	for i := 0; i < 50; i++ {
		rows = append(rows, []byte(fmt.Sprintf(`{"device":"d%d","n":%d}`, i%5, i)))
	}
	if err := s.Write(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	var out []byte
	testenv.WaitFor(t, 30*time.Second, func() bool {
		out, err = exec.Command("kcat", "-b", testenv.Kafka(t), "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k %s\n").Output()
		return err == nil && strings.Count(string(out), "\n") >= 50
	}, "kcat reads 50 rows")
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 50 {
		t.Fatalf("kcat read %d rows", len(lines))
	}
	for i, l := range lines {
		want := fmt.Sprintf(`d%d {"device":"d%d","n":%d}`, i%5, i%5, i)
		if l != want {
			t.Fatalf("row %d = %q, want %q", i, l, want)
		}
	}
}
