package mqttconn

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestBackoffIsCappedAndJittered(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	min, max := 100*time.Millisecond, 2*time.Second
	for n := 0; n < 20; n++ {
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			d := Backoff(n, min, max, r)
			ceil := min << n
			if n > 10 || ceil > max {
				ceil = max
			}
			if d < min || d > ceil {
				t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, min, ceil)
			}
			seen[d] = true
		}
		if n > 0 && len(seen) < 50 {
			t.Fatalf("attempt %d: only %d distinct delays in 200: no jitter", n, len(seen))
		}
	}
	if d := Backoff(0, min, max, r); d != min {
		t.Fatalf("first attempt waits %v, want %v", d, min)
	}
}

func TestValidate(t *testing.T) {
	f := func(o Options, want string) {
		t.Helper()
		o.Defaults()
		err := o.Validate()
		if want == "" {
			if err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			return
		}
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want it to mention %q", err, want)
		}
	}
	f(Options{Brokers: []string{"tcp://127.0.0.1:1883"}, ClientID: "a"}, "")
	f(Options{ClientID: "a"}, "no broker URL")
	f(Options{Brokers: []string{"http://x:1"}, ClientID: "a"}, `scheme "http"`)
	f(Options{Brokers: []string{"tcp://x:1"}}, "client_id is required")
	f(Options{Brokers: []string{"tcp://x:1"}, ClientID: "a", CertFile: "c"}, "go together")
}

func TestSecretsNeverPrinted(t *testing.T) {
	o := Options{Brokers: []string{"ssl://bob:hunter2@broker:8883"}, ClientID: "gw", Username: "bob", Password: "s3cr3t-pw"}
	s := o.String()
	for _, secret := range []string{"hunter2", "s3cr3t-pw"} {
		if strings.Contains(s, secret) {
			t.Fatalf("String() leaks %q: %s", secret, s)
		}
	}
	o.Brokers = []string{"foo://bob:hunter2@broker:8883"}
	if err := o.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Validate error leaks or is nil: %v", err)
	}
}

func TestTLSConfigErrors(t *testing.T) {
	o := Options{Brokers: []string{"ssl://x:8883"}, ClientID: "a", CAFile: "/nonexistent/ca.pem"}
	if _, err := o.TLSConfig(); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing CA: %v", err)
	}
	o = Options{Brokers: []string{"tcp://x:1883"}, ClientID: "a"}
	if c, err := o.TLSConfig(); c != nil || err != nil {
		t.Fatalf("plain tcp got TLS config %v %v", c, err)
	}
}
