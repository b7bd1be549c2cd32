package dashboard

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI serves the aggregator's /v1/ API with made-up data in the shapes
// of aggregator/registry.go, aggregator/http.go and the alert, silence and
// event endpoints of issue 9, beside the real dashboard Handler. It stands
// in for the aggregator until the aggregator serves alerts and events.
//
// TODO(issue 9): once aggregator.Handler serves /v1/alerts, /v1/silences
// and /v1/events and mounts Handler, TestBrowserAggregator (to write in
// package dashboard_test) runs RunBrowser against an aggregator fed by a
// real pipeline; this fixture then only keeps the page's own tests fast.
type fakeAPI struct {
	token string

	mu       sync.Mutex
	agents   []map[string]any
	alerts   []map[string]any
	silences []map[string]any
	rows     map[string][]map[string]any // view -> rows
	subs     map[chan string]bool
	nextSil  int
	streams  int // GET /v1/events connections so far
}

const fakeToken = "s3cret-token"

func newFakeAPI(t *testing.T) (*fakeAPI, *httptest.Server) {
	now := time.Now().UTC()
	f := &fakeAPI{token: fakeToken, subs: map[chan string]bool{}, rows: map[string][]map[string]any{}}
	lag := func(ms int64) *int64 { return &ms }
	agent := func(id string, online bool, seen time.Duration, lagMS *int64, depth, bytes int64, dropped map[string]int64, cfg int64, lastErr string) map[string]any {
		wm := map[string]int64{}
		if lagMS != nil {
			wm["temps"] = now.UnixMilli() - *lagMS
		}
		return map[string]any{"agent": id, "online": online, "last_seen": now.Add(-seen).Format(time.RFC3339Nano),
			"agent_version": "0.9.0", "config_version": cfg, "checkpoint_time": now.Add(-seen).Format(time.RFC3339Nano),
			"watermark_lag_ms": lagMS, "watermarks_ms": wm, "outbox_depth": depth, "outbox_bytes": bytes,
			"events_in": 120000 + depth, "late": 3, "dead_letters": 1, "dropped": dropped, "store_used": 0.12, "last_error": lastErr}
	}
	f.agents = []map[string]any{
		agent("gw-lyon-01", true, 4*time.Second, lag(2500), 0, 0, map[string]int64{}, 4, ""),
		agent("gw-lyon-02", true, 7*time.Second, lag(3100), 12, 48_213, map[string]int64{"malformed": 2}, 4, ""),
		agent("gw-paris-01", true, 3*time.Minute+10*time.Second, lag(400_000), 1_840, 9_437_184, map[string]int64{"late": 14, "duplicate": 3}, 3, ""),
		agent("gw-oslo-01", false, 26*time.Minute, lag(1_600_000), 52_000, 140_509_184, map[string]int64{"outbox_full": 211}, 3, "kafka: dial tcp: connection refused"),
	}
	f.alerts = []map[string]any{
		alert("outbox_high", "outbox", "warning", "pending", map[string]string{"agent": "gw-paris-01"}, 9.0, now.Add(-40*time.Second), time.Time{}),
		alert("agent_offline", "agent_offline", "critical", "firing", map[string]string{"agent": "gw-oslo-01"}, 1, now.Add(-25*time.Minute), now.Add(-24*time.Minute)),
		alert("hot", "threshold", "critical", "resolved", map[string]string{"site": "paris"}, 64.2, now.Add(-3*time.Hour), now.Add(-3*time.Hour)),
	}
	// the offline agent's alert was taken already: the badge starts at 0
	f.alerts[1]["acked_by"], f.alerts[1]["acked_at_ms"] = "night-shift", now.Add(-20*time.Minute).UnixMilli()
	start := now.Truncate(time.Minute).Add(-60 * time.Minute)
	for i := range 61 {
		ws := start.Add(time.Duration(i) * time.Minute)
		for j, site := range []string{"lyon", "paris", "oslo"} {
			base := 20 + 4*float64(j) + 3*math.Sin(float64(i)/9+float64(j))
			f.rows["temp_site_1m"] = append(f.rows["temp_site_1m"], map[string]any{
				"window_start": ws.Format("2006-01-02T15:04:05.000Z"), "window_end": ws.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"),
				"site": site, "n": 240 + i%7, "avg_temp": round(base), "p95_temp": round(base + 2.5)})
		}
	}
	f.rows["temp_1m"] = []map[string]any{{"agent": "gw-lyon-01", "view": "temp_1m", "window_start": start.Format("2006-01-02T15:04:05.000Z"),
		"window_end": start.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"), "revision": 1, "final": true, "site": "lyon", "device": "t-1",
		"n": 4, "avg_temp": 21.5, "avg_temp__sum": 86.0, "avg_temp__count": 4}}

	mux := http.NewServeMux()
	mux.Handle("GET /", Handler())
	mux.HandleFunc("GET /v1/agents", func(w http.ResponseWriter, _ *http.Request) { f.write(w, 200, &f.agents) })
	mux.HandleFunc("GET /v1/alerts", func(w http.ResponseWriter, _ *http.Request) { f.write(w, 200, &f.alerts) })
	mux.HandleFunc("GET /v1/silences", func(w http.ResponseWriter, _ *http.Request) { f.write(w, 200, &f.silences) })
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) {
		f.write(w, 200, &map[string]any{"group": "eddy-aggregator", "fleet_views": 1})
	})
	mux.HandleFunc("GET /v1/views", func(w http.ResponseWriter, _ *http.Request) {
		f.write(w, 200, &map[string]any{"fleet": []map[string]any{{"name": "temp_site_1m", "source": "temps", "edge_view": "temp_1m",
			"window": "TUMBLE 1m", "columns": []string{"window_start TIMESTAMPTZ", "site VARCHAR", "n BIGINT", "avg_temp DOUBLE", "p95_temp DOUBLE"},
			"definition": "CREATE MATERIALIZED VIEW temp_site_1m AS SELECT site, sum(n) AS n, avg(avg_temp) AS avg_temp, approx_percentile(0.95) WITHIN GROUP (ORDER BY p95_temp) AS p95_temp FROM temp_1m GROUP BY site, TUMBLE(window_start, INTERVAL '1' MINUTE);"}},
			"edge": []string{"temp_1m"}})
	})
	mux.HandleFunc("GET /v1/views/{name}", f.viewRows)
	mux.HandleFunc("POST /v1/alerts/{id}/ack", f.ack)
	mux.HandleFunc("POST /v1/silences", f.silence)
	mux.HandleFunc("DELETE /v1/silences/{id}", f.unsilence)
	mux.HandleFunc("GET /v1/events", f.events)
	mux.HandleFunc("POST /test/drop-events", f.dropEvents)
	srv := httptest.NewServer(f.auth(mux))
	t.Cleanup(func() {
		f.mu.Lock()
		for c := range f.subs {
			close(c)
			delete(f.subs, c)
		}
		f.mu.Unlock()
		srv.Close()
	})
	return f, srv
}

func round(v float64) float64 { return math.Round(v*100) / 100 }

func alert(rule, kind, sev, state string, labels map[string]string, v float64, since, fired time.Time) map[string]any {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range labels {
			if !yield(k) {
				return
			}
		}
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, labels[k])
	}
	var firedMS int64
	if !fired.IsZero() {
		firedMS = fired.UnixMilli()
	}
	return map[string]any{"id": rule + "{" + b.String() + "}", "rule": rule, "kind": kind, "state": state, "severity": sev,
		"labels": labels, "value": v, "value_text": strconv.FormatFloat(v, 'f', -1, 64), "since_ms": since.UnixMilli(),
		"fired_at_ms": firedMS, "acked_by": "", "acked_at_ms": 0, "silenced_by": ""}
}

// auth is the aggregator's rule: the page's own files are public, the API
// needs the bearer token, and /v1/events takes it as ?token= as well.
func (f *fakeAPI) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if r.URL.Path == "/v1/events" && got == "" {
			got = "Bearer " + r.URL.Query().Get("token")
		}
		if !Public(r.URL.Path) && subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+f.token)) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"missing or wrong bearer token"}` + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *fakeAPI) write(w http.ResponseWriter, code int, v any) {
	f.mu.Lock()
	b, err := json.Marshal(v)
	f.mu.Unlock()
	if err != nil {
		code, b = 500, []byte(`{"error":"marshal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func (f *fakeAPI) viewRows(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	f.mu.Lock()
	all, ok := f.rows[name]
	var rows []map[string]any
	for _, row := range all {
		ws, _ := time.Parse(time.RFC3339Nano, row["window_start"].(string))
		if ws.UnixMilli() >= from {
			rows = append(rows, row)
		}
	}
	f.mu.Unlock()
	if !ok {
		f.write(w, 404, &map[string]any{"error": "no view " + strconv.Quote(name)})
		return
	}
	kind := "fleet"
	if name == "temp_1m" {
		kind = "edge"
	}
	f.write(w, 200, &map[string]any{"view": name, "kind": kind, "count": len(rows), "truncated": false, "rows": rows})
}

func (f *fakeAPI) ack(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By string `json:"by"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.By == "" {
		f.write(w, 400, &map[string]any{"error": `body must be {"by":"<name>"}`})
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	var found bool
	for _, a := range f.alerts {
		if a["id"] == id {
			a["acked_by"], a["acked_at_ms"], found = req.By, time.Now().UnixMilli(), true
		}
	}
	f.mu.Unlock()
	if !found {
		f.write(w, 404, &map[string]any{"error": "no alert " + strconv.Quote(id)})
		return
	}
	f.write(w, 200, &map[string]any{"ok": true})
	f.broadcastAlerts()
}

func (f *fakeAPI) silence(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Matchers map[string]string `json:"matchers"`
		UntilMS  int64             `json:"until_ms"`
		By       string            `json:"by"`
		Comment  string            `json:"comment"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Matchers) == 0 || req.By == "" || req.UntilMS <= time.Now().UnixMilli() {
		f.write(w, 400, &map[string]any{"error": "give matchers, by and a future until_ms"})
		return
	}
	f.mu.Lock()
	f.nextSil++
	id := fmt.Sprintf("sil-%d", f.nextSil)
	f.silences = append(f.silences, map[string]any{"id": id, "matchers": req.Matchers, "until_ms": req.UntilMS, "by": req.By, "comment": req.Comment})
	for _, a := range f.alerts {
		labels := a["labels"].(map[string]string)
		match := true
		for k, v := range req.Matchers {
			match = match && labels[k] == v
		}
		if match {
			a["silenced_by"] = id
		}
	}
	f.mu.Unlock()
	f.write(w, 200, &map[string]any{"id": id})
	f.broadcastAlerts()
}

func (f *fakeAPI) unsilence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f.mu.Lock()
	n := len(f.silences)
	f.silences = slices.DeleteFunc(f.silences, func(s map[string]any) bool { return s["id"] == id })
	for _, a := range f.alerts {
		if a["silenced_by"] == id {
			a["silenced_by"] = ""
		}
	}
	gone := n != len(f.silences)
	f.mu.Unlock()
	if !gone {
		f.write(w, 404, &map[string]any{"error": "no silence " + strconv.Quote(id)})
		return
	}
	f.write(w, 200, &map[string]any{"ok": true})
	f.broadcastAlerts()
}

// dropEvents ends every event stream and then adds an agent without
// telling anyone: the page shows it only once it reconnected by itself
// (or polled while it could not).
func (f *fakeAPI) dropEvents(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	for c := range f.subs {
		close(c)
		delete(f.subs, c)
	}
	now := time.Now().UTC()
	lag := int64(1800)
	f.agents = append(f.agents, map[string]any{"agent": "gw-nice-01", "online": true, "last_seen": now.Format(time.RFC3339Nano),
		"agent_version": "0.9.0", "config_version": 4, "checkpoint_time": now.Format(time.RFC3339Nano), "watermark_lag_ms": &lag,
		"watermarks_ms": map[string]int64{"temps": now.UnixMilli() - lag}, "outbox_depth": 0, "outbox_bytes": 0, "events_in": 10,
		"late": 0, "dead_letters": 0, "dropped": map[string]int64{}, "store_used": 0.01})
	f.mu.Unlock()
	f.write(w, 200, &map[string]any{"ok": true})
}

// fire makes hot{site="lyon"} fire, as a rule over temp_site_1m would.
func (f *fakeAPI) fire() {
	now := time.Now()
	a := alert("hot", "threshold", "critical", "firing", map[string]string{"site": "lyon"}, 81.5, now.Add(-30*time.Second), now)
	f.mu.Lock()
	f.alerts = append(f.alerts, a)
	f.mu.Unlock()
	f.broadcastAlerts()
}

func (f *fakeAPI) broadcastAlerts() {
	f.mu.Lock()
	b, _ := json.Marshal(f.alerts)
	f.mu.Unlock()
	f.broadcast("alerts", b)
}

func (f *fakeAPI) broadcast(event string, data []byte) {
	msg := "event: " + event + "\ndata: " + string(data) + "\n\n"
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.subs {
		select {
		case c <- msg:
		default: // a slow client misses an update; the next full list repairs it
		}
	}
}

// events is GET /v1/events: the full agents and alerts lists at once, then
// every change, and a rows event for temp_site_1m every second.
func (f *fakeAPI) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "no flusher", 500)
		return
	}
	c := make(chan string, 16)
	f.mu.Lock()
	f.streams++
	f.subs[c] = true
	agents, _ := json.Marshal(f.agents)
	alerts, _ := json.Marshal(f.alerts)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if f.subs[c] {
			delete(f.subs, c)
		}
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fmt.Fprintf(w, "retry: 1000\n\nevent: agents\ndata: %s\n\nevent: alerts\ndata: %s\n\n", agents, alerts)
	fl.Flush()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-c:
			if !ok {
				return
			}
			_, _ = w.Write([]byte(msg))
			fl.Flush()
		case now := <-tick.C:
			ws := now.UTC().Truncate(time.Minute)
			row := map[string]any{"window_start": ws.Format("2006-01-02T15:04:05.000Z"), "window_end": ws.Add(time.Minute).Format("2006-01-02T15:04:05.000Z"),
				"site": "lyon", "n": now.Second() * 4, "avg_temp": round(24 + float64(now.Second())/10), "p95_temp": round(27 + float64(now.Second())/10)}
			f.mu.Lock()
			rows := f.rows["temp_site_1m"]
			if last := rows[len(rows)-1]; last["window_start"] == row["window_start"] && last["site"] == "lyon" {
				rows[len(rows)-1] = row
			} else {
				f.rows["temp_site_1m"] = append(rows, row)
			}
			f.mu.Unlock()
			b, _ := json.Marshal(map[string]any{"view": "temp_site_1m", "rows": []any{row}})
			fmt.Fprintf(w, "event: rows\ndata: %s\n\n", b)
			fl.Flush()
		}
	}
}
