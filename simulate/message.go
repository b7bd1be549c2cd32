package simulate

import "strconv"

// Kind says what a Message is for the agent that receives it.
type Kind uint8

const (
	// Good is a reading the agent must count exactly once.
	Good Kind = iota
	// Duplicate repeats an earlier Good message byte for byte on the same
	// topic (a device retransmit or a QoS 1 redelivery): the agent must drop
	// it by the device's sequence number.
	Duplicate
	// Malformed is a message the agent must reject into its dead letters
	// with Message.Reason.
	Malformed
	// Late is a valid reading sent after its window closed (Config.LateRate):
	// the agent must count it as late and leave the closed window as it is.
	Late
)

func (k Kind) String() string {
	switch k {
	case Good:
		return "good"
	case Duplicate:
		return "duplicate"
	case Malformed:
		return "malformed"
	case Late:
		return "late"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Message is one MQTT publication of the simulated fleet.
type Message struct {
	Topic   string // <prefix>/<site>/<device>/telemetry
	Payload []byte // owned by the caller; a new slice for every message
	Kind    Kind
	// Reason is, for Malformed, the dead-letter reason the agent must
	// report: one of Reasons(), spelled like edge/payload's Reason.String.
	Reason string
	Device string // the device the topic names
	// Seq and Time are the sequence number and event time (Unix ms) of a
	// Good or Duplicate message; for a Malformed one they are those of the
	// good reading it was corrupted from, which may not be what its payload
	// says.
	Seq  int64
	Time int64
}

// Dead-letter reasons of malformed messages. The strings are those of
// edge/payload's Reason.String, which the agent writes to its dead letters;
// a test keeps them in step.
const (
	ReasonMalformedJSON    = "malformed_json"    // the payload is cut short
	ReasonNotObject        = "not_object"        // a bare number or string instead of an object
	ReasonWrongType        = "wrong_type"        // temp is "abc", "21,5", true, an object or an array
	ReasonNonFinite        = "non_finite"        // temp or humidity is NaN, ±Infinity or 1e999
	ReasonMissingField     = "missing_field"     // temp (NOT NULL) is missing or null
	ReasonMissingTimestamp = "missing_timestamp" // ts is missing or null
	ReasonAbsurdTimestamp  = "absurd_timestamp"  // ts is in 1970 (uptime ms of a device whose clock was never set) or a century ahead
)

// Reasons returns every reason a malformed message can carry.
func Reasons() []string {
	return []string{ReasonMalformedJSON, ReasonNotObject, ReasonWrongType, ReasonNonFinite,
		ReasonMissingField, ReasonMissingTimestamp, ReasonAbsurdTimestamp}
}
