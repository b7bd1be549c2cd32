package mqttconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Options configure one MQTT connection.
type Options struct {
	Brokers            []string      `yaml:"brokers"` // tcp://host:1883, ssl://host:8883 (also mqtts://, tls://), ws://, wss://
	ClientID           string        `yaml:"client_id"`
	Username           string        `yaml:"username"`
	Password           string        `yaml:"password"`
	CAFile             string        `yaml:"ca_file"`   // PEM; default: the system roots
	CertFile           string        `yaml:"cert_file"` // PEM client certificate, with key_file
	KeyFile            string        `yaml:"key_file"`
	InsecureSkipVerify bool          `yaml:"insecure_skip_verify"`
	ServerName         string        `yaml:"server_name"` // TLS SNI override
	CleanSession       bool          `yaml:"clean_session"`
	KeepAlive          time.Duration `yaml:"keep_alive"`
	ConnectTimeout     time.Duration `yaml:"connect_timeout"`
	MinBackoff         time.Duration `yaml:"min_backoff"`
	MaxBackoff         time.Duration `yaml:"max_backoff"`
}

// Will is a last-will message, published by the broker when the connection
// dies without a clean disconnect.
type Will struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Retained bool
}

// Defaults fills zero fields with defaults.
func (o *Options) Defaults() {
	if o.KeepAlive == 0 {
		o.KeepAlive = 30 * time.Second
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 60 * time.Second
	}
}

// Validate reports the first problem in o, saying what to change.
func (o *Options) Validate() error {
	if len(o.Brokers) == 0 {
		return fmt.Errorf("%w: no broker URL (set brokers, for example tcp://127.0.0.1:1883)", ErrConfig)
	}
	for i, b := range o.Brokers {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%w: brokers[%d] %q is not a URL like tcp://host:1883", ErrConfig, i, redactURL(b))
		}
		switch u.Scheme {
		case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		default:
			return fmt.Errorf("%w: brokers[%d] scheme %q: use tcp, ssl, mqtts, ws or wss", ErrConfig, i, u.Scheme)
		}
	}
	if o.ClientID == "" {
		return fmt.Errorf("%w: client_id is required (a fixed id keeps the broker session across restarts)", ErrConfig)
	}
	if len(o.ClientID) > 65535 {
		return fmt.Errorf("%w: client_id longer than 65535 bytes", ErrConfig)
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return fmt.Errorf("%w: cert_file and key_file go together", ErrConfig)
	}
	if o.MinBackoff < 0 || o.MaxBackoff < o.MinBackoff {
		return fmt.Errorf("%w: need 0 <= min_backoff <= max_backoff", ErrConfig)
	}
	return nil
}

// usesTLS reports whether any broker URL asks for TLS, or certificates were given.
func (o *Options) usesTLS() bool {
	if o.CAFile != "" || o.CertFile != "" {
		return true
	}
	for _, b := range o.Brokers {
		if s, _, ok := strings.Cut(b, "://"); ok {
			switch s {
			case "ssl", "tls", "mqtts", "wss":
				return true
			}
		}
	}
	return false
}

// TLSConfig builds the TLS configuration, or nil when no TLS is needed.
func (o *Options) TLSConfig() (*tls.Config, error) {
	if !o.usesTLS() {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify, ServerName: o.ServerName}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: ca_file: %v", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: ca_file %s holds no PEM certificate", ErrConfig, o.CAFile)
		}
		c.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			// The error names files, never key bytes.
			return nil, fmt.Errorf("%w: client certificate %s / key %s: %v", ErrConfig, o.CertFile, o.KeyFile, errors.Unwrap(err))
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// String describes o for logs, with the password redacted.
func (o Options) String() string {
	bs := make([]string, len(o.Brokers))
	for i, b := range o.Brokers {
		bs[i] = redactURL(b)
	}
	pw := ""
	if o.Password != "" {
		pw = " password=<redacted>"
	}
	user := ""
	if o.Username != "" {
		user = " username=" + o.Username
	}
	return fmt.Sprintf("mqtt brokers=%s client_id=%s%s%s tls=%v", strings.Join(bs, ","), o.ClientID, user, pw, o.usesTLS())
}

// redactURL drops user info (a password may hide there) from a URL string.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "<redacted>@" + s[i+1:]
		}
		return s
	}
	if u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}
