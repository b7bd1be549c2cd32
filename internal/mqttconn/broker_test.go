package mqttconn_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// roundTrip connects a subscriber and a publisher with opts (each its own
// client id), publishes n messages of growing size at QoS 1 on one topic
// and checks the subscriber receives every one, in order and intact: the
// buffered reads must split a stream of packets of every length-field size
// (1 to 3 bytes) exactly.
func roundTrip(t *testing.T, opts mqttconn.Options, n int) {
	t.Helper()
	topic := testenv.TopicName(t, "rt")
	var mu sync.Mutex
	var got []string
	sub := opts
	sub.ClientID = testenv.TopicName(t, "sub")
	sub.CleanSession = true
	sc, err := mqttconn.Start(mqttconn.Config{Options: sub, OnConnect: func(c paho.Client) {
		c.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) {
			mu.Lock()
			got = append(got, string(m.Payload()))
			mu.Unlock()
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sc.WaitConnected(ctx); err != nil {
		t.Fatalf("subscriber: %v", err)
	}
	pub := opts
	pub.ClientID = testenv.TopicName(t, "pub")
	pc, err := mqttconn.Start(mqttconn.Config{Options: pub})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(100 * time.Millisecond)
	if err := pc.WaitConnected(ctx); err != nil {
		t.Fatalf("publisher: %v", err)
	}
	// Wait for the subscription: a probe message comes back.
	testenv.WaitFor(t, 10*time.Second, func() bool {
		pc.Client().Publish(topic, 1, false, "probe").Wait()
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	}, "subscribed")
	mu.Lock()
	got = got[:0]
	mu.Unlock()
	payload := func(i int) string { return fmt.Sprintf("%d:%0*d", i, i*i%20000, 0) }
	var toks []paho.Token
	for i := range n {
		toks = append(toks, pc.Client().Publish(topic, 1, false, payload(i)))
	}
	for _, tok := range toks {
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	// QoS 1 is at least once: a message may come twice (a redelivery
	// after a reconnect), but each must come whole and the first copies in
	// publish order.
	distinct := func() []string {
		var out []string
		seen := map[string]bool{}
		for _, p := range got {
			if p != "probe" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		return out
	}
	testenv.WaitFor(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(distinct()) >= n
	}, "every message received")
	mu.Lock()
	defer mu.Unlock()
	d := distinct()
	for i, p := range d {
		if i >= n || p != payload(i) {
			t.Fatalf("message %d: %d bytes %.20q, want the %d bytes of message %d", i, len(p), p, len(payload(i)), i)
		}
	}
	if len(d) != n {
		t.Fatalf("%d messages besides probes, want %d", len(d), n)
	}
	if dups := len(got) - len(d); dups > 0 {
		t.Logf("%d duplicates or late probes (QoS 1 redelivery)", dups)
	}
}

func TestRoundTripPlain(t *testing.T) {
	roundTrip(t, mqttconn.Options{Brokers: []string{testenv.MQTT(t)}}, 500)
}

func TestRoundTripMutualTLS(t *testing.T) {
	user, pass := testenv.MQTTAuth(t)
	roundTrip(t, mqttconn.Options{Brokers: []string{testenv.MQTTMTLS(t)}, Username: user, Password: pass,
		CAFile: os.Getenv("EDDY_TEST_CA"), CertFile: os.Getenv("EDDY_TEST_CLIENT_CERT"),
		KeyFile: os.Getenv("EDDY_TEST_CLIENT_KEY"), ServerName: "127.0.0.1"}, 200)
}

// TestTLSVerifiesTheBroker: without the test CA (system roots only) and
// without a client certificate, the connections are refused.
func TestTLSVerifiesTheBroker(t *testing.T) {
	user, pass := testenv.MQTTAuth(t)
	for name, o := range map[string]mqttconn.Options{
		"untrusted CA":          {Brokers: []string{testenv.MQTTTLS(t)}, Username: user, Password: pass, ServerName: "127.0.0.1"},
		"no client certificate": {Brokers: []string{testenv.MQTTMTLS(t)}, Username: user, Password: pass, CAFile: os.Getenv("EDDY_TEST_CA"), ServerName: "127.0.0.1"},
	} {
		t.Run(name, func(t *testing.T) {
			o.ClientID = testenv.TopicName(t, "bad")
			o.MinBackoff, o.MaxBackoff = 20*time.Millisecond, 50*time.Millisecond
			c, err := mqttconn.Start(mqttconn.Config{Options: o})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(0)
			testenv.WaitFor(t, 10*time.Second, func() bool { return c.FailedAttempts() >= 2 }, "connection refused twice")
			if c.Connected() {
				t.Fatal("connected")
			}
		})
	}
}
