package fleetdoc

import (
	"fmt"
	"strings"
)

// DefaultPrefix is the default first level of the control topics.
const DefaultPrefix = "eddy"

// Topics are the control topics of one agent.
type Topics struct {
	Config      string // {prefix}/agents/{id}/config: retained, the desired document for the agent
	FleetConfig string // {prefix}/fleet/config: retained, for every agent without its own document
	Status      string // {prefix}/agents/{id}/status: retained Status; the last will says offline
	Events      string // {prefix}/agents/{id}/events: Event per applied or rejected document
}

// TopicsFor returns the topics of agent id under prefix ("" = DefaultPrefix).
func TopicsFor(prefix, id string) Topics {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	a := prefix + "/agents/" + id + "/"
	return Topics{Config: a + "config", FleetConfig: prefix + "/fleet/config", Status: a + "status", Events: a + "events"}
}

// ValidPrefix reports a problem with a topic prefix.
func ValidPrefix(p string) error {
	if p == "" || strings.ContainsAny(p, "+#\x00") || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return fmt.Errorf("topic prefix %q: use one or more topic levels without wildcards or a leading or trailing '/', for example eddy", p)
	}
	return nil
}

// States of an agent in Status.
const (
	Online  = "online"
	Offline = "offline"
)

// Status is the retained state of an agent's configuration.
type Status struct {
	Agent string `json:"agent"`
	State string `json:"state"` // online or offline
	// ConfigVersion is the applied document's version, 0 for the local
	// configuration file; ConfigDigest its Digest.
	ConfigVersion int64  `json:"config_version,omitempty"`
	ConfigDigest  string `json:"config_digest,omitempty"`
	AppliedAt     string `json:"applied_at,omitempty"` // RFC 3339
	// LastError is the last rejected document, kept until another is
	// rejected (compare its version with ConfigVersion).
	LastError *Rejection `json:"last_error,omitempty"`
	Time      string     `json:"time,omitempty"`
}

// Rejection says why a document was not applied.
type Rejection struct {
	Version int64  `json:"version,omitempty"` // 0 when the document did not decode
	Digest  string `json:"digest"`
	Code    string `json:"code"` // see Code
	Reason  string `json:"reason"`
	Time    string `json:"time"`
}

// Event kinds.
const (
	Applied  = "applied"
	Rejected = "rejected"
)

// Event is published (QoS 1, not retained) for each document an agent
// applied or rejected.
type Event struct {
	Agent   string `json:"agent"`
	Event   string `json:"event"` // applied or rejected
	Version int64  `json:"version,omitempty"`
	Digest  string `json:"digest"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Time    string `json:"time"`
}
