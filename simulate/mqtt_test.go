package simulate

import (
	"context"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// subscribe counts the messages under prefix/# on broker at QoS 1, by
// topic and payload.
func subscribe(t *testing.T, broker, prefix string) (count func() int, got func() map[string]int) {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]int{}
	n := 0
	opts := paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(t, "sub")).
		SetCleanSession(true).SetAutoReconnect(false).SetOrderMatters(false)
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	tok := c.Subscribe(prefix+"/#", 1, func(_ paho.Client, m paho.Message) {
		mu.Lock()
		seen[m.Topic()+" "+string(m.Payload())]++
		n++
		mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	count = func() int { mu.Lock(); defer mu.Unlock(); return n }
	got = func() map[string]int { mu.Lock(); defer mu.Unlock(); return seen }
	return count, got
}

func TestPublishToMosquittoQoS1(t *testing.T) {
	broker := testenv.MQTT(t)
	prefix := testenv.TopicName(t, "sim")
	count, got := subscribe(t, broker, prefix)

	// 10,000 good readings plus duplicates and malformed messages.
	cfg := Config{Devices: 100, Seed: 42, Readings: 100, Disorder: 3000, DupRate: 0.01,
		MalformedRate: 0.005, TopicPrefix: prefix, Sites: 4}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := DialMQTT(ctx, mqttconn.Options{Brokers: []string{broker}}, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st, err := Publish(ctx, p, New(cfg), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", st)
	if st.Good != 10000 {
		t.Fatalf("%d good readings published, want 10000", st.Good)
	}
	testenv.WaitFor(t, 30*time.Second, func() bool { return count() >= int(st.Total()) },
		"the subscriber receives every published message")

	want := map[string]int{}
	for _, m := range all(cfg) {
		want[m.Topic+" "+string(m.Payload)]++
	}
	seen := got()
	if len(seen) != len(want) {
		t.Fatalf("received %d distinct messages, want %d", len(seen), len(want))
	}
	for k, n := range want {
		if seen[k] != n {
			t.Fatalf("%s received %d times, want %d", k, seen[k], n)
		}
	}
}
