package dashboard

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, method, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bundle returns the names of the script and stylesheet index.html loads.
func bundle(t *testing.T) (js, css string) {
	t.Helper()
	page := string(body(t, get(t, "GET", "/")))
	m := regexp.MustCompile(`src="(assets/app-[A-Z0-9]+\.js)"`).FindStringSubmatch(page)
	c := regexp.MustCompile(`href="(assets/app-[A-Z0-9]+\.css)"`).FindStringSubmatch(page)
	if m == nil || c == nil {
		t.Fatalf("index.html names no hashed script or stylesheet:\n%s", page)
	}
	return "/" + m[1], "/" + c[1]
}

func TestServesPageAndAssets(t *testing.T) {
	js, css := bundle(t)
	f := func(path, ctype, cache string) {
		t.Helper()
		r := get(t, "GET", path)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		if got := r.Header.Get("Content-Type"); got != ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, ctype)
		}
		if got := r.Header.Get("Cache-Control"); got != cache {
			t.Errorf("GET %s: Cache-Control %q, want %q", path, got, cache)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("ETag") == "" {
			t.Errorf("GET %s: headers %v", path, r.Header)
		}
		if len(body(t, r)) == 0 {
			t.Errorf("GET %s: empty body", path)
		}
	}
	f("/", "text/html; charset=utf-8", "no-cache")
	f("/index.html", "text/html; charset=utf-8", "no-cache")
	f(js, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable")
	f(css, "text/css; charset=utf-8", "public, max-age=31536000, immutable")
	f("/assets/build.json", "application/json", "no-cache")

	r := get(t, "GET", "/")
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("index.html CSP %q", csp)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	f := func(method, path string, code int) {
		t.Helper()
		if r := get(t, method, path); r.StatusCode != code {
			t.Errorf("%s %s: %d, want %d", method, path, r.StatusCode, code)
		}
	}
	f("GET", "/nope", 404)
	f("GET", "/assets/", 404)
	f("GET", "/assets/nope.js", 404)
	f("GET", "/assets/index.html", 404)
	f("GET", "/assets/../index.html", 404)
	f("POST", "/", 405)
	f("DELETE", "/assets/build.json", 405)
	r := get(t, "HEAD", "/")
	if r.StatusCode != 200 || r.Header.Get("Content-Length") == "" || len(body(t, r)) != 0 {
		t.Errorf("HEAD /: %d, length %q", r.StatusCode, r.Header.Get("Content-Length"))
	}
}

func TestGzipAndConditional(t *testing.T) {
	js, _ := bundle(t)
	plain := body(t, get(t, "GET", js))
	r := get(t, "GET", js, "Accept-Encoding", "br, gzip;q=0.8")
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip not used: %v", r.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body(t, r)))
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if !bytes.Equal(unz, plain) {
		t.Fatal("gzipped body differs from the plain one")
	}
	if r := get(t, "GET", js, "Accept-Encoding", "gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got gzip")
	}
	etag := get(t, "GET", "/").Header.Get("ETag")
	if r := get(t, "GET", "/", "If-None-Match", etag); r.StatusCode != http.StatusNotModified || len(body(t, r)) != 0 {
		t.Errorf("If-None-Match %s: %d", etag, r.StatusCode)
	}
	if r := get(t, "GET", "/", "If-None-Match", `"other"`); r.StatusCode != 200 {
		t.Errorf("If-None-Match other: %d", r.StatusCode)
	}
	gzEtag := get(t, "GET", "/", "Accept-Encoding", "gzip").Header.Get("ETag")
	if gzEtag == etag {
		t.Errorf("gzip and plain share the ETag %s", etag)
	}
}

func TestPublic(t *testing.T) {
	for path, want := range map[string]bool{"/": true, "/index.html": true, "/assets/app-X.js": true,
		"/v1/agents": false, "/metrics": false, "/healthz": false, "/assetsx": false} {
		if Public(path) != want {
			t.Errorf("Public(%q) = %v", path, !want)
		}
	}
}
