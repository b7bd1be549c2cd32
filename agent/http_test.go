package agent

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/agent/pipeline"
	"github.com/eddy-iot/eddy/edge/store"
	"github.com/eddy-iot/eddy/sql"
)

// GET /v1/views/{name}: the rows of a view (200), a 404 naming the views
// for an unknown one, and a 500 with the reason when the store cannot be
// read — never a 200 with an empty body.
func TestViewRowsEndpoint(t *testing.T) {
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "eddy.db")})
	if err != nil {
		t.Fatal(err)
	}
	cat := sql.NewCatalog()
	if errs := cat.Exec("test.sql", `CREATE SOURCE s (device VARCHAR, temp DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'mqtt', topic = 's/{device}');
CREATE MATERIALIZED VIEW per_min AS SELECT device, count(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY device;`); errs != nil {
		t.Fatal(errs)
	}
	pl, err := pipeline.New(cat, pipeline.Options{AgentID: "a1", Store: st, Now: func() int64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&server{pl: pl, st: st, log: slog.New(slog.DiscardHandler)}).handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/v1/views/per_min"); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("GET per_min: %d %q, want 200 []", code, body)
	}
	code, body := get("/v1/views/per_hour")
	var nf struct {
		Error string   `json:"error"`
		Views []string `json:"views"`
	}
	if err := json.Unmarshal([]byte(body), &nf); code != 404 || err != nil || !strings.Contains(nf.Error, "per_hour") {
		t.Errorf("GET per_hour: %d %s, want 404 naming it", code, body)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	code, body = get("/v1/views/per_min")
	var se struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &se); code != 500 || err != nil || !strings.Contains(se.Error, "per_min") {
		t.Errorf("GET per_min on a closed store: %d %q, want 500 with the reason", code, body)
	}
}

// /debug/pprof/ is served only with http.pprof, and behind the token like
// every other path.
func TestPprofEndpoint(t *testing.T) {
	for _, tc := range []struct {
		pprof       bool
		token, auth string
		want        int
	}{
		{false, "", "", http.StatusNotFound},
		{true, "", "", http.StatusOK},
		{true, "s3cret", "", http.StatusUnauthorized},
		{true, "s3cret", "Bearer s3cret", http.StatusOK},
	} {
		srv := httptest.NewServer((&server{token: tc.token, pprof: tc.pprof, log: slog.New(slog.DiscardHandler)}).handler())
		req, _ := http.NewRequest("GET", srv.URL+"/debug/pprof/heap?debug=1", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != tc.want || tc.want == http.StatusOK && !strings.Contains(string(b), "heap profile") {
			t.Errorf("pprof %v, token %q, auth %q: %d %.60q, want %d", tc.pprof, tc.token, tc.auth, resp.StatusCode, b, tc.want)
		}
	}
}
