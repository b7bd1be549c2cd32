package agent

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/eddy-iot/eddy/agent/pipeline"
	"github.com/eddy-iot/eddy/edge/store"
)

// server is the agent's HTTP API: health, Prometheus metrics, status, view
// rows and dead letters. Off loopback every request needs the bearer token.
type server struct {
	pl      *pipeline.Pipeline
	st      *store.Store
	token   string
	pprof   bool // serve /debug/pprof/
	metrics *metrics.Set
	extra   func() map[string]any // more status sections (forwarder, MQTT)
	log     *slog.Logger
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.metrics.WritePrometheus(w)
	})
	mux.HandleFunc("GET /v1/status", s.status)
	mux.HandleFunc("GET /v1/views", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.pl.Views())
	})
	mux.HandleFunc("GET /v1/views/{name}", func(w http.ResponseWriter, r *http.Request) {
		rows, err := s.pl.Rows(r.PathValue("name"))
		if errors.Is(err, pipeline.ErrNoView) {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no view " + r.PathValue("name"), "views": s.pl.Views()})
			return
		}
		if err != nil {
			s.log.Error("reading a view's rows failed", "view", r.PathValue("name"), "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "reading view " + r.PathValue("name") + ": " + err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(rows)
	})
	mux.HandleFunc("GET /v1/deadletters", func(w http.ResponseWriter, _ *http.Request) {
		dl, err := s.st.DeadLetters(100)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		type row struct {
			Time    time.Time `json:"time"`
			Topic   string    `json:"topic"`
			Reason  string    `json:"reason"`
			Message string    `json:"message"`
			Payload string    `json:"payload"`
			Length  int       `json:"payload_length"`
		}
		out := make([]row, len(dl))
		for i, d := range dl {
			out[i] = row{d.Time.UTC(), d.Topic, d.Reason, d.Message, string(d.Payload), d.PayloadLen}
		}
		writeJSON(w, http.StatusOK, out)
	})
	if s.pprof {
		mux.HandleFunc("GET /debug/pprof/profile", cpuProfile)
		mux.HandleFunc("GET /debug/pprof/{name}", namedProfile)
	}
	if s.token == "" {
		return mux
	}
	want := []byte("Bearer " + s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="eddy"`)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "missing or wrong bearer token: send Authorization: Bearer <http.token>"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *server) status(w http.ResponseWriter, _ *http.Request) {
	out := map[string]any{"pipeline": s.pl.Status()}
	if size, err := s.st.Size(); err == nil {
		out["store"] = size
	}
	if ob, err := s.st.OutboxStats(); err == nil {
		out["outbox"] = ob
	}
	if dl, err := s.st.DeadLetterStats(); err == nil {
		out["dead_letters"] = dl
	}
	if s.extra != nil {
		for k, v := range s.extra() {
			out[k] = v
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// serve listens on addr until ctx ends. It returns the bound address (addr
// may name port 0).
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}

// registerMetrics exposes the pipeline's and the store's figures.
func registerMetrics(set *metrics.Set, pl *pipeline.Pipeline, st *store.Store) {
	status := func(f func(pipeline.Status) uint64) func() float64 {
		return func() float64 { return float64(f(pl.Status())) }
	}
	set.NewGauge(`eddy_messages_in_total`, status(func(s pipeline.Status) uint64 { return s.Messages }))
	set.NewGauge(`eddy_rows_in_total`, status(func(s pipeline.Status) uint64 { return s.Rows }))
	set.NewGauge(`eddy_duplicates_dropped_total`, status(func(s pipeline.Status) uint64 { return s.Duplicates }))
	set.NewGauge(`eddy_redeliveries_dropped_total`, status(func(s pipeline.Status) uint64 { return s.Redelivered }))
	set.NewGauge(`eddy_unrouted_total`, status(func(s pipeline.Status) uint64 { return s.Unrouted }))
	set.NewGauge(`eddy_late_events_total`, status(func(s pipeline.Status) uint64 { return s.Late }))
	set.NewGauge(`eddy_dead_letters_total`, status(func(s pipeline.Status) uint64 { return s.DeadLetters }))
	set.NewGauge(`eddy_results_total`, status(func(s pipeline.Status) uint64 { return s.Results }))
	set.NewGauge(`eddy_commits_total`, status(func(s pipeline.Status) uint64 { return s.Commits }))
	set.NewGauge(`eddy_commit_errors_total`, status(func(s pipeline.Status) uint64 { return s.CommitErrors }))
	set.NewGauge(`eddy_store_used_ratio`, func() float64 {
		si, err := st.Size()
		if err != nil {
			return 0
		}
		return si.Used
	})
	set.NewGauge(`eddy_store_log_bytes`, func() float64 {
		si, err := st.Size()
		if err != nil {
			return 0
		}
		return float64(si.LogBytes)
	})
	set.NewGauge(`eddy_store_checkpoints_total`, func() float64 {
		si, err := st.Size()
		if err != nil {
			return 0
		}
		return float64(si.Checkpoints)
	})
	set.NewGauge(`eddy_outbox_entries`, func() float64 {
		ob, err := st.OutboxStats()
		if err != nil {
			return 0
		}
		return float64(ob.TotalDepth())
	})
	set.NewGauge(`eddy_outbox_bytes`, func() float64 {
		ob, err := st.OutboxStats()
		if err != nil {
			return 0
		}
		return float64(ob.TotalBytes())
	})
	set.NewGauge(`eddy_outbox_dropped_oldest_total`, func() float64 {
		ob, err := st.OutboxStats()
		if err != nil {
			return 0
		}
		return float64(ob.DroppedOldest)
	})
}

// namedProfile serves a runtime profile (heap, allocs, goroutine, block,
// mutex, threadcreate) in pprof's format, or as text with ?debug=1; ?gc=1
// collects garbage first, for the in-use heap. net/http/pprof would do the
// same but links html/template (0.7 MB more binary).
func namedProfile(w http.ResponseWriter, r *http.Request) {
	p := pprof.Lookup(r.PathValue("name"))
	if p == nil {
		http.Error(w, "no profile "+r.PathValue("name")+": heap, allocs, goroutine, block, mutex, threadcreate or profile (CPU)", http.StatusNotFound)
		return
	}
	debug, _ := strconv.Atoi(r.FormValue("debug"))
	if r.FormValue("gc") != "" {
		runtime.GC()
	}
	if debug > 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	_ = p.WriteTo(w, debug)
}

// cpuProfile records the CPU for ?seconds=n (default 30, at most 300).
func cpuProfile(w http.ResponseWriter, r *http.Request) {
	sec, err := strconv.Atoi(r.FormValue("seconds"))
	if err != nil || sec <= 0 {
		sec = 30
	}
	sec = min(sec, 300)
	w.Header().Set("Content-Type", "application/octet-stream")
	if err := pprof.StartCPUProfile(w); err != nil {
		http.Error(w, "CPU profile: "+err.Error(), http.StatusConflict)
		return
	}
	select {
	case <-time.After(time.Duration(sec) * time.Second):
	case <-r.Context().Done():
	}
	pprof.StopCPUProfile()
}
