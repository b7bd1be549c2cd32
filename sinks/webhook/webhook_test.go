package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetriesThenDelivers(t *testing.T) {
	var calls atomic.Int32
	var body, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		body, auth = string(b), r.Header.Get("Authorization")
	}))
	defer srv.Close()
	s, err := New(Options{URL: srv.URL, BearerToken: "tok", MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`)}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || body != `[{"a":1},{"a":2}]` || auth != "Bearer tok" {
		t.Fatalf("calls %d body %q auth %q", calls.Load(), body, auth)
	}
}

func TestPermanentFailureNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	s, _ := New(Options{URL: srv.URL + "?token=secret", MinBackoff: time.Millisecond})
	err := s.Write(context.Background(), [][]byte{[]byte(`{}`)})
	if !errors.Is(err, ErrPermanent) || calls.Load() != 1 {
		t.Fatalf("err %v calls %d", err, calls.Load())
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error leaks the query token: %v", err)
	}
}

func TestGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	s, _ := New(Options{URL: srv.URL, MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	if err := s.Write(context.Background(), [][]byte{[]byte(`{}`)}); err == nil || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("err %v", err)
	}
	if _, err := New(Options{URL: "ftp://x"}); err == nil {
		t.Fatal("ftp url accepted")
	}
}
