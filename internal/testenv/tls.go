package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
)

// TLSConfig returns a client configuration that trusts the test CA (the
// shared brokers' server certificates, for 127.0.0.1 and localhost) and, with
// clientCert, presents the test client certificate. ServerName is 127.0.0.1,
// the address every test broker listens on; some clients (paho) need it set.
func TLSConfig(t testing.TB, clientCert bool) *tls.Config {
	t.Helper()
	return tlsConfig(t, need(t, "EDDY_TEST_CA"), clientCert, func(key string) string { return need(t, key) })
}

func tlsConfig(t testing.TB, caFile string, clientCert bool, get func(string) string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("testenv: read test CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("testenv: no certificate in %s", caFile)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if clientCert {
		c, err := tls.LoadX509KeyPair(get("EDDY_TEST_CLIENT_CERT"), get("EDDY_TEST_CLIENT_KEY"))
		if err != nil {
			t.Fatalf("testenv: load test client certificate: %v", err)
		}
		cfg.Certificates = []tls.Certificate{c}
	}
	return cfg
}
