package ingest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

func publish(t *testing.T, broker, topic string, n int, qos byte) {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(t, "pub"))
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	for i := 0; i < n; i++ {
		tok := c.Publish(topic, qos, false, fmt.Sprintf(`{"i":%d}`, i))
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d: %v", i, tok.Error())
		}
	}
}

func startInput(t *testing.T, cfg mqttconn.Config, filter string) *MQTT {
	t.Helper()
	in, err := NewMQTT(cfg, []Subscription{{Filter: filter, QoS: 1}}, Queue{Messages: 1024}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := in.Conn().WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return in
}

func next(t *testing.T, in *MQTT) Message {
	t.Helper()
	select {
	case m := <-in.Messages():
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("no message within 15s")
	}
	return Message{}
}

// Messages not acked before the input closes come back, flagged DUP, to the
// next session with the same client id. Acks issued just before a disconnect
// may be lost (paho can send DISCONNECT ahead of pending acks), so an acked
// message may come back too, but then also flagged DUP: that is what the
// Redelivered ring recognises.
func TestMQTTUnackedAreRedelivered(t *testing.T) {
	broker := testenv.MQTT(t)
	topic := testenv.TopicName(t, "ingest")
	cfg := mqttconn.Config{Options: mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent"),
		MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second}}
	in := startInput(t, cfg, topic+"/#")
	// The subscription is made in OnConnect; publish probes until one arrives.
	testenv.WaitFor(t, 15*time.Second, func() bool {
		publish(t, broker, topic+"/probe", 1, 1)
		select {
		case m := <-in.Messages():
			m.Ack()
			return true
		case <-time.After(200 * time.Millisecond):
			return false
		}
	}, "subscription active")

	publish(t, broker, topic+"/data", 10, 1)
	for i := 0; i < 10; {
		m := next(t, in)
		if m.Topic != topic+"/data" {
			m.Ack() // a late probe
			continue
		}
		if want := fmt.Sprintf(`{"i":%d}`, i); string(m.Payload) != want || m.QoS != 1 {
			t.Fatalf("message %d = %s qos %d, want %s in order", i, m.Payload, m.QoS, want)
		}
		if i < 6 {
			m.Ack() // committed: acked in arrival order
		}
		i++
	}
	in.Close()

	in2 := startInput(t, cfg, topic+"/#")
	defer in2.Close()
	// The broker resends the session's in-flight messages first; a marker
	// published now arrives after them.
	publish(t, broker, topic+"/marker", 1, 1)
	var redelivered []int
	for {
		m := next(t, in2)
		m.Ack()
		if m.Topic == topic+"/marker" {
			break
		}
		if m.Topic != topic+"/data" {
			continue
		}
		if !m.Dup {
			t.Fatalf("redelivered %s without the DUP flag", m.Payload)
		}
		var i int
		fmt.Sscanf(string(m.Payload), `{"i":%d}`, &i)
		redelivered = append(redelivered, i)
	}
	for want := 6; want < 10; want++ {
		found := false
		for _, i := range redelivered {
			found = found || i == want
		}
		if !found {
			t.Fatalf("unacked message %d not redelivered (got %v)", want, redelivered)
		}
	}
	t.Logf("redelivered %v (messages 0-5 were acked before the disconnect)", redelivered)
}

func TestMQTTOverTLSWithPassword(t *testing.T) {
	broker := testenv.MQTTTLS(t)
	user, pass := testenv.MQTTAuth(t)
	topic := testenv.TopicName(t, "tls")
	cfg := mqttconn.Config{Options: mqttconn.Options{Brokers: []string{broker}, ClientID: testenv.TopicName(t, "agent"),
		Username: user, Password: pass, CAFile: os.Getenv("EDDY_TEST_CA"), ServerName: "127.0.0.1", CleanSession: true}}
	in := startInput(t, cfg, topic)
	defer in.Close()

	cfg.Password = "wrong"
	cfg.ClientID += "-bad"
	cfg.MinBackoff, cfg.MaxBackoff = 50*time.Millisecond, 100*time.Millisecond
	bad, err := NewMQTT(cfg, []Subscription{{Filter: topic, QoS: 1}}, Queue{Messages: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	testenv.WaitFor(t, 10*time.Second, func() bool { return bad.Stats().ConnectFails > 0 }, "wrong password refused")
	if bad.Stats().Connected {
		t.Fatal("connected with a wrong password")
	}
}
