// Package topic compiles MQTT topic patterns with named captures and routes
// concrete topics to the sources that subscribed them.
//
// # Patterns
//
// A pattern is an MQTT topic filter in which a whole level may also be a named
// capture:
//
//	sensors/{site}/{device}/telemetry   filter sensors/+/+/telemetry, captures site, device
//	sensors/+/{device}/#                filter sensors/+/+/#, captures device
//	logs/{path...}                      filter logs/#, captures path ("a/b/c" for logs/a/b/c)
//
// A level is one of: a literal; "+" (any one level, not captured); "{name}"
// (any one level, captured); "#" (any number of trailing levels including
// none, not captured); "{name...}" (as "#", captured). "#" and "{name...}"
// must be the last level. Wildcards and captures must be a whole level:
// "a+", "{x}b" and "dev-{id}" are rejected, because MQTT cannot subscribe
// them. Braces, "+" and "#" are therefore not allowed inside a literal level;
// subscribe such a level with "+". Capture names are identifiers
// ([A-Za-z_][A-Za-z0-9_]*) because they become SQL columns, and must be
// unique within a pattern. Empty levels ("a//b", "/a") are literals, as in
// MQTT.
//
// # Matching
//
// Pattern.Match follows MQTT 3.1.1 section 4.7: "sport/#" also matches
// "sport" (the capture of a trailing "{rest...}" is then empty), and a topic
// whose first level starts with '$' ("$SYS/...") never matches a pattern whose
// first level is a wildcard or capture. Captures are substrings of the topic
// and are appended to a caller-provided slice, so a match does not allocate
// once that slice has grown. Captures keep the topic string alive, as any
// substring does.
//
// # Routing
//
// An agent subscribes several sources on one connection. A broker delivers a
// message once per client even when several of its subscriptions match
// (MQTT 5 and Mosquitto 2; MQTT 3.1.1 allows either), so the agent must find
// every source whose pattern matches the topic, not only the subscription
// that caused the delivery: Router does that. It scans its patterns in
// order, which is cheap for the handful of sources an agent has.
// Pattern.Covers tells whether one filter already receives everything another
// does, for callers that want to avoid overlapping subscriptions (a broker
// speaking MQTT 3.1.1 may deliver one message once per overlapping
// subscription).
package topic
