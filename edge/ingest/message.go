package ingest

// Message is one input message.
type Message struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Dup      bool   // redelivered by the broker
	ID       uint16 // MQTT packet id (QoS ≥ 1)
	Received int64  // processing time of arrival, Unix ms
	// Kafka position (Partition ≥ 0 for Kafka messages, -1 for MQTT).
	Partition int
	Offset    int64
	ack       func()
}

// Ack acknowledges the message to its broker. Call it after the message's
// effect is durably committed, in arrival order. Safe to call more than once.
func (m *Message) Ack() {
	if m.ack != nil {
		m.ack()
		m.ack = nil
	}
}
