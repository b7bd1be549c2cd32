package agent

import (
	"fmt"
	"time"

	"github.com/eddy-iot/eddy/internal/version"
	"github.com/eddy-iot/eddy/sync/forward"
	"github.com/eddy-iot/eddy/sync/wire"
)

// forwardConfig is the forwarder's configuration: the results and
// checkpoints topics are created when missing (checkpoints compacted), and
// checkpoints describe this runtime.
func (r *Runtime) forwardConfig(s Settings) forward.Config {
	return forward.Config{AgentID: s.ID, Kafka: s.Sync.Kafka, ResultsTopic: s.Sync.ResultsTopic,
		CheckpointsTopic: s.Sync.CheckpointsTopic, RateRows: s.Sync.DrainRate,
		CheckpointEvery: s.Sync.CheckpointEvery, Compression: s.Sync.Compression, Logger: s.Logger, CreateTopics: true,
		Checkpoint: func() *wire.Checkpoint { return r.checkpoint(s.ID) }}
}

// checkpoint describes the agent's progress and health. Watermarks are per
// view (the sources' event time as each view sees it).
func (r *Runtime) checkpoint(id string) *wire.Checkpoint {
	c := &wire.Checkpoint{Agent: id, AgentVersion: version.Version,
		Time: time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00"), Watermarks: map[string]int64{},
		Dropped: map[string]int64{}}
	cs := r.ConfigStatus()
	c.ConfigVersion = cs.Version
	if rej := cs.LastError; rej != nil {
		c.LastError = fmt.Sprintf("config version %d rejected (%s): %s", rej.Version, rej.Code, rej.Reason)
	}
	if pl := r.Current(); pl != nil {
		st := pl.Status()
		c.EventsIn, c.Late, c.DeadLetters = int64(st.Rows), int64(st.Late), int64(st.DeadLetters)
		for _, v := range st.Views {
			if v.Watermark != nil {
				c.Watermarks[v.Name] = *v.Watermark
			}
		}
	}
	if ob, err := r.Store.OutboxStats(); err == nil {
		c.OutboxDepth, c.OutboxBytes = int64(ob.TotalDepth()), int64(ob.TotalBytes())
		c.Dropped["outbox_drop_oldest"] = int64(ob.DroppedOldest)
		c.Dropped["outbox_ttl"] = int64(ob.ExpiredTTL)
	}
	if dl, err := r.Store.DeadLetterStats(); err == nil {
		for reason, n := range dl.ByReason {
			c.Dropped[reason] = int64(n)
		}
	}
	if si, err := r.Store.Size(); err == nil {
		c.StoreUsed = si.Used
	}
	if st, ok := r.MQTTStats(); ok && st.Overflow > 0 {
		c.Dropped["ingest_overflow"] = st.Overflow
	}
	return c
}
