package kafkaconn

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	f := func(o Options, want string) {
		t.Helper()
		err := o.Validate()
		if want == "" {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want %q", err, want)
		}
	}
	f(Options{Brokers: []string{"127.0.0.1:9092"}}, "")
	f(Options{}, "no broker")
	f(Options{Brokers: []string{"nohost"}}, "not host:port")
	f(Options{Brokers: []string{"a:1"}, SASL: &SASL{Mechanism: "GSSAPI", Username: "u"}}, `"GSSAPI"`)
	f(Options{Brokers: []string{"a:1"}, SASL: &SASL{Mechanism: "PLAIN"}}, "username is required")
	f(Options{Brokers: []string{"a:1"}, SASL: &SASL{Mechanism: "scram-sha-512", Username: "u", Password: "p"}}, "")
}

func TestStringRedactsPassword(t *testing.T) {
	o := Options{Brokers: []string{"a:1"}, SASL: &SASL{Mechanism: "PLAIN", Username: "u", Password: "topsecret"}}
	if strings.Contains(o.String(), "topsecret") {
		t.Fatal(o.String())
	}
	if _, err := o.Transport("x"); err != nil {
		t.Fatal(err)
	}
}
