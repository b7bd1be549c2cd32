// Package webhook is the sink that POSTs result rows (or alerts) to an HTTP
// endpoint as a JSON array, retrying failures with capped exponential backoff
// and jitter. A 2xx answer is success; 4xx other than 408 and 429 is
// permanent (the request will not get better by repeating it); everything
// else is retried until the attempts run out or the context ends.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/eddy-iot/eddy/internal/mqttconn"
)

// Options configure a webhook sink.
type Options struct {
	URL         string
	BearerToken string            // sent as Authorization: Bearer; never logged
	Headers     map[string]string // extra headers
	Timeout     time.Duration     // per request, default 10s
	MaxAttempts int               // default 5
	MinBackoff  time.Duration     // default 200ms
	MaxBackoff  time.Duration     // default 10s
	Client      *http.Client      // default: one with Timeout
}

// ErrPermanent wraps a failure that retrying will not fix.
var ErrPermanent = errors.New("webhook: permanent failure")

// Sink posts rows to a URL.
type Sink struct {
	o   Options
	rng *rand.Rand
}

// New validates o.
func New(o Options) (*Sink, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook sink: url %q: want http(s)://host/path", o.URL)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	return &Sink{o: o, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))}, nil
}

// Write posts rows as one JSON array.
func (s *Sink) Write(ctx context.Context, rows [][]byte) error {
	if len(rows) == 0 {
		return nil
	}
	body := make([]byte, 0, 2+len(rows)*64)
	body = append(body, '[')
	for i, r := range rows {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, r...)
	}
	body = append(body, ']')
	var err error
	for attempt := 0; attempt < s.o.MaxAttempts; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(mqttconn.Backoff(attempt, s.o.MinBackoff, s.o.MaxBackoff, s.rng))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("webhook sink: %w (last error: %v)", ctx.Err(), err)
			}
		}
		if err = s.post(ctx, body); err == nil || errors.Is(err, ErrPermanent) {
			return err
		}
	}
	return fmt.Errorf("webhook sink: giving up after %d attempts: %w", s.o.MaxAttempts, err)
}

func (s *Sink) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.o.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "eddy")
	for k, v := range s.o.Headers {
		req.Header.Set(k, v)
	}
	if s.o.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+s.o.BearerToken)
	}
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook sink: post to %s: %w", redact(s.o.URL), errors.Unwrap(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return fmt.Errorf("%w: %s answered %s", ErrPermanent, redact(s.o.URL), resp.Status)
	}
	return fmt.Errorf("webhook sink: %s answered %s", redact(s.o.URL), resp.Status)
}

// Close does nothing; the sink holds no connection of its own.
func (s *Sink) Close() error { return nil }

// redact drops user info and the query (tokens hide there) from a URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<url>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "<redacted>"
	}
	return u.String()
}
