package mqtt

import "testing"

func TestTopicTemplate(t *testing.T) {
	f := func(topic, row, want string) {
		t.Helper()
		s := &Sink{o: Options{Topic: topic}}
		if err := s.parseTopic(); err != nil {
			t.Fatal(err)
		}
		if got := s.topicFor([]byte(row)); got != want {
			t.Fatalf("%s with %s = %q, want %q", topic, row, got, want)
		}
	}
	f("eddy/results", `{"view":"v"}`, "eddy/results")
	f("eddy/{view}/{device}", `{"view":"t1m","device":"d/1+#"}`, "eddy/t1m/d_1__")
	f("eddy/{view}/{n}/x", `{"view":"v","n":42}`, "eddy/v/42/x")
	f("eddy/{missing}", `{"view":"v"}`, "eddy/_")
	f("eddy/{view}", `not json`, "eddy/_")
}

func TestTopicValidation(t *testing.T) {
	for _, topic := range []string{"", "a/+/b", "a/#", "a/{x", "a/{}"} {
		if _, err := newSink(Options{Topic: topic}); err == nil {
			t.Errorf("topic %q accepted", topic)
		}
	}
	if _, err := newSink(Options{Topic: "a/{view}", QoS: 3}); err == nil {
		t.Error("qos 3 accepted")
	}
	if _, err := newSink(Options{Topic: "a/{view}/b", QoS: 1}); err != nil {
		t.Errorf("valid topic rejected: %v", err)
	}
}
