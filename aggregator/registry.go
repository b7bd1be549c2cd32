package aggregator

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/eddy-iot/eddy/aggregator/store"
	"github.com/eddy-iot/eddy/sync/wire"
)

// agentEntry is an agent's registry entry: its latest checkpoint and when
// the aggregator saw it.
type agentEntry struct {
	Checkpoint *wire.Checkpoint `json:"checkpoint"`
	// Seen is the Kafka timestamp of the checkpoint's message (Unix ms):
	// the broker's clock, not the gateway's, and right also when the
	// compacted topic is replayed.
	Seen int64 `json:"seen_ms"`
}

// Agent is one row of GET /v1/agents.
type Agent struct {
	Agent         string           `json:"agent"`
	Online        bool             `json:"online"`
	LastSeen      time.Time        `json:"last_seen"`
	AgentVersion  string           `json:"agent_version"`
	ConfigVersion int64            `json:"config_version"`
	CheckpointAt  string           `json:"checkpoint_time"`
	WatermarkLag  *int64           `json:"watermark_lag_ms"` // checkpoint time − least source watermark
	Watermarks    map[string]int64 `json:"watermarks_ms"`
	OutboxDepth   int64            `json:"outbox_depth"`
	OutboxBytes   int64            `json:"outbox_bytes"`
	EventsIn      int64            `json:"events_in"`
	Late          int64            `json:"late"`
	DeadLetters   int64            `json:"dead_letters"`
	Dropped       map[string]int64 `json:"dropped"`
	StoreUsed     float64          `json:"store_used"`
	LastError     string           `json:"last_error,omitempty"`
}

// applyCheckpoint stores a checkpoint if it is not older than the stored
// one (the compacted topic may hand an old one again after a rebalance).
func applyCheckpoint(tx *store.Tx, value []byte, seen time.Time) (agent string, err error) {
	cp, err := wire.UnmarshalCheckpoint(value)
	if err != nil {
		return "", err
	}
	if old := tx.Agent(cp.Agent); old != nil {
		var e agentEntry
		if json.Unmarshal(old, &e) == nil && e.Checkpoint != nil && e.Seen > seen.UnixMilli() {
			return "", nil
		}
	}
	b, err := json.Marshal(agentEntry{Checkpoint: cp, Seen: seen.UnixMilli()})
	if err != nil {
		return "", err
	}
	return cp.Agent, tx.PutAgent(cp.Agent, b)
}

// agents lists the registry as of now.
func agents(tx *store.Tx, now time.Time, heartbeat time.Duration) ([]Agent, error) {
	var out []Agent
	err := tx.Agents(func(id string, v []byte) error {
		var e agentEntry
		if json.Unmarshal(v, &e) != nil || e.Checkpoint == nil {
			return nil
		}
		cp := e.Checkpoint
		seen := time.UnixMilli(e.Seen).UTC()
		a := Agent{Agent: id, LastSeen: seen, Online: now.Sub(seen) <= heartbeat,
			AgentVersion: cp.AgentVersion, ConfigVersion: cp.ConfigVersion, CheckpointAt: cp.Time,
			Watermarks: cp.Watermarks, OutboxDepth: cp.OutboxDepth, OutboxBytes: cp.OutboxBytes,
			EventsIn: cp.EventsIn, Late: cp.Late, DeadLetters: cp.DeadLetters, Dropped: cp.Dropped,
			StoreUsed: cp.StoreUsed, LastError: cp.LastError}
		if t, err := time.Parse(time.RFC3339Nano, cp.Time); err == nil && len(cp.Watermarks) > 0 {
			least := int64(math.MaxInt64)
			for _, w := range cp.Watermarks {
				least = min(least, w)
			}
			lag := t.UnixMilli() - least
			a.WatermarkLag = &lag
		}
		out = append(out, a)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Agent < out[j].Agent })
	return out, err
}
