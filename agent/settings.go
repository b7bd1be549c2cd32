package agent

import (
	"io"
	"log/slog"
	"path/filepath"
	"strconv"

	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/internal/fleetdoc"
)

// IsLoopback reports whether a listen address binds only to loopback, where
// the HTTP API may go without a token.
func IsLoopback(addr string) bool { return isLoopback(addr) }

// Settings turns a validated configuration into what Start needs.
func (c *Config) Settings(log *slog.Logger, stdout io.Writer) Settings {
	s := Settings{
		ID: c.ID, DataDir: c.DataDir, MQTT: c.MQTT.Options, Queue: c.MQTT.QueueSize,
		QueueBytes: int64(c.MQTT.QueueBytes), MemoryLimit: int64(c.MemoryLimit),
		Kafka:    c.Sync.Kafka,
		HTTPAddr: c.HTTP.Addr, Token: c.HTTP.Token, Pprof: c.HTTP.Pprof,
		Batch: c.Store.BatchMaxEvents, MaxBytes: int(c.Store.MaxPayload),
		Stdout: stdout, Logger: log,
		Store: store.Options{
			Path:            filepath.Join(c.DataDir, "eddy.db"),
			MaxSize:         int64(c.Store.MaxSize),
			CheckpointBytes: checkpointBytes(c.Store),
			DeadLetters:     store.DeadLetterOptions{MaxEntries: c.Store.DeadLetters},
		},
	}
	for i, p := range c.Pipelines {
		name := p.File
		if name == "" {
			name = p.Name
		}
		if name == "" {
			name = "pipelines[" + strconv.Itoa(i) + "]"
		}
		s.Programs = append(s.Programs, Program{Name: name, SQL: p.SQL})
	}
	if c.Control.Enabled() {
		keys, err := fleetdoc.NewKeyring(c.Control.TrustedKeys)
		if err == nil {
			s.Control = &ControlSettings{MQTT: c.Control.Options, Prefix: c.Control.TopicPrefix, Keys: keys}
		}
	}
	if c.Sync.Enabled {
		sc := c.Sync
		s.Sync = &sc
		pol, err := store.ParsePolicy(c.Sync.Policy)
		if err == nil {
			s.Store.Outbox = store.OutboxOptions{QuotaBytes: int64(c.Sync.OutboxQuota), Policy: pol, TTL: c.Sync.TTL}
		}
	}
	return s
}

// checkpointBytes is store.Options.CheckpointBytes for a store config: -1
// (no log) with direct_writes.
func checkpointBytes(c StoreConfig) int64 {
	if c.DirectWrites {
		return -1
	}
	return int64(c.CheckpointBytes)
}
