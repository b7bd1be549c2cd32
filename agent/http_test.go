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
