package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/segmentio/kafka-go"
)

// TestPrivateKafkaRestart: a private Kafka keeps its address and data across
// Restart, is really down while stopped, and takes writes again afterwards.
func TestPrivateKafkaRestart(t *testing.T) {
	t.Parallel()
	k := PrivateKafka(t)
	addr := k.Addr()
	topic := TopicName(t, "restart")
	CreateTopic(t, addr, topic, 1, false)

	write := func(ctx context.Context, vals ...string) error {
		w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, RequiredAcks: kafka.RequireAll,
			BatchTimeout: 5 * time.Millisecond, MaxAttempts: 1}
		defer w.Close()
		msgs := make([]kafka.Message, len(vals))
		for i, v := range vals {
			msgs[i] = kafka.Message{Value: []byte(v)}
		}
		return w.WriteMessages(ctx, msgs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := write(ctx, "before-1", "before-2"); err != nil {
		t.Fatalf("write before restart: %v", err)
	}

	k.Stop(t)
	short, cancelShort := context.WithTimeout(ctx, 3*time.Second)
	err := write(short, "while-down")
	cancelShort()
	if err == nil {
		t.Fatal("write succeeded while the broker was stopped")
	}

	k.Start(t)
	if k.Addr() != addr {
		t.Fatalf("address changed across restart: %s, then %s", addr, k.Addr())
	}
	// The broker is ready, but its partitions come back a moment later.
	WaitFor(t, time.Minute, func() bool { return write(ctx, "after") == nil }, "write after restart")

	conn, err := kafka.DialLeader(ctx, "tcp", addr, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	batch := conn.ReadBatch(1, 1<<20)
	var got []string
	for {
		m, err := batch.ReadMessage()
		if err != nil {
			break
		}
		got = append(got, string(m.Value))
	}
	batch.Close()
	want := []string{"before-1", "before-2", "after"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart the topic holds %q, want %q", got, want)
	}
}

// TestPrivateMosquittoKeepsSessionsAcrossRestart: persistence is on, so QoS 1
// messages queued for an offline persistent session survive a broker restart.
func TestPrivateMosquittoKeepsSessionsAcrossRestart(t *testing.T) {
	t.Parallel()
	m := PrivateMosquitto(t)
	url := m.Addr()
	topic := "eddy-test/" + TopicName(t, "persist")
	subID := TopicName(t, "sub")
	got := make(chan string, 10)
	subOpts := func() *mqtt.ClientOptions {
		return mqttOpts(url, subID).SetCleanSession(false).
			SetDefaultPublishHandler(func(_ mqtt.Client, msg mqtt.Message) { got <- string(msg.Payload()) })
	}

	// Create the persistent session and its subscription, then go offline.
	sub := mqtt.NewClient(subOpts())
	wait(t, sub.Connect(), "connect subscriber")
	wait(t, sub.Subscribe(topic, 1, nil), "subscribe")
	sub.Disconnect(100)

	pub := mqtt.NewClient(mqttOpts(url, TopicName(t, "pub")))
	wait(t, pub.Connect(), "connect publisher")
	for i := range 3 {
		wait(t, pub.Publish(topic, 1, false, fmt.Sprintf("queued-%d", i)), "publish")
	}
	pub.Disconnect(100)

	m.Restart(t)
	if m.Addr() != url {
		t.Fatalf("address changed across restart: %s, then %s", url, m.Addr())
	}

	sub = mqtt.NewClient(subOpts())
	wait(t, sub.Connect(), "reconnect subscriber")
	defer sub.Disconnect(100)
	for i := range 3 {
		select {
		case p := <-got:
			if want := fmt.Sprintf("queued-%d", i); p != want {
				t.Fatalf("got %q, want %q", p, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("only %d of 3 queued messages arrived after the restart", i)
		}
	}
}

// TestPrivateMosquittoKillLosesConnections: Kill really takes the broker down
// (a connected client notices), and Start brings it back on the same address.
func TestPrivateMosquittoKillLosesConnections(t *testing.T) {
	t.Parallel()
	m := PrivateMosquitto(t)
	lost := make(chan error, 1)
	c := mqtt.NewClient(mqttOpts(m.Addr(), TopicName(t, "c")).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { lost <- err }))
	wait(t, c.Connect(), "connect")
	m.Kill(t)
	select {
	case <-lost:
	case <-time.After(15 * time.Second):
		t.Fatal("client did not notice the broker was killed")
	}
	m.Start(t)
	c2 := connect(t, mqttOpts(m.Addr(), TopicName(t, "c2")))
	roundTrip(t, c2, c2, 5)
}
