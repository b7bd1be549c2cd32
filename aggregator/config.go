package aggregator

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

	"github.com/eddy-iot/eddy/internal/kafkaconn"

	"github.com/eddy-iot/eddy/internal/yamlerr"
)

// Config is the aggregator's configuration file (central.yaml). Unknown
// keys and wrong types are errors that name the line.
type Config struct {
	// DataDir holds the bbolt file (aggregator.db). Default ./data. Each
	// instance of a consumer group needs its own.
	DataDir string      `yaml:"data_dir"`
	Kafka   KafkaConfig `yaml:"kafka"`
	// Views are SQL programs of fleet views: eddy sources over edge views
	// and materialized views over them (docs/AGGREGATOR.md).
	Views []Program `yaml:"views"`
	// Retention deletes results and fleet windows whose window started
	// longer ago than this (event time against the wall clock). Default
	// 168h; 0 after defaults is not allowed.
	Retention time.Duration `yaml:"retention"`
	// HeartbeatTimeout: an agent without a checkpoint for this long is
	// offline. Default 90s (three of the agent's default checkpoint
	// periods).
	HeartbeatTimeout time.Duration `yaml:"heartbeat_timeout"`
	Store            StoreConfig   `yaml:"store"`
	HTTP             HTTPConfig    `yaml:"http"`
	Log              LogConfig     `yaml:"log"`
	// Alerts are the alert rules over fleet views and the agent registry,
	// and the notifiers they send to (docs/ALERTS.md).
	Alerts AlertsConfig `yaml:"alerts"`
}

// KafkaConfig is where the results come from.
type KafkaConfig struct {
	kafkaconn.Options `yaml:",inline"`
	ResultsTopic      string `yaml:"results_topic"`     // default eddy.results
	CheckpointsTopic  string `yaml:"checkpoints_topic"` // default eddy.checkpoints
	// GroupID is the consumer group: instances with the same group share
	// the partitions. Default eddy-aggregator.
	GroupID string `yaml:"group_id"`
	// StallTimeout: with no message for this long while the group has lag,
	// the reader is rebuilt (kafka-go readers can stall after a broker
	// restart). Default 20s.
	StallTimeout time.Duration `yaml:"stall_timeout"`
}

// Program is one SQL program, inline or from a file (relative to the
// config file).
type Program struct {
	Name string `yaml:"name"`
	SQL  string `yaml:"sql"`
	File string `yaml:"file"`
}

// StoreConfig tunes the store and the batch loop.
type StoreConfig struct {
	// MaxSizeMB caps the bbolt file (0: no cap).
	MaxSizeMB int64 `yaml:"max_size_mb"`
	// BatchMaxResults and BatchMaxDelay bound one batch: one transaction,
	// one fsync, then one offset commit. Defaults 5000 and 50ms.
	BatchMaxResults int           `yaml:"batch_max_results"`
	BatchMaxDelay   time.Duration `yaml:"batch_max_delay"`
}

// HTTPConfig is the API.
type HTTPConfig struct {
	// Addr to listen on (the API and the dashboard). Default 127.0.0.1:8090.
	Addr string `yaml:"addr"`
	// Token is required unless Addr is a loopback address; requests then
	// need "Authorization: Bearer <token>" (not /healthz).
	Token     string `yaml:"token"`
	TokenFile string `yaml:"token_file"`
}

// LogConfig sets the log level (debug, info, warn, error) and format (text, json).
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// LoadConfig reads and validates a config file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return ParseConfig(b, path)
}

var ()

// ParseConfig parses YAML (name is used in errors and to resolve view
// files), applies defaults and validates.
func ParseConfig(b []byte, name string) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrConfig, yamlerr.Lines(name, "docs/AGGREGATOR.md", err))
	}
	if err := c.setDefaults(name); err != nil {
		return nil, err
	}
	if err := c.loadAlerts(b, name); err != nil {
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
	k := &c.Kafka
	if k.ResultsTopic == "" {
		k.ResultsTopic = "eddy.results"
	}
	if k.CheckpointsTopic == "" {
		k.CheckpointsTopic = "eddy.checkpoints"
	}
	if k.GroupID == "" {
		k.GroupID = "eddy-aggregator"
	}
	if k.StallTimeout == 0 {
		k.StallTimeout = 20 * time.Second
	}
	if c.Retention == 0 {
		c.Retention = 168 * time.Hour
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = 90 * time.Second
	}
	if c.Store.BatchMaxResults == 0 {
		c.Store.BatchMaxResults = 5000
	}
	if c.Store.BatchMaxDelay == 0 {
		c.Store.BatchMaxDelay = 50 * time.Millisecond
	}
	if c.HTTP.Addr == "" {
		c.HTTP.Addr = "127.0.0.1:8090"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	dir := filepath.Dir(path)
	for i := range c.Views {
		p := &c.Views[i]
		if p.File != "" {
			f := p.File
			if !filepath.IsAbs(f) {
				f = filepath.Join(dir, f)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("%w: views[%d] (%s): %v", ErrConfig, i, p.Name, err)
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
	if err := c.Kafka.Options.Validate(); err != nil {
		bad("kafka: %v", err)
	}
	if c.Kafka.ResultsTopic == c.Kafka.CheckpointsTopic {
		bad("kafka: results_topic and checkpoints_topic must differ")
	}
	if c.Kafka.StallTimeout < time.Second {
		bad("kafka.stall_timeout must be at least 1s")
	}
	names := map[string]bool{}
	for i, p := range c.Views {
		if p.Name == "" {
			bad("views[%d]: name is required", i)
		} else if names[p.Name] {
			bad("views[%d]: name %q is used twice", i, p.Name)
		}
		names[p.Name] = true
		if strings.TrimSpace(p.SQL) == "" {
			bad("views[%d] (%s): give sql or file", i, p.Name)
		}
	}
	if c.Retention < time.Minute {
		bad("retention %v: keep at least 1m of windows (for example retention: 168h)", c.Retention)
	}
	if c.HeartbeatTimeout < time.Second {
		bad("heartbeat_timeout must be at least 1s")
	}
	if c.Store.BatchMaxResults < 1 || c.Store.BatchMaxDelay < time.Millisecond {
		bad("store: batch_max_results must be >= 1 and batch_max_delay >= 1ms")
	}
	if c.Store.MaxSizeMB < 0 {
		bad("store.max_size_mb must not be negative")
	}
	if c.HTTP.Addr != "" && c.HTTP.Token == "" && !IsLoopback(c.HTTP.Addr) {
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
	errs = append(errs, c.validateAlerts()...)
	return errors.Join(errs...)
}

// IsLoopback reports whether addr (host:port) binds only to loopback.
func IsLoopback(addr string) bool {
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
