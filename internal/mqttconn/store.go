package mqttconn

import (
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// copyingStore is paho's MemoryStore, except that Get returns a copy of a
// PUBLISH packet. On connect, paho's resume takes the unacknowledged
// packets from the store and sets their DUP flag while the writer of the
// previous connection may still be writing the same packet: a data race
// (eclipse-paho/paho.mqtt.golang#703, open), seen in our tests under
// -race. With a copy, resume marks and sends its own packet; the payload is
// shared, and nobody writes it.
type copyingStore struct{ *paho.MemoryStore }

func (s copyingStore) Get(key string) packets.ControlPacket {
	p := s.MemoryStore.Get(key)
	if pp, ok := p.(*packets.PublishPacket); ok {
		cp := *pp
		return &cp
	}
	return p
}
