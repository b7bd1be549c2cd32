package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eddy-iot/eddy/internal/mqttconn"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestEdgeAlertsOnMosquitto: an agent without sync (no Kafka) evaluates a
// rule on its own view and publishes the notification on the real
// Mosquitto; restarted on the same state file, the firing alert is not
// notified again (a second device's alert, published after it would have
// been, proves the engine ran).
func TestEdgeAlertsOnMosquitto(t *testing.T) {
	broker := testenv.MQTT(t)
	in := testenv.TopicName(t, "in")
	alertTopic := testenv.TopicName(t, "alerts")
	prog := fmt.Sprintf(`CREATE SOURCE r (device VARCHAR, temp DOUBLE) WITH (connector = 'mqtt', topic = '%s/+');
CREATE MATERIALIZED VIEW hottest AS SELECT device, max(temp) AS max_temp FROM r GROUP BY device;`, in)
	rules := "rules:\n  - name: hot\n    view: hottest\n    group_by: [device]\n    condition: max_temp > 40\n    severity: critical\n"
	dir := t.TempDir()
	clientID := testenv.TopicName(t, "agent")

	got := make(chan map[string]any, 16)
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID(testenv.TopicName(t, "sub")))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe(alertTopic, 1, func(_ paho.Client, m paho.Message) {
		var n map[string]any
		if json.Unmarshal(m.Payload(), &n) == nil {
			got <- n
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	publish := func(dev string, temp float64) {
		t.Helper()
		tok := sub.Publish(in+"/"+dev, 1, false, fmt.Sprintf(`{"device":%q,"temp":%v}`, dev, temp))
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	next := func() map[string]any {
		t.Helper()
		select {
		case n := <-got:
			return n
		case <-time.After(30 * time.Second):
			t.Fatal("no alert notification within 30s")
			return nil
		}
	}
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		rt, err := Start(ctx, Settings{ID: "edge-alerts", DataDir: dir,
			Programs: []Program{{Name: "p.sql", SQL: prog}},
			MQTT:     mqttconn.Options{Brokers: []string{broker}, ClientID: clientID},
			Alerts:   &AlertSettings{Rules: rules, RulesName: "rules.yaml", Topic: alertTopic, Every: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		if rt.fwd != nil {
			t.Fatal("sync must be off")
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = rt.Run(ctx) }()
		// Readings published before the broker acknowledged the agent's
		// subscription would not reach it.
		testenv.WaitFor(t, 20*time.Second, rt.MQTTConnected, "agent subscribed")
		return func() { cancel(); <-done; rt.Close() }
	}

	stop := start()
	publish("d1", 20)
	publish("d1", 45)
	n := next()
	if n["rule"] != "hot" || n["state"] != "firing" || n["alert"] != `hot{device="d1"}` || n["severity"] != "critical" {
		t.Fatalf("notification: %v", n)
	}
	stop()

	stop = start()
	defer stop()
	publish("d1", 50) // still firing: must not notify again
	publish("d2", 60)
	n = next()
	if n["alert"] != `hot{device="d2"}` || n["state"] != "firing" {
		t.Fatalf("after the restart the first notification is %v, want d2 firing (d1 fired again?)", n)
	}
	select {
	case n := <-got:
		t.Fatalf("unexpected notification %v", n)
	default:
	}
}
