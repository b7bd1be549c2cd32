package aggregator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/eddy-iot/eddy/alerts"
)

// hub fans server-sent events out to the connected dashboards. A client
// that does not keep up misses events (its buffer is full): the agents and
// alerts events carry full lists, so the next one repairs it.
type hub struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
	stop chan struct{} // closed when the HTTP server shuts down
	once sync.Once
}

func newHub() *hub { return &hub{subs: map[chan []byte]struct{}{}, stop: make(chan struct{})} }

func sseMessage(event string, data []byte) []byte {
	b := make([]byte, 0, len(event)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

func (h *hub) publish(event string, data []byte) {
	msg := sseMessage(event, data)
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- msg:
		default:
		}
	}
}

func (h *hub) subscribe() chan []byte {
	c := make(chan []byte, 64)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c
}

func (h *hub) unsubscribe(c chan []byte) {
	h.mu.Lock()
	delete(h.subs, c)
	h.mu.Unlock()
}

func (h *hub) shutdown() { h.once.Do(func() { close(h.stop) }) }

// sseHeartbeat is how often an idle stream carries a comment line, so that
// proxies keep it open and the page notices a dead one.
const sseHeartbeat = 15 * time.Second

// events is GET /v1/events: at once the full agents and alerts lists and
// the status, then rows (changed fleet rows), agents and alerts events as
// they change, status every 5 s, a comment every 15 s.
func (a *Aggregator) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "streaming unsupported"})
		return
	}
	ev := a.alerts
	c := ev.hub.subscribe()
	defer ev.hub.unsubscribe(c)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	list, err := a.agentList()
	if err != nil {
		list = []Agent{}
	}
	agentsJSON, _ := json.Marshal(list)
	alertsJSON, _ := json.Marshal(ev.Alerts())
	status, _ := json.Marshal(a.Status())
	_, _ = fmt.Fprintf(w, "retry: 1000\n\n")
	_, _ = w.Write(sseMessage("agents", agentsJSON))
	_, _ = w.Write(sseMessage("alerts", alertsJSON))
	_, _ = w.Write(sseMessage("status", status))
	fl.Flush()
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	st := time.NewTicker(5 * time.Second)
	defer st.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ev.hub.stop:
			return
		case msg := <-c:
			if _, err := w.Write(msg); err != nil {
				return
			}
		case <-beat.C:
			if _, err := w.Write([]byte(": heartbeat\n\n")); err != nil {
				return
			}
		case <-st.C:
			b, _ := json.Marshal(a.Status())
			if _, err := w.Write(sseMessage("status", b)); err != nil {
				return
			}
		}
		fl.Flush()
	}
}

// alertRoutes adds the alert endpoints to mux.
func (a *Aggregator) alertRoutes(mux *http.ServeMux) {
	ev := a.alerts
	mux.HandleFunc("GET /v1/alerts", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ev.Alerts())
	})
	mux.HandleFunc("GET /v1/alerts/history", func(w http.ResponseWriter, _ *http.Request) {
		ev.mu.Lock()
		h := slices.Clone(ev.history)
		ev.mu.Unlock()
		if h == nil {
			h = []alerts.Transition{}
		}
		writeJSON(w, http.StatusOK, h)
	})
	mux.HandleFunc("POST /v1/alerts/{id}/ack", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			By string `json:"by"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.By == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": `body must be {"by":"<who acknowledges>"}`})
			return
		}
		id := r.PathValue("id")
		err := ev.change(func(e *alerts.Engine, now int64) error { return e.Ack(id, req.By, now) })
		switch {
		case errors.Is(err, alerts.ErrUnknownAlert):
			writeJSON(w, http.StatusNotFound, map[string]any{"error": err.Error()})
		case err != nil:
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		}
	})
	mux.HandleFunc("GET /v1/silences", func(w http.ResponseWriter, _ *http.Request) {
		ev.mu.Lock()
		s := ev.eng.Silences()
		ev.mu.Unlock()
		if s == nil {
			s = []alerts.Silence{}
		}
		writeJSON(w, http.StatusOK, s)
	})
	mux.HandleFunc("POST /v1/silences", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Matchers map[string]string `json:"matchers"`
			UntilMS  int64             `json:"until_ms"`
			By       string            `json:"by"`
			Comment  string            `json:"comment"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.By == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"error": `body must be {"matchers":{"label":"value"},"until_ms":<Unix ms>,"by":"<who>","comment":"..."}`})
			return
		}
		var made alerts.Silence
		err := ev.change(func(e *alerts.Engine, now int64) (err error) {
			made, err = e.Silence(alerts.Silence{Matchers: req.Matchers, Until: req.UntilMS, By: req.By, Comment: req.Comment, Created: now})
			return
		})
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, made)
	})
	mux.HandleFunc("DELETE /v1/silences/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		err := ev.change(func(e *alerts.Engine, _ int64) error { return e.Unsilence(id) })
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /v1/rules", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ev.ruleList())
	})
	mux.HandleFunc("GET /v1/events", a.events)
}

// apiRule is one entry of GET /v1/rules: a rule as compiled.
type apiRule struct {
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	View         string            `json:"view"`
	Where        string            `json:"where,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Clear        string            `json:"clear,omitempty"`
	Value        string            `json:"value,omitempty"`
	Time         string            `json:"time,omitempty"`
	GroupBy      []string          `json:"group_by"`
	For          string            `json:"for"`
	Limit        int64             `json:"limit,omitempty"`
	Severity     string            `json:"severity"`
	Summary      string            `json:"summary,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Notify       []string          `json:"notify"`
	Renotify     string            `json:"renotify,omitempty"`
	KeepResolved string            `json:"keep_resolved"`
	Source       string            `json:"source"` // file:line
}

func (ev *evaluator) ruleList() []apiRule {
	ev.mu.Lock()
	rules := ev.eng.Rules()
	ev.mu.Unlock()
	out := make([]apiRule, 0, len(rules))
	for _, r := range rules {
		ar := apiRule{Name: r.Name, Kind: ev.kinds[r.Name], View: r.View, Where: r.Where, Condition: r.Condition, Clear: r.Clear,
			Value: r.Value, Time: r.Time, GroupBy: r.GroupBy, For: r.For.String(), Limit: r.Limit, Severity: r.Severity,
			Summary: r.Summary, Labels: r.Labels, Notify: r.Notify, KeepResolved: r.KeepResolved.String(), Source: r.At.String()}
		if r.Renotify > 0 {
			ar.Renotify = r.Renotify.String()
		}
		if ar.GroupBy == nil {
			ar.GroupBy = []string{}
		}
		if ar.Notify == nil {
			ar.Notify = []string{}
		}
		out = append(out, ar)
	}
	return out
}
