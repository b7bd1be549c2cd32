package mqttconn

import (
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// copyingStore is paho's MemoryStore holding PUBLISH packets of its own:
// Put stores a copy and Get returns a copy. paho writes a packet while it
// sends it (PublishPacket.Write sets its header), and on connect its resume
// takes the unacknowledged packets from the store and sets their DUP flag,
// while the writer may still be sending the same packet object: a data race
// (eclipse-paho/paho.mqtt.golang#703, open), seen in our tests under -race.
// With copies, the store's packet is never the one being written or
// marked. Payloads are shared, and nobody writes them.
type copyingStore struct{ *paho.MemoryStore }

func (s copyingStore) Put(key string, p packets.ControlPacket) {
	s.MemoryStore.Put(key, copyPublish(p))
}

func (s copyingStore) Get(key string) packets.ControlPacket {
	return copyPublish(s.MemoryStore.Get(key))
}

func copyPublish(p packets.ControlPacket) packets.ControlPacket {
	if pp, ok := p.(*packets.PublishPacket); ok {
		cp := *pp
		return &cp
	}
	return p
}
