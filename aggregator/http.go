package aggregator

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/eddy-iot/eddy/aggregator/dashboard"
	"github.com/eddy-iot/eddy/aggregator/fleet"
	"github.com/eddy-iot/eddy/aggregator/store"
)

// maxRows bounds one GET /v1/views/{name} answer unless ?limit= says less.
const maxRows = 100_000

// Handler is the HTTP API: /healthz, /metrics, /v1/status, /v1/agents,
// /v1/views, /v1/views/{name}?from=&to=&limit=, the alert endpoints
// (/v1/alerts, /v1/alerts/{id}/ack, /v1/alerts/history, /v1/silences,
// /v1/rules), the event stream /v1/events, and the dashboard at /. With a
// token, every path but /healthz and the dashboard's own files
// (dashboard.Public) needs "Authorization: Bearer <token>"; /v1/events
// also takes it as ?token=.
func (a *Aggregator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if !a.healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("store failing\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		a.set.WritePrometheus(w)
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.Status())
	})
	mux.HandleFunc("GET /v1/agents", func(w http.ResponseWriter, _ *http.Request) {
		list, err := a.agentList()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, list)
	})
	mux.HandleFunc("GET /v1/views", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.views())
	})
	mux.HandleFunc("GET /v1/views/{name}", a.viewRows)
	a.alertRoutes(mux)
	mux.Handle("GET /", dashboard.Handler())
	if a.cfg.HTTP.Token == "" {
		return mux
	}
	want := []byte("Bearer " + a.cfg.HTTP.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		open := r.URL.Path == "/healthz" || dashboard.Public(r.URL.Path) && (r.Method == http.MethodGet || r.Method == http.MethodHead)
		got := r.Header.Get("Authorization")
		if got == "" && r.URL.Path == "/v1/events" {
			// EventSource cannot set headers: the token comes as ?token=
			// on this path only.
			if t := r.URL.Query().Get("token"); t != "" {
				got = "Bearer " + t
			}
		}
		if !open && subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="eddy"`)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "missing or wrong bearer token: send Authorization: Bearer <http.token>"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// viewList is GET /v1/views.
type viewList struct {
	Fleet []fleet.Info `json:"fleet"`
	// Edge lists the edge views with stored results; their upserted rows
	// are served too (GET /v1/views/{edge view}).
	Edge []string `json:"edge"`
}

func (a *Aggregator) views() viewList {
	out := viewList{Fleet: []fleet.Info{}}
	for _, v := range a.eng.Views() {
		out.Fleet = append(out.Fleet, v.Info())
	}
	_ = a.st.View(func(tx *store.Tx) error { out.Edge = tx.EdgeViews(); return nil })
	if out.Edge == nil {
		out.Edge = []string{}
	}
	slices.Sort(out.Edge)
	return out
}

// viewRows streams {"view":..., "kind":..., "rows":[...]} with the rows of
// a fleet view (one per window and group) or the current rows of an edge
// view (one per agent, group and window), whose window starts in
// [from, to).
func (a *Aggregator) viewRows(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	from, to, limit, err := rangeParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	var buf bytes.Buffer
	n := 0
	add := func(row []byte) error {
		if n == limit {
			return errLimit
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(row)
		n++
		return nil
	}
	kind := "fleet"
	found := false
	err = a.st.View(func(tx *store.Tx) error {
		ok, err := a.eng.Rows(tx, name, from, to, add)
		if ok || err != nil {
			found = true
			return err
		}
		if !slices.Contains(tx.EdgeViews(), name) {
			return nil
		}
		found, kind = true, "edge"
		return tx.Results(name, from, to, func(_ []byte, _ uint32, row []byte) error { return add(row) })
	})
	truncated := errors.Is(err, errLimit)
	if err != nil && !truncated {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
		return
	}
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no view " + strconv.Quote(name), "views": a.views()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"view":%q,"kind":%q,"count":%d,"truncated":%t,"rows":[`, name, kind, n, truncated)
	_, _ = w.Write(buf.Bytes())
	_, _ = w.Write([]byte("]}\n"))
}

var errLimit = errors.New("limit reached")

// agentList is the registry as of now (never nil).
func (a *Aggregator) agentList() ([]Agent, error) {
	var list []Agent
	err := a.st.View(func(tx *store.Tx) (err error) {
		list, err = agents(tx, a.opt.Now(), a.cfg.HeartbeatTimeout)
		return
	})
	if list == nil {
		list = []Agent{}
	}
	return list, err
}

// rangeParams reads from and to (RFC 3339 or Unix ms; from inclusive, to
// exclusive, default everything) and limit.
func rangeParams(r *http.Request) (from, to int64, limit int, err error) {
	from, to, limit = math.MinInt64, math.MaxInt64, maxRows
	parse := func(key string, dst *int64) {
		s := r.URL.Query().Get(key)
		if s == "" || err != nil {
			return
		}
		if ms, perr := strconv.ParseInt(s, 10, 64); perr == nil {
			*dst = ms
			return
		}
		t, perr := time.Parse(time.RFC3339Nano, s)
		if perr != nil {
			err = fmt.Errorf("%s=%q: give RFC 3339 (2026-11-25T12:00:00Z) or Unix milliseconds", key, s)
			return
		}
		*dst = t.UnixMilli()
	}
	parse("from", &from)
	parse("to", &to)
	if s := r.URL.Query().Get("limit"); s != "" && err == nil {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > maxRows {
			err = fmt.Errorf("limit=%q: give a number from 1 to %d", s, maxRows)
		} else {
			limit = n
		}
	}
	return
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// Serve listens on the configured address until ctx ends and returns the
// bound address (the config may name port 0). Empty addr: no server.
func (a *Aggregator) Serve(ctx context.Context) (string, error) {
	if a.cfg.HTTP.Addr == "" {
		return "", nil
	}
	ln, err := net.Listen("tcp", a.cfg.HTTP.Addr)
	if err != nil {
		return "", fmt.Errorf("http: %w", err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(a.alerts.hub.shutdown) // end the event streams
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}
