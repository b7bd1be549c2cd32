// Package fleetdoc is the fleet configuration protocol between operators and
// agents: the signed, versioned configuration document, its canonical bytes
// and Ed25519 signature, the MQTT topics, and the status and event messages
// an agent publishes. It is pure: no I/O, no clocks; the agent
// (agent/control.go) and the CLI (eddy config) do the talking. It lives
// under internal so that both composition roots (the agent, and the
// aggregator's agent registry) can read the same messages.
//
// # The document
//
// A document is one JSON object:
//
//	{
//	  "format": "eddy.fleet-config.v1",
//	  "agent": "gw-plant1-line3",          // "" (omitted): for every agent, via the fleet topic
//	  "version": 7,                        // >= 1; each agent applies only versions above its current one
//	  "comment": "add per-site maxima",    // optional, free text
//	  "pipelines": [{"name": "fleet", "sql": "CREATE SOURCE ..."}],
//	  "signature": {"key": "3f9a0c1d2b4e5f60", "sig": "<base64 Ed25519 signature>"}
//	}
//
// Unknown fields anywhere are an error, so a newer format is refused
// instead of half-applied.
//
// # Canonical bytes and the signature
//
// The signature covers SigningBytes: the context string
// "eddy fleet config v1\n" followed by the document re-encoded as compact
// JSON without its signature, members in the order above, "agent" and
// "comment" left out when empty, strings escaped as Go's encoding/json
// does with HTML escaping off. The verifier does not sign the bytes it
// received: it decodes them strictly and re-encodes the decoded value, so
// what is verified is exactly what is applied (a duplicated member or a
// re-ordered copy cannot smuggle in a value the signer did not see).
//
// The key id is the first 16 hex digits of the SHA-256 of the 32-byte
// public key. Agents trust the public keys listed in their local config
// (control.trusted_keys, base64), never a key carried by a document.
//
// # Caveats
//
// The digest (SHA-256 of the canonical bytes, hex) names a document's
// content in status and events; two documents with the same version and
// different digests are different documents, and only the first one applied
// wins.
package fleetdoc
