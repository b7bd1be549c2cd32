package testenv

import (
	"testing"
	"time"
)

// pollEvery is how often WaitFor checks its condition.
const pollEvery = 20 * time.Millisecond

// WaitFor polls cond until it returns true and fails t with msg if that has
// not happened within timeout. It is the way to wait for an effect (a message
// arriving, a broker coming back) instead of sleeping and hoping.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("testenv: not within %v: %s", timeout, msg)
			return
		}
		time.Sleep(pollEvery)
	}
}

// WaitForReason is WaitFor for a condition that says why it does not hold
// yet: on timeout the test fails with the last reason.
func WaitForReason(t testing.TB, timeout time.Duration, cond func() (bool, string), msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: not within %v: %s: %s", timeout, msg, why)
			return
		}
		time.Sleep(pollEvery)
	}
}
