package mqttconn

import (
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// TestCopyingStoreGetCopiesPublish: the store keeps a copy of what Put is
// given (the writer changes the original while it sends it), and what Get
// returns is a packet of its own (resume sets its DUP flag), with the same
// content.
func TestCopyingStoreGetCopiesPublish(t *testing.T) {
	s := copyingStore{paho.NewMemoryStore()}
	s.Open()
	defer s.Close()
	p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	p.TopicName, p.Qos, p.MessageID, p.Payload = "a/b", 1, 7, []byte("x")
	s.Put("o.7", p)
	p.RemainingLength = 99 // the writer sets the header while it sends p
	got := s.Get("o.7").(*packets.PublishPacket)
	if got == p {
		t.Fatal("Get returned the packet given to Put")
	}
	if got.RemainingLength == 99 {
		t.Fatal("the store kept the packet given to Put, not a copy")
	}
	got.Dup = true
	if again := s.Get("o.7").(*packets.PublishPacket); again == got || again.Dup {
		t.Fatal("setting DUP on what Get returned changed the stored packet")
	}
	if got.TopicName != "a/b" || got.MessageID != 7 || string(got.Payload) != "x" || got.Qos != 1 {
		t.Fatalf("copy %+v", got)
	}
	s.Put("i.8", packets.NewControlPacket(packets.Puback))
	if s.Get("i.8") == nil {
		t.Fatal("other packets are returned as stored")
	}
}
