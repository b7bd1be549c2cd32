package alerts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/eddy-iot/eddy/internal/bytesize"

	"github.com/eddy-iot/eddy/internal/yamlerr"
)

// file is a rule file: a list of rules under the key rules.
type file struct {
	Rules []ruleYAML `yaml:"rules"`
}

// ruleYAML is Rule as written. The SQL expressions are nodes so that an
// error in one can name its line and column.
type ruleYAML struct {
	Name         yaml.Node         `yaml:"name"`
	Kind         string            `yaml:"kind"`
	View         string            `yaml:"view"`
	Where        yaml.Node         `yaml:"where"`
	Condition    yaml.Node         `yaml:"condition"`
	Clear        yaml.Node         `yaml:"clear"`
	Value        yaml.Node         `yaml:"value"`
	Time         yaml.Node         `yaml:"time"`
	GroupBy      []string          `yaml:"group_by"`
	For          duration          `yaml:"for"`
	Limit        byteSize          `yaml:"limit"`
	Severity     string            `yaml:"severity"`
	Summary      string            `yaml:"summary"`
	Labels       map[string]string `yaml:"labels"`
	Notify       []string          `yaml:"notify"`
	Renotify     duration          `yaml:"renotify"`
	KeepResolved duration          `yaml:"keep_resolved"`

	line int
}

// ruleKeys are the keys a rule may have, as in ruleYAML's tags.
var ruleKeys = []string{"name", "kind", "view", "where", "condition", "clear", "value", "time", "group_by", "for",
	"limit", "severity", "summary", "labels", "notify", "renotify", "keep_resolved"}

// UnmarshalYAML records where the rule starts. Node.Decode does not check
// for unknown keys the way the strict decoder does, so it checks them here.
func (r *ruleYAML) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a rule is a map of keys (name:, view:, condition:, ...)", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(ruleKeys, k.Value) {
			return fmt.Errorf("line %d: unknown key %q (check the spelling; see docs/ALERTS.md)", k.Line, k.Value)
		}
	}
	type plain ruleYAML
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	r.line = n.Line
	return nil
}

// ParseRules reads a rule file (name is used in messages). Unknown keys and
// wrong types are errors naming file:line; rules are checked against their
// views' columns by New, whose errors also name file:line:col.
//
//	rules:
//	  - name: hot_site
//	    view: site_temp
//	    group_by: [site]
//	    condition: p95_temp > 40
//	    clear: p95_temp < 37
//	    for: 5m
func ParseRules(b []byte, name string) ([]Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s: empty rule file (write rules: followed by a list of rules)", ErrRule, name)
		}
		return nil, fmt.Errorf("%w: %s", ErrRule, yamlerr.Lines(name, "docs/ALERTS.md", err))
	}
	rules := make([]Rule, 0, len(f.Rules))
	for _, y := range f.Rules {
		r := Rule{
			Kind: Kind(y.Kind), View: y.View, GroupBy: y.GroupBy, For: time.Duration(y.For),
			Limit: int64(y.Limit), Severity: y.Severity, Summary: y.Summary, Labels: y.Labels,
			Notify: y.Notify, Renotify: time.Duration(y.Renotify), KeepResolved: time.Duration(y.KeepResolved),
			At: Pos{File: name, Line: y.line}, exprAt: map[string]Pos{},
		}
		fields := []struct {
			key string
			n   *yaml.Node
			dst *string
		}{{"name", &y.Name, &r.Name}, {"where", &y.Where, &r.Where}, {"condition", &y.Condition, &r.Condition},
			{"clear", &y.Clear, &r.Clear}, {"value", &y.Value, &r.Value}, {"time", &y.Time, &r.Time}}
		for _, fl := range fields {
			if fl.n.Kind == 0 {
				continue
			}
			if fl.n.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%w: %s:%d: %s must be text (an SQL expression such as temp > 40), not a list or map",
					ErrRule, name, fl.n.Line, fl.key)
			}
			*fl.dst = strings.TrimSpace(fl.n.Value)
			at := Pos{File: name, Line: fl.n.Line, Col: fl.n.Column}
			switch fl.n.Style {
			case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
				at.Shift = 1
			case yaml.LiteralStyle, yaml.FoldedStyle:
				at.Block = true
			}
			r.exprAt[fl.key] = at
		}
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%w: %s: no rules (write rules: followed by a list of rules)", ErrRule, name)
	}
	seen := map[string]Pos{}
	for i := range rules {
		r := &rules[i]
		if p, dup := seen[r.Name]; dup && r.Name != "" {
			return nil, r.errorf("the name is taken by the rule at line %d; rule names must be unique", p.Line)
		}
		seen[r.Name] = r.At
		c := *r
		if err := c.normalize(); err != nil {
			return nil, err
		}
	}
	return rules, nil
}

// duration is a time.Duration written as 30s, 5m, 1h30m, or 2d.
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	s := strings.TrimSpace(n.Value)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if f, err := strconv.ParseFloat(days, 64); err == nil && f >= 0 {
			*d = duration(f * float64(24*time.Hour))
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration (write for example 30s, 5m, 1h30m, 2d)", n.Line, n.Value)
	}
	*d = duration(v)
	return nil
}

// byteSize is a size written as 1048576, 512KiB, 100MB, 1GiB. (The agent's
// config has the same syntax; this package may not import the agent.)
type byteSize int64

func (b *byteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := bytesize.Parse(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a size (write for example 104857600, 100MB, 512MiB, 1GiB)", n.Line, n.Value)
	}
	*b = byteSize(v)
	return nil
}
