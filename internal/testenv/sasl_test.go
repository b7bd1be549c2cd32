package testenv

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// saslRoundTrip writes three messages and reads them back, both through the
// SASL listener at addr with mechanism m (and TLS when cfg is not nil).
func saslRoundTrip(t *testing.T, addr string, m sasl.Mechanism, cfg *tls.Config) error {
	t.Helper()
	topic := TopicName(t, "sasl")
	CreateTopic(t, Kafka(t), topic, 1, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        topic,
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		Transport:    &kafka.Transport{SASL: m, TLS: cfg},
	}
	defer w.Close()
	if err := w.WriteMessages(ctx, kafka.Message{Value: []byte("a")}, kafka.Message{Value: []byte("b")}, kafka.Message{Value: []byte("c")}); err != nil {
		return err
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{addr}, Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond,
		Dialer: &kafka.Dialer{SASLMechanism: m, TLS: cfg, Timeout: 10 * time.Second},
	})
	defer r.Close()
	for _, want := range []string{"a", "b", "c"} {
		msg, err := r.ReadMessage(ctx)
		if err != nil {
			return err
		}
		if string(msg.Value) != want {
			t.Fatalf("read %q, want %q", msg.Value, want)
		}
	}
	return nil
}

func TestKafkaSASL(t *testing.T) {
	t.Parallel()
	user, pass := KafkaAuth(t)
	saslAddr, sslAddr := KafkaSASL(t), KafkaSASLSSL(t)
	scram256, err := scram.Mechanism(scram.SHA256, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	scram512, err := scram.Mechanism(scram.SHA512, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		addr string
		m    sasl.Mechanism
		tls  *tls.Config
	}{
		{"PLAIN", saslAddr, plain.Mechanism{Username: user, Password: pass}, nil},
		{"SCRAM-SHA-256", saslAddr, scram256, nil},
		{"SCRAM-SHA-512 over TLS", sslAddr, scram512, TLSConfig(t, false)},
		{"PLAIN over TLS", sslAddr, plain.Mechanism{Username: user, Password: pass}, TLSConfig(t, false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := saslRoundTrip(t, tc.addr, tc.m, tc.tls); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestKafkaSASLRefusesWrongPassword(t *testing.T) {
	t.Parallel()
	user, pass := KafkaAuth(t)
	err := saslRoundTrip(t, KafkaSASL(t), plain.Mechanism{Username: user, Password: pass + "x"}, nil)
	if !errors.Is(err, kafka.SASLAuthenticationFailed) {
		t.Fatalf("wrong password: got %v, want %v", err, kafka.SASLAuthenticationFailed)
	}
}
