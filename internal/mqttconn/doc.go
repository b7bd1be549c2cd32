// Package mqttconn builds and keeps MQTT connections for every part of Eddy
// that talks MQTT: the agent's data connections, its control connection and
// the MQTT sink.
//
// # Reconnects
//
// Paho's automatic reconnect doubles its delay without jitter, so ten thousand
// gateways that lost the same broker would come back in lock step. Conn turns
// paho's auto-reconnect off and runs its own loop: capped exponential backoff
// with full jitter, trying every broker URL in order on each attempt
// (failover). Subscriptions are made in the OnConnect callback, so they are
// restored on every reconnect, and messages the broker redelivers into a
// resumed session (CleanSession = false) reach the default handler even
// before Subscribe is called again.
//
// # Secrets
//
// Passwords and key material never appear in errors or logs: Options.String
// redacts them and broker URLs are logged without user info.
package mqttconn
