package testenv

import "testing"

// MQTT returns the plain, anonymous listener of the shared Mosquitto, e.g.
// "tcp://127.0.0.1:24567".
func MQTT(t testing.TB) string {
	t.Helper()
	return need(t, "EDDY_TEST_MQTT")
}

// MQTTTLS returns the shared Mosquitto's TLS listener, e.g.
// "ssl://127.0.0.1:24568". Its server certificate is signed by the test CA
// ([TLSConfig]); it wants a username and password ([MQTTAuth]) and refuses
// anonymous clients.
func MQTTTLS(t testing.TB) string {
	t.Helper()
	return need(t, "EDDY_TEST_MQTT_TLS")
}

// MQTTMTLS returns the shared Mosquitto's mutual-TLS listener: like [MQTTTLS],
// and the client must also present a certificate signed by the test CA
// ([TLSConfig] with clientCert true).
func MQTTMTLS(t testing.TB) string {
	t.Helper()
	return need(t, "EDDY_TEST_MQTT_MTLS")
}

// MQTTAuth returns the username and password the TLS listeners accept.
func MQTTAuth(t testing.TB) (user, pass string) {
	t.Helper()
	return need(t, "EDDY_TEST_MQTT_USER"), need(t, "EDDY_TEST_MQTT_PASS")
}

// Kafka returns the shared Kafka's PLAINTEXT bootstrap address, e.g.
// "127.0.0.1:24570".
func Kafka(t testing.TB) string {
	t.Helper()
	return need(t, "EDDY_TEST_KAFKA")
}

// KafkaSASL returns the shared Kafka's SASL_PLAINTEXT address. It accepts
// PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 with [KafkaAuth]'s credentials.
func KafkaSASL(t testing.TB) string {
	t.Helper()
	return need(t, "EDDY_TEST_KAFKA_SASL")
}

// KafkaSASLSSL returns the shared Kafka's SASL_SSL address: TLS with a server
// certificate from the test CA ([TLSConfig]), then SASL as on [KafkaSASL].
func KafkaSASLSSL(t testing.TB) string {
	t.Helper()
	return need(t, "EDDY_TEST_KAFKA_SASL_SSL")
}

// KafkaAuth returns the username and password the SASL listeners accept.
func KafkaAuth(t testing.TB) (user, pass string) {
	t.Helper()
	return need(t, "EDDY_TEST_KAFKA_USER"), need(t, "EDDY_TEST_KAFKA_PASS")
}
