package fleetdoc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Format is the value of the format member of this version of the document.
const Format = "eddy.fleet-config.v1"

// MaxSize bounds an encoded document; larger payloads are refused unread.
const MaxSize = 1 << 20

// signingContext separates these signatures from any other use of the key.
const signingContext = "eddy fleet config v1\n"

// Document is the pushable part of an agent's configuration.
type Document struct {
	Format string `json:"format"`
	// Agent is the id of the agent the document is for; empty for a
	// fleet-wide document (published on the fleet topic).
	Agent   string `json:"agent,omitempty"`
	Version int64  `json:"version"`
	Comment string `json:"comment,omitempty"`
	// Pipelines replace the agent's SQL programs as a whole, in order.
	Pipelines []Pipeline `json:"pipelines"`
	// Sync overrides the agent's pushable sync settings member by member;
	// nil (or an empty member) keeps the agent's local value. Credentials
	// and brokers are never part of a document.
	Sync *Sync `json:"sync,omitempty"`
	// Alerts is an alert rule file (package alerts, docs/ALERTS.md) that the
	// agent evaluates on its own views; "" keeps the agent's local rules.
	Alerts string `json:"alerts,omitempty"`
	// Signature is nil in an unsigned document.
	Signature *Signature `json:"signature,omitempty"`
}

// Pipeline is one SQL program.
type Pipeline struct {
	// Name names the program in SQL error positions (name.sql:line:col).
	Name string `json:"name"`
	SQL  string `json:"sql"`
}

// Sync is the pushable part of the agent's sync settings.
type Sync struct {
	ResultsTopic     string `json:"results_topic,omitempty"`
	CheckpointsTopic string `json:"checkpoints_topic,omitempty"`
	// DrainRate limits the forwarder in rows/s; 0 = unlimited. nil keeps
	// the local value.
	DrainRate *float64 `json:"drain_rate,omitempty"`
	// OutboxQuota is a size as in agent.yaml ("256MiB", "100MB").
	OutboxQuota string `json:"outbox_quota,omitempty"`
	// Policy is drop_oldest or backpressure.
	Policy string `json:"policy,omitempty"`
}

// Signature names the signing key and carries the Ed25519 signature of
// SigningBytes.
type Signature struct {
	Key string `json:"key"` // KeyID of the public key
	Sig string `json:"sig"` // standard base64, 64 bytes decoded
}

// Decode parses a document strictly (unknown members, trailing data, a
// wrong format or missing parts are errors wrapping ErrMalformed). It does
// not check the signature: see Verify.
func Decode(b []byte) (*Document, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrMalformed, len(b), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the document", ErrMalformed)
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Check reports the first structural problem of d, wrapping ErrMalformed.
func (d *Document) Check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, a...)...)
	}
	if d.Format != Format {
		return bad("format %q: this agent reads %q", d.Format, Format)
	}
	if d.Version < 1 {
		return bad("version %d: versions start at 1", d.Version)
	}
	if d.Agent != "" && !ValidID(d.Agent) {
		return bad("agent %q: use letters, digits, '-', '_' and '.' only", d.Agent)
	}
	if len(d.Pipelines) == 0 {
		return bad("no pipelines: a document replaces all of an agent's pipelines, give at least one")
	}
	names := map[string]bool{}
	for i, p := range d.Pipelines {
		if !ValidID(p.Name) {
			return bad("pipelines[%d]: name %q: use letters, digits, '-', '_' and '.' only", i, p.Name)
		}
		if names[p.Name] {
			return bad("pipelines[%d]: name %q is used twice", i, p.Name)
		}
		names[p.Name] = true
		if strings.TrimSpace(p.SQL) == "" {
			return bad("pipelines[%d] (%s): empty sql", i, p.Name)
		}
		if !utf8.ValidString(p.SQL) {
			return bad("pipelines[%d] (%s): sql is not valid UTF-8", i, p.Name)
		}
	}
	if !utf8.ValidString(d.Comment) {
		return bad("comment is not valid UTF-8")
	}
	if !utf8.ValidString(d.Alerts) {
		return bad("alerts is not valid UTF-8")
	}
	if s := d.Sync; s != nil {
		for _, t := range []struct{ name, v string }{{"results_topic", s.ResultsTopic}, {"checkpoints_topic", s.CheckpointsTopic}} {
			if t.v != "" && !validKafkaTopic(t.v) {
				return bad("sync.%s %q: a Kafka topic name is 1 to 249 letters, digits, '.', '_' or '-'", t.name, t.v)
			}
		}
		if s.DrainRate != nil && (*s.DrainRate < 0 || math.IsNaN(*s.DrainRate) || math.IsInf(*s.DrainRate, 0)) {
			return bad("sync.drain_rate %v: give rows per second, 0 for unlimited", *s.DrainRate)
		}
		switch s.Policy {
		case "", "drop_oldest", "backpressure":
		default:
			return bad("sync.policy %q: use drop_oldest or backpressure", s.Policy)
		}
		if !utf8.ValidString(s.OutboxQuota) {
			return bad("sync.outbox_quota is not valid UTF-8")
		}
	}
	return nil
}

func validKafkaTopic(s string) bool {
	if s == "" || len(s) > 249 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// ValidID reports whether s is usable as an agent id or pipeline name: it
// becomes part of MQTT topics and file names in error positions.
func ValidID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// Canonical returns the canonical bytes of d: compact JSON of every
// member but the signature.
func (d *Document) Canonical() []byte {
	c := *d
	c.Signature = nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		panic("fleetdoc: encoding a document: " + err.Error()) // strings, ints and slices always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// SigningBytes is what the signature covers: a context string, then the
// canonical bytes.
func (d *Document) SigningBytes() []byte {
	return append([]byte(signingContext), d.Canonical()...)
}

// Digest is the SHA-256 of the canonical bytes, hex: the identity of a
// document's content in status and events.
func (d *Document) Digest() string {
	h := sha256.Sum256(d.Canonical())
	return hex.EncodeToString(h[:])
}

// PayloadDigest names a payload that did not decode, for events.
func PayloadDigest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Encode returns d as indented JSON, for files and MQTT payloads.
func (d *Document) Encode() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		panic("fleetdoc: encoding a document: " + err.Error())
	}
	return buf.Bytes()
}
