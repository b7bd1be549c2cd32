package agent

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/eddy-iot/eddy/internal/bytesize"
	"github.com/eddy-iot/eddy/internal/fleetdoc"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"

	"github.com/eddy-iot/eddy/internal/yamlerr"
	"github.com/eddy-iot/eddy/sync/forward"
)

// ErrConfig wraps every configuration error.
var ErrConfig = errors.New("config")

// Config is the agent's configuration file (YAML). Unknown keys and wrong
// types are errors that name the line.
type Config struct {
	// ID names the agent in results, checkpoints and fleet config; required.
	ID string `yaml:"id"`
	// DataDir holds the agent's bbolt file (eddy.db). Default ./data.
	DataDir string `yaml:"data_dir"`
	// MQTT is the data connection to the site broker the sensors publish to.
	MQTT MQTTConfig `yaml:"mqtt"`
	// Pipelines are the SQL programs to run (sources, views, sinks).
	Pipelines []Pipeline  `yaml:"pipelines"`
	Store     StoreConfig `yaml:"store"`
	Sync      SyncConfig  `yaml:"sync"`
	HTTP      HTTPConfig  `yaml:"http"`
	Log       LogConfig   `yaml:"log"`
	// Control is the fleet management connection (docs/FLEET-CONFIG.md);
	// off without brokers.
	Control ControlConfig `yaml:"control"`
	// MemoryLimit is the Go runtime's soft memory limit (heap, stacks and
	// runtime metadata; not the state file's mapped pages): the collector
	// runs more often as it comes near. Default 64MiB; a working set larger
	// than the limit still runs, at the cost of more GC CPU.
	MemoryLimit ByteSize `yaml:"memory_limit"`
}

// ControlConfig is the control connection: a separate MQTT client (own
// client id and credentials, usually to a central broker) over which signed
// configuration documents arrive and status and events leave.
type ControlConfig struct {
	mqttconn.Options `yaml:",inline"`
	// TopicPrefix is the first level(s) of the control topics; default eddy.
	TopicPrefix string `yaml:"topic_prefix"`
	// TrustedKeys are the Ed25519 public keys whose signatures the agent
	// accepts ("ed25519:BASE64", as eddy config keygen prints); required
	// with brokers.
	TrustedKeys []string `yaml:"trusted_keys"`
}

// Enabled reports whether the control connection is configured.
func (c *ControlConfig) Enabled() bool { return len(c.Brokers) > 0 }

// MQTTConfig is the data connection.
type MQTTConfig struct {
	mqttconn.Options `yaml:",inline"`
	// QueueSize bounds the messages waiting between the MQTT client and the
	// engine. QoS ≥ 1 messages are never dropped (the broker's in-flight
	// window bounds them); QoS 0 messages over the bound are counted as
	// dropped with reason ingest_overflow.
	QueueSize int `yaml:"queue_size"`
	// QueueBytes bounds the same queue by size (topic + payload + about 256
	// bytes each), the same way. Default 8MiB.
	QueueBytes ByteSize `yaml:"queue_bytes"`
}

// Pipeline is one SQL program, inline or from a file (relative paths are
// relative to the config file).
type Pipeline struct {
	Name string `yaml:"name"`
	SQL  string `yaml:"sql"`
	File string `yaml:"file"`
}

// StoreConfig tunes the bbolt state file and the batch loop.
type StoreConfig struct {
	// MaxSize caps the bbolt file (for example 512MiB). Default 1GiB.
	MaxSize ByteSize `yaml:"max_size"`
	// BatchMaxEvents and BatchMaxDelay bound one commit: one fsync per batch.
	// A batch holds what arrived while the previous commit ran, so it is
	// large only under load, where a large one writes each changed key's
	// state once for many events (measured at 10k devices and 100k msgs/s:
	// 16384 kept up where 5000 overflowed the queue).
	BatchMaxEvents int           `yaml:"batch_max_events"`
	BatchMaxDelay  time.Duration `yaml:"batch_max_delay"`
	// DeadLetters is how many bad messages are kept (the oldest go first).
	DeadLetters int `yaml:"dead_letters"`
	// MaxPayload rejects larger MQTT payloads as oversized. Default 256KiB.
	MaxPayload ByteSize `yaml:"max_payload"`
	// CheckpointBytes is how much the store's write-ahead log of state
	// changes collects before they are written into their buckets, each key
	// once (docs/BENCHMARKS.md). Default 4MiB, at most max_size/16; the
	// changes are also kept in memory, coalesced. Larger means fewer
	// checkpoints (less CPU, less written) and a larger file.
	CheckpointBytes ByteSize `yaml:"checkpoint_bytes"`
	// DirectWrites writes every state change into its bucket at each
	// commit, without the write-ahead log: a third more CPU per event and
	// ten times the bytes written at moderate rates, for about 15 MB less
	// memory with 10k devices (docs/BENCHMARKS.md).
	DirectWrites bool `yaml:"direct_writes"`
}

// SyncConfig is store-and-forward to Kafka.
type SyncConfig struct {
	// Enabled turns the forwarder on; without it results stay in local sinks.
	Enabled          bool              `yaml:"enabled"`
	Kafka            kafkaconn.Options `yaml:"kafka"`
	ResultsTopic     string            `yaml:"results_topic"`
	CheckpointsTopic string            `yaml:"checkpoints_topic"`
	// OutboxQuota bounds the outbox on disk, at least 64KiB; Policy says
	// what happens at the bound: drop_oldest (counted) or backpressure
	// (stop acking MQTT). An entry (the results of one commit, snappy
	// compressed) holds at most 1/16 of the quota, so drop_oldest drops a
	// small part of it at a time.
	OutboxQuota ByteSize      `yaml:"outbox_quota"`
	Policy      string        `yaml:"policy"`
	TTL         time.Duration `yaml:"ttl"`
	// DrainRate limits rows/s sent after an outage; 0 = unlimited.
	DrainRate       float64       `yaml:"drain_rate"`
	CheckpointEvery time.Duration `yaml:"checkpoint_every"`
	// Compression is the Kafka codec of the forwarded records: snappy
	// (default), zstd (smaller, more CPU), lz4, gzip or none.
	Compression string `yaml:"compression"`
}

// HTTPConfig is the status, health and metrics endpoint.
type HTTPConfig struct {
	// Addr to listen on, for example 127.0.0.1:8080; empty disables HTTP.
	Addr string `yaml:"addr"`
	// Token is required unless Addr is a loopback address; requests then
	// need "Authorization: Bearer <token>". TokenFile reads it from a file.
	Token     string `yaml:"token"`
	TokenFile string `yaml:"token_file"`
	// Pprof serves Go's runtime profiles, behind the same token, for
	// diagnosing memory or CPU use on a gateway: /debug/pprof/heap?gc=1
	// (in-use heap), allocs, goroutine, and profile?seconds=30 (CPU); read
	// them with `go tool pprof`. Off by default.
	Pprof bool `yaml:"pprof"`
}

// LogConfig sets the log level (debug, info, warn, error) and format (text, json).
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// ByteSize is a size in bytes written as 1048576, 512KiB, 64MiB, 1GiB, 10MB.
type ByteSize int64

// UnmarshalYAML parses a byte size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*b = v
	return nil
}

// ParseByteSize parses "1048576", "512KiB", "64MiB", "1GiB", "10MB", "1kb".
func ParseByteSize(s string) (ByteSize, error) {
	n, err := bytesize.Parse(s)
	return ByteSize(n), err
}

// LoadConfig reads and validates a config file. Errors name the file and line.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	c, err := ParseConfig(b, path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ParseConfig parses YAML (name is used in errors and to resolve pipeline
// files), applies defaults and validates.
func ParseConfig(b []byte, name string) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrConfig, yamlerr.Lines(name, "docs/CONFIG.md", err))
	}
	if err := c.setDefaults(name); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) setDefaults(path string) error {
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.MQTT.ClientID == "" && c.ID != "" {
		c.MQTT.ClientID = "eddy-" + c.ID
	}
	if c.Control.ClientID == "" && c.ID != "" {
		c.Control.ClientID = "eddy-control-" + c.ID
	}
	if c.Control.TopicPrefix == "" {
		c.Control.TopicPrefix = fleetdoc.DefaultPrefix
	}
	if c.MQTT.QueueSize == 0 {
		c.MQTT.QueueSize = 65536
	}
	if c.MQTT.QueueBytes == 0 {
		c.MQTT.QueueBytes = 8 << 20
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = 64 << 20
	}
	if c.Store.MaxSize == 0 {
		c.Store.MaxSize = 1 << 30
	}
	if c.Store.BatchMaxEvents == 0 {
		c.Store.BatchMaxEvents = 16384
	}
	if c.Store.BatchMaxDelay == 0 {
		c.Store.BatchMaxDelay = 50 * time.Millisecond
	}
	if c.Store.DeadLetters == 0 {
		c.Store.DeadLetters = 10000
	}
	if c.Store.MaxPayload == 0 {
		c.Store.MaxPayload = 256 << 10
	}
	if c.Sync.ResultsTopic == "" {
		c.Sync.ResultsTopic = "eddy.results"
	}
	if c.Sync.CheckpointsTopic == "" {
		c.Sync.CheckpointsTopic = "eddy.checkpoints"
	}
	if c.Sync.Policy == "" {
		c.Sync.Policy = "drop_oldest"
	}
	if c.Sync.OutboxQuota == 0 {
		c.Sync.OutboxQuota = 256 << 20
	}
	if c.Sync.CheckpointEvery == 0 {
		c.Sync.CheckpointEvery = 30 * time.Second
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	dir := filepath.Dir(path)
	for i := range c.Pipelines {
		p := &c.Pipelines[i]
		if p.File != "" {
			f := p.File
			if !filepath.IsAbs(f) {
				f = filepath.Join(dir, f)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("%w: pipelines[%d] (%s): %v", ErrConfig, i, p.Name, err)
			}
			p.File, p.SQL = f, string(b)
		}
	}
	if c.HTTP.TokenFile != "" && c.HTTP.Token == "" {
		b, err := os.ReadFile(c.HTTP.TokenFile)
		if err != nil {
			return fmt.Errorf("%w: http.token_file: %v", ErrConfig, err)
		}
		c.HTTP.Token = strings.TrimSpace(string(b))
	}
	return nil
}

// Validate reports every problem, each saying what to change.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...))
	}
	if c.ID == "" {
		bad("id is required: a unique name for this agent, for example id: gw-plant1-line3")
	} else if strings.ContainsAny(c.ID, "/+#\x00 ") {
		bad("id %q: use letters, digits, '-', '_' and '.' only (it becomes part of MQTT topics and Kafka keys)", c.ID)
	}
	if len(c.MQTT.Brokers) > 0 {
		if err := c.MQTT.Options.Validate(); err != nil {
			bad("mqtt: %v", err)
		}
	}
	if c.Control.Enabled() {
		if err := c.Control.Options.Validate(); err != nil {
			bad("control: %v", err)
		}
		if c.Control.ClientID == c.MQTT.ClientID {
			bad("control.client_id %q is the data connection's client id: the control connection needs its own (default eddy-control-<id>)", c.Control.ClientID)
		}
		if err := fleetdoc.ValidPrefix(c.Control.TopicPrefix); err != nil {
			bad("control.topic_prefix: %v", err)
		}
		if len(c.Control.TrustedKeys) == 0 {
			bad("control.trusted_keys: give at least one public key (eddy config keygen prints one); without it every document would be rejected")
		} else if _, err := fleetdoc.NewKeyring(c.Control.TrustedKeys); err != nil {
			bad("control.%v", err)
		}
	} else if len(c.Control.TrustedKeys) > 0 {
		bad("control.trusted_keys without control.brokers: set the brokers the fleet configuration comes from")
	}
	names := map[string]bool{}
	for i, p := range c.Pipelines {
		if p.Name == "" {
			bad("pipelines[%d]: name is required", i)
		} else if names[p.Name] {
			bad("pipelines[%d]: name %q is used twice", i, p.Name)
		}
		names[p.Name] = true
		if strings.TrimSpace(p.SQL) == "" {
			bad("pipelines[%d] (%s): give sql or file", i, p.Name)
		}
	}
	if c.Store.BatchMaxEvents < 1 || c.Store.BatchMaxDelay < time.Millisecond {
		bad("store: batch_max_events must be >= 1 and batch_max_delay >= 1ms")
	}
	switch c.Sync.Policy {
	case "drop_oldest", "backpressure":
	default:
		bad("sync.policy %q: use drop_oldest or backpressure", c.Sync.Policy)
	}
	if err := checkOutboxQuota(c.Sync.OutboxQuota); err != nil {
		bad("%v", err)
	}
	if c.Sync.Enabled {
		if err := c.Sync.Kafka.Validate(); err != nil {
			bad("sync.kafka: %v", err)
		}
	}
	if err := forward.ParseCompression(c.Sync.Compression); err != nil {
		bad("sync.compression %q: use snappy, zstd, lz4, gzip or none", c.Sync.Compression)
	}
	if c.HTTP.Addr != "" && c.HTTP.Token == "" && !isLoopback(c.HTTP.Addr) {
		bad("http.addr %s is not loopback: set http.token (or token_file) so the API requires a bearer token", c.HTTP.Addr)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level %q: use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format %q: use text or json", c.Log.Format)
	}
	return errors.Join(errs...)
}

// isLoopback reports whether addr (host:port) binds only to loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// minOutboxQuota is the smallest sync.outbox_quota, in a config file or a
// pushed document: an outbox entry holds at most 1/16 of the quota.
const minOutboxQuota = 64 << 10

func checkOutboxQuota(q ByteSize) error {
	if q < minOutboxQuota {
		return fmt.Errorf("sync.outbox_quota %d bytes: give at least 64KiB (the outbox holds entries of up to 1/16 of it)", q)
	}
	return nil
}
