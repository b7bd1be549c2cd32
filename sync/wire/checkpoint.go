package wire

import (
	"encoding/json"
	"fmt"
)

// Checkpoint is an agent's progress and health, the value of a message on the
// compacted checkpoints topic (key = agent id).
type Checkpoint struct {
	Agent         string           `json:"agent"`
	AgentVersion  string           `json:"agent_version"`
	Time          string           `json:"time"` // RFC 3339 UTC, ms
	ConfigVersion int64            `json:"config_version"`
	Watermarks    map[string]int64 `json:"watermarks_ms"` // per source, Unix ms
	LastForwarded uint64           `json:"last_forwarded_seq"`
	OutboxDepth   int64            `json:"outbox_depth"`
	OutboxBytes   int64            `json:"outbox_bytes"`
	EventsIn      int64            `json:"events_in"`
	Late          int64            `json:"late"`
	DeadLetters   int64            `json:"dead_letters"`
	Dropped       map[string]int64 `json:"dropped"`    // by reason
	StoreUsed     float64          `json:"store_used"` // fraction of the bbolt size cap
	LastError     string           `json:"last_error,omitempty"`
}

// MarshalCheckpoint encodes c as JSON.
func MarshalCheckpoint(c *Checkpoint) ([]byte, error) { return json.Marshal(c) }

// UnmarshalCheckpoint decodes a checkpoint and checks that it names an agent.
func UnmarshalCheckpoint(b []byte) (*Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: checkpoint: %v", ErrCorrupt, err)
	}
	if c.Agent == "" {
		return nil, fmt.Errorf("%w: checkpoint without agent id", ErrCorrupt)
	}
	return &c, nil
}
