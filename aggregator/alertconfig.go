package aggregator

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/eddy-iot/eddy/alerts"
	"github.com/eddy-iot/eddy/internal/kafkaconn"
	"github.com/eddy-iot/eddy/internal/mqttconn"
)

// AlertsConfig is the alerts section: the rules (docs/ALERTS.md) and the
// notifiers their notify lists name.
type AlertsConfig struct {
	// RulesFile is a rule file (rules: followed by a list of rules),
	// relative to this config file.
	RulesFile string `yaml:"rules_file"`
	// Rules are rules written inline, in the format of a rule file's list;
	// they are added to those of rules_file. Errors name this file's lines.
	Rules yaml.Node `yaml:"rules"`
	// Notifiers are where notifications go, by the names rules list in
	// notify.
	Notifiers map[string]NotifierConfig `yaml:"notifiers"`

	parsed []alerts.Rule // RulesFile's then Rules' rules, set by the loader
}

// NotifierConfig is one notifier: a webhook, an MQTT topic or a Kafka
// topic receiving alerts.Notification JSON. Secrets (token, password, a
// webhook URL) may come from the environment (…_env) or a file (…_file)
// instead of the config; they are never logged.
type NotifierConfig struct {
	// Type is webhook, mqtt or kafka.
	Type string `yaml:"type"`
	// URL of a webhook (http or https): it receives a JSON array of
	// notifications per POST, retried with backoff on failure. URLEnv
	// names an environment variable holding the URL instead.
	URL    string `yaml:"url"`
	URLEnv string `yaml:"url_env"`
	// Token is sent to a webhook as Authorization: Bearer. TokenEnv and
	// TokenFile read it from an environment variable or a file.
	Token     string `yaml:"token"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	// Headers are extra headers of webhook requests.
	Headers map[string]string `yaml:"headers"`
	// MaxAttempts per webhook delivery. Default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// Topic is the MQTT topic (it may name fields of the notification in
	// braces: eddy/alerts/{rule}) or the Kafka topic.
	Topic string `yaml:"topic"`
	// MQTT is the connection of an mqtt notifier (brokers, client_id,
	// username, password, TLS files).
	MQTT *mqttconn.Options `yaml:"mqtt"`
	// QoS of MQTT publishes: 0, 1 or 2. Default 1.
	QoS *int `yaml:"qos"`
	// Retained MQTT messages.
	Retained bool `yaml:"retained"`
	// Kafka is the connection of a kafka notifier. Default: the
	// aggregator's kafka section (brokers, tls, sasl).
	Kafka *kafkaconn.Options `yaml:"kafka"`
	// PasswordEnv and PasswordFile give the MQTT password or the Kafka SASL
	// password from an environment variable or a file.
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// Timeout of one delivery attempt. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// QueueSize bounds the notifications waiting for this notifier; when it
	// is full, new ones are dropped and counted (the batch loop never
	// waits for a notifier). Default 1000.
	QueueSize int `yaml:"queue_size"`
}

// RuleList returns the parsed alert rules (rules_file first, then the inline
// ones).
func (c *AlertsConfig) RuleList() []alerts.Rule { return c.parsed }

// loadAlerts reads the rule file and the inline rules and resolves the
// notifiers' secrets. src is the config file's text.
func (c *Config) loadAlerts(src []byte, path string) error {
	al := &c.Alerts
	al.parsed = nil
	dir := filepath.Dir(path)
	if al.RulesFile != "" {
		f := al.RulesFile
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("%w: alerts.rules_file: %v", ErrConfig, err)
		}
		rules, err := alerts.ParseRules(b, f)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		al.RulesFile = f
		al.parsed = append(al.parsed, rules...)
	}
	if al.Rules.Kind != 0 {
		rules, err := alerts.ParseRules(inlineRules(src, &al.Rules), path)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		for _, r := range rules {
			if slices.ContainsFunc(al.parsed, func(o alerts.Rule) bool { return o.Name == r.Name }) {
				return fmt.Errorf("%w: %s:%d: rule %q is also in %s; rule names must be unique", ErrConfig, path, r.At.Line, r.Name, al.RulesFile)
			}
			al.parsed = append(al.parsed, r)
		}
	}
	for name, n := range al.Notifiers {
		if err := n.resolve(dir); err != nil {
			return fmt.Errorf("%w: alerts.notifiers.%s: %v", ErrConfig, name, err)
		}
		al.Notifiers[name] = n
	}
	return nil
}

// inlineRules turns the config's alerts.rules node into a rule file whose
// lines and columns are those of the config, so that rule errors point
// into it: every line is blanked but the rules block, and its key becomes
// a top-level "rules:". A flow-style list is re-encoded instead (its
// positions are then approximate).
func inlineRules(src []byte, n *yaml.Node) []byte {
	lines := strings.Split(string(src), "\n")
	key := n.Line - 2 // the line of "rules:", 0-based
	if n.Style&yaml.FlowStyle != 0 || key < 0 || key >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[key]), "rules:") {
		b, _ := yaml.Marshal(map[string]*yaml.Node{"rules": n})
		return b
	}
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	keyIndent := indent(lines[key])
	out := make([]string, len(lines))
	out[key] = "rules:"
	for i := key + 1; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			ind := indent(l)
			if ind < keyIndent || ind == keyIndent && !strings.HasPrefix(t, "-") {
				break
			}
		}
		out[i] = l
	}
	return []byte(strings.Join(out, "\n"))
}

// resolve reads secrets from the environment and files and checks what
// can be checked without connecting.
func (n *NotifierConfig) resolve(dir string) error {
	secret := func(dst *string, env, file, what string) error {
		if env != "" {
			v, ok := os.LookupEnv(env)
			if !ok {
				return fmt.Errorf("%s_env: environment variable %s is not set", what, env)
			}
			*dst = strings.TrimSpace(v)
		}
		if file != "" {
			if !filepath.IsAbs(file) {
				file = filepath.Join(dir, file)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("%s_file: %v", what, err)
			}
			*dst = strings.TrimSpace(string(b))
		}
		return nil
	}
	if n.Timeout == 0 {
		n.Timeout = 10 * time.Second
	}
	if n.QueueSize == 0 {
		n.QueueSize = 1000
	}
	if n.QueueSize < 1 || n.Timeout < time.Millisecond {
		return fmt.Errorf("queue_size must be >= 1 and timeout >= 1ms")
	}
	switch n.Type {
	case "webhook":
		if err := secret(&n.URL, n.URLEnv, "", "url"); err != nil {
			return err
		}
		if err := secret(&n.Token, n.TokenEnv, n.TokenFile, "token"); err != nil {
			return err
		}
		if !strings.HasPrefix(n.URL, "http://") && !strings.HasPrefix(n.URL, "https://") {
			return fmt.Errorf("a webhook needs url: http(s)://host/path (or url_env)")
		}
	case "mqtt":
		if n.MQTT == nil || len(n.MQTT.Brokers) == 0 {
			return fmt.Errorf("an mqtt notifier needs mqtt: {brokers: [tcp://host:1883]}")
		}
		if err := secret(&n.MQTT.Password, n.PasswordEnv, n.PasswordFile, "password"); err != nil {
			return err
		}
		if n.Topic == "" {
			return fmt.Errorf("an mqtt notifier needs topic: (for example eddy/alerts/{rule})")
		}
		if n.QoS != nil && (*n.QoS < 0 || *n.QoS > 2) {
			return fmt.Errorf("qos %d: use 0, 1 or 2", *n.QoS)
		}
	case "kafka":
		if n.Topic == "" {
			return fmt.Errorf("a kafka notifier needs topic: (for example eddy.alerts)")
		}
		if n.Kafka != nil && n.Kafka.SASL != nil {
			if err := secret(&n.Kafka.SASL.Password, n.PasswordEnv, n.PasswordFile, "password"); err != nil {
				return err
			}
		}
	case "":
		return fmt.Errorf("type is required: webhook, mqtt or kafka")
	default:
		return fmt.Errorf("type %q: use webhook, mqtt or kafka", n.Type)
	}
	return nil
}

// validateAlerts checks that every notify name is a configured notifier.
func (c *Config) validateAlerts() []error {
	var errs []error
	for _, r := range c.Alerts.parsed {
		for _, n := range r.Notify {
			if _, ok := c.Alerts.Notifiers[n]; !ok {
				names := make([]string, 0, len(c.Alerts.Notifiers))
				for k := range c.Alerts.Notifiers {
					names = append(names, k)
				}
				slices.Sort(names)
				errs = append(errs, fmt.Errorf("%w: %s: rule %q notifies %q, which is not under alerts.notifiers (configured: %s)",
					ErrConfig, r.At, r.Name, n, strings.Join(names, ", ")))
			}
		}
	}
	return errs
}
