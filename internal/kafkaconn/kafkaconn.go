// Package kafkaconn turns Eddy's Kafka connection settings (brokers, TLS,
// SASL) into kafka-go transports and dialers, shared by the forwarder, the
// aggregator, the Kafka sink and the Kafka source. Passwords never appear in
// errors or in String.
package kafkaconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// ErrConfig reports invalid Kafka connection settings.
var ErrConfig = errors.New("kafka config")

// Options are the connection settings.
type Options struct {
	Brokers []string `yaml:"brokers"` // host:port
	TLS     *TLS     `yaml:"tls"`
	SASL    *SASL    `yaml:"sasl"`
}

// TLS settings; an empty CAFile means the system roots.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// SASL settings. Mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
type SASL struct {
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
}

// Validate reports the first problem, saying what to change.
func (o *Options) Validate() error {
	if len(o.Brokers) == 0 {
		return fmt.Errorf("%w: no broker (set brokers, for example 127.0.0.1:9092)", ErrConfig)
	}
	for i, b := range o.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return fmt.Errorf("%w: brokers[%d] %q is not host:port", ErrConfig, i, b)
		}
	}
	if o.SASL != nil {
		if _, err := o.SASL.mechanism(); err != nil {
			return err
		}
	}
	if o.TLS != nil && (o.TLS.CertFile == "") != (o.TLS.KeyFile == "") {
		return fmt.Errorf("%w: tls cert_file and key_file go together", ErrConfig)
	}
	return nil
}

func (s *SASL) mechanism() (sasl.Mechanism, error) {
	if s.Username == "" {
		return nil, fmt.Errorf("%w: sasl username is required", ErrConfig)
	}
	switch strings.ToUpper(s.Mechanism) {
	case "PLAIN":
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case "SCRAM-SHA-256":
		m, err := scram.Mechanism(scram.SHA256, s.Username, s.Password)
		if err != nil {
			return nil, fmt.Errorf("%w: sasl scram: %v", ErrConfig, err)
		}
		return m, nil
	case "SCRAM-SHA-512":
		m, err := scram.Mechanism(scram.SHA512, s.Username, s.Password)
		if err != nil {
			return nil, fmt.Errorf("%w: sasl scram: %v", ErrConfig, err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("%w: sasl mechanism %q: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", ErrConfig, s.Mechanism)
}

func (o *Options) tlsConfig() (*tls.Config, error) {
	if o.TLS == nil {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.TLS.InsecureSkipVerify}
	if o.TLS.CAFile != "" {
		pem, err := os.ReadFile(o.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: tls ca_file: %v", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: tls ca_file %s holds no PEM certificate", ErrConfig, o.TLS.CAFile)
		}
		c.RootCAs = pool
	}
	if o.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.TLS.CertFile, o.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: tls client certificate %s: %v", ErrConfig, o.TLS.CertFile, errors.Unwrap(err))
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// Transport returns a kafka-go transport for writers and clients.
func (o *Options) Transport(clientID string) (*kafka.Transport, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	tc, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	t := &kafka.Transport{ClientID: clientID, TLS: tc, DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second, MetadataTTL: 10 * time.Second}
	if o.SASL != nil {
		m, err := o.SASL.mechanism()
		if err != nil {
			return nil, err
		}
		t.SASL = m
	}
	return t, nil
}

// Dialer returns a kafka-go dialer for readers and admin connections.
func (o *Options) Dialer(clientID string) (*kafka.Dialer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	tc, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	d := &kafka.Dialer{ClientID: clientID, Timeout: 5 * time.Second, DualStack: true, TLS: tc}
	if o.SASL != nil {
		m, err := o.SASL.mechanism()
		if err != nil {
			return nil, err
		}
		d.SASLMechanism = m
	}
	return d, nil
}

// String describes the settings for logs without secrets.
func (o Options) String() string {
	s := "kafka brokers=" + strings.Join(o.Brokers, ",")
	if o.TLS != nil {
		s += " tls=on"
	}
	if o.SASL != nil {
		s += " sasl=" + strings.ToUpper(o.SASL.Mechanism) + " user=" + o.SASL.Username + " password=<redacted>"
	}
	return s
}

// EnsureTopic creates topic when it does not exist, compacted when asked.
// An existing topic is left as it is.
func EnsureTopic(ctx context.Context, o *Options, topic string, partitions int, compacted bool) error {
	tr, err := o.Transport("eddy-admin")
	if err != nil {
		return err
	}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(o.Brokers...), Transport: tr, Timeout: 10 * time.Second}
	tc := kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: -1}
	if compacted {
		tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
	}
	resp, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
	if err != nil {
		return fmt.Errorf("kafka: create topic %s: %w", topic, err)
	}
	if e := resp.Errors[topic]; e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
		return fmt.Errorf("kafka: create topic %s: %w", topic, e)
	}
	return nil
}
