package mqttconn

import (
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// TestCopyingStoreGetCopiesPublish: what resume gets is a packet of its own
// (setting its DUP flag leaves the stored one alone), with the same content.
func TestCopyingStoreGetCopiesPublish(t *testing.T) {
	s := copyingStore{paho.NewMemoryStore()}
	s.Open()
	defer s.Close()
	p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	p.TopicName, p.Qos, p.MessageID, p.Payload = "a/b", 1, 7, []byte("x")
	s.Put("o.7", p)
	got := s.Get("o.7").(*packets.PublishPacket)
	if got == p {
		t.Fatal("Get returned the stored packet itself")
	}
	got.Dup = true
	if p.Dup {
		t.Fatal("setting DUP on the copy changed the stored packet")
	}
	if got.TopicName != "a/b" || got.MessageID != 7 || string(got.Payload) != "x" || got.Qos != 1 {
		t.Fatalf("copy %+v", got)
	}
	s.Put("i.8", packets.NewControlPacket(packets.Puback))
	if s.Get("i.8") == nil {
		t.Fatal("other packets are returned as stored")
	}
}
