package testenv

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// mqttOpts is a QoS-1-friendly client configuration for the smoke tests.
func mqttOpts(url, id string) *mqtt.ClientOptions {
	return mqtt.NewClientOptions().AddBroker(url).SetClientID(id).
		SetConnectTimeout(10 * time.Second).SetAutoReconnect(false).
		SetConnectRetry(false).SetWriteTimeout(10 * time.Second)
}

func connect(t *testing.T, opts *mqtt.ClientOptions) mqtt.Client {
	t.Helper()
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(15 * time.Second) {
		t.Fatal("mqtt connect timed out")
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("mqtt connect: %v", err)
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

func wait(t *testing.T, tok mqtt.Token, what string) {
	t.Helper()
	if !tok.WaitTimeout(15 * time.Second) {
		t.Fatalf("%s timed out", what)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// roundTrip subscribes at QoS 1 through sub, publishes n QoS 1 messages
// through pub, and checks that all arrive, in order, at QoS 1.
func roundTrip(t *testing.T, pub, sub mqtt.Client, n int) {
	t.Helper()
	topic := "eddy-test/" + TopicName(t, "rt")
	got := make(chan mqtt.Message, n)
	wait(t, sub.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) { got <- m }), "subscribe")
	for i := range n {
		wait(t, pub.Publish(topic, 1, false, fmt.Sprintf("m%04d", i)), "publish")
	}
	deadline := time.After(30 * time.Second)
	for i := range n {
		select {
		case m := <-got:
			if want := fmt.Sprintf("m%04d", i); string(m.Payload()) != want || m.Qos() != 1 {
				t.Fatalf("message %d: payload %q qos %d, want %q qos 1", i, m.Payload(), m.Qos(), want)
			}
		case <-deadline:
			t.Fatalf("received %d of %d messages", i, n)
		}
	}
}

func TestMosquittoQoS1Plain(t *testing.T) {
	t.Parallel()
	url := MQTT(t)
	pub := connect(t, mqttOpts(url, TopicName(t, "pub")))
	sub := connect(t, mqttOpts(url, TopicName(t, "sub")))
	roundTrip(t, pub, sub, 200)
}

func TestMosquittoQoS1TLSWithPassword(t *testing.T) {
	t.Parallel()
	url := MQTTTLS(t)
	user, pass := MQTTAuth(t)
	opts := func(id string) *mqtt.ClientOptions {
		return mqttOpts(url, id).SetUsername(user).SetPassword(pass).SetTLSConfig(TLSConfig(t, false))
	}
	pub := connect(t, opts(TopicName(t, "pub")))
	sub := connect(t, opts(TopicName(t, "sub")))
	roundTrip(t, pub, sub, 50)
}

func TestMosquittoMutualTLS(t *testing.T) {
	t.Parallel()
	url := MQTTMTLS(t)
	user, pass := MQTTAuth(t)
	c := connect(t, mqttOpts(url, TopicName(t, "c")).SetUsername(user).SetPassword(pass).SetTLSConfig(TLSConfig(t, true)))
	roundTrip(t, c, c, 10)
}

// The secured listeners must really refuse: otherwise a test that "proves"
// TLS or auth would prove nothing.
func TestMosquittoRefusesWhatItShould(t *testing.T) {
	t.Parallel()
	user, pass := MQTTAuth(t)
	tlsURL, mtlsURL := MQTTTLS(t), MQTTMTLS(t)
	cases := []struct {
		name string
		opts *mqtt.ClientOptions
		want []string // the error contains one of these
	}{
		{"anonymous on TLS", mqttOpts(tlsURL, "anon").SetTLSConfig(TLSConfig(t, false)), []string{"not Authorized"}},
		{"wrong password", mqttOpts(tlsURL, "bad").SetUsername(user).SetPassword(pass + "x").SetTLSConfig(TLSConfig(t, false)), []string{"not Authorized"}},
		{"untrusted server", mqttOpts(tlsURL, "untrusting").SetUsername(user).SetPassword(pass).SetTLSConfig(&tls.Config{ServerName: "127.0.0.1"}), []string{"unknown authority"}},
		{"no client certificate", mqttOpts(mtlsURL, "nocert").SetUsername(user).SetPassword(pass).SetTLSConfig(TLSConfig(t, false)),
			// With TLS 1.3 the client may finish its side of the handshake and
			// meet the server's refusal as an alert or as a reset connection.
			// TestMosquittoMutualTLS is the control: with the certificate it works.
			[]string{"certificate required", "connection reset", "broken pipe", "EOF"}},
		{"plain MQTT to TLS port", mqttOpts(strings.Replace(tlsURL, "ssl://", "tcp://", 1), "plain").SetUsername(user).SetPassword(pass), []string{""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mqtt.NewClient(tc.opts.SetConnectTimeout(5 * time.Second))
			tok := c.Connect()
			if !tok.WaitTimeout(15 * time.Second) {
				t.Fatal("connect neither succeeded nor failed")
			}
			err := tok.Error()
			if err == nil {
				c.Disconnect(0)
				t.Fatal("connected, want refusal")
			}
			for _, w := range tc.want {
				if strings.Contains(err.Error(), w) {
					return
				}
			}
			t.Fatalf("refused with %q, want an error containing one of %q", err, tc.want)
		})
	}
}
