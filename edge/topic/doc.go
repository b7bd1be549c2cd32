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
// An agent subscribes several sources on one connection, so one message can
// belong to several sources. Router finds every source whose pattern matches
// a topic, whichever subscription caused the delivery. It tries its patterns
// in order, which is cheap for the handful of sources an agent has.
//
// When several subscriptions of one client match a message, the broker may
// deliver it once or once per matching subscription (MQTT 3.1.1 section
// 3.3.5, MQTT 5 section 3.3.4; Mosquitto 2.0 sends one copy per subscription
// to MQTT 5 clients, and its allow_duplicate_messages setting does the same
// for 3.1.1 clients), and the copies are
// indistinguishable from a device's own duplicates. Subscriptions therefore
// turns the patterns into filters that do not overlap, merging covered and
// partly overlapping ones; Pattern.Covers and Pattern.Overlaps are the
// underlying tests.
package topic
