package testenv

import "testing"

func TestDecide(t *testing.T) {
	f := func(short bool, ci string, set bool, want verdict) {
		t.Helper()
		if got := decide(short, ci, set); got != want {
			t.Errorf("decide(short=%v, CI=%q, set=%v) = %v, want %v", short, ci, set, got, want)
		}
	}
	f(true, "", true, skip) // -short skips broker tests even with brokers up
	f(true, "true", false, skip)
	f(false, "", true, use)
	f(false, "true", true, use)
	f(false, "true", false, fail)
	f(false, "1", false, fail)
	f(false, "false", false, skip)
	f(false, "", false, skip)
	f(false, "yes-please", false, skip) // not a boolean: not CI
}

func TestReadEnv(t *testing.T) {
	path := t.TempDir() + "/env"
	writeFile(t, path, "export EDDY_TEST_KAFKA=127.0.0.1:1234\n\nexport EDDY_TEST_CA=/x/ca.pem\nnoise\n")
	env, err := readEnv(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != 2 || env["EDDY_TEST_KAFKA"] != "127.0.0.1:1234" || env["EDDY_TEST_CA"] != "/x/ca.pem" {
		t.Fatalf("readEnv = %v", env)
	}
}
