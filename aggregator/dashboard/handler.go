package dashboard

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// csp allows only the page's own files and API: no inline script, no
// third-party origin. Inline styles are allowed because uPlot sizes its
// elements through style attributes.
const csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var (
	loadOnce sync.Once
	files    map[string]*asset
	loadErr  error
)

// Handler serves the dashboard: GET / (index.html) and GET /assets/{file}.
// Other paths are 404 and other methods 405; HEAD is served like GET
// without a body.
func Handler() http.Handler {
	loadOnce.Do(func() { files, loadErr = load(embedded) })
	return http.HandlerFunc(serve)
}

// Public reports whether path is one of the dashboard's own files, which
// hold no data and must load without a bearer token (a browser cannot send
// one when it opens a page).
func Public(path string) bool {
	return path == "/" || path == "/index.html" || strings.HasPrefix(path, "/assets/")
}

func serve(w http.ResponseWriter, r *http.Request) {
	if loadErr != nil {
		http.Error(w, "dashboard: embedded assets unreadable: "+loadErr.Error(), http.StatusInternalServerError)
		return
	}
	var name string
	switch p := r.URL.Path; {
	case p == "/" || p == "/index.html":
		name = "index.html"
	case strings.HasPrefix(p, "/assets/") && p != "/assets/index.html":
		name = strings.TrimPrefix(p, "/assets/")
	}
	a := files[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if name == "index.html" {
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
	}
	body, etag := a.body, a.etag
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = a.gz, a.gzEtag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	if match(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Type")
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) with a q above 0.
func acceptsGzip(v string) bool {
	for _, part := range strings.Split(v, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		enc = strings.ToLower(strings.TrimSpace(enc))
		if enc != "gzip" && enc != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || strings.HasPrefix(q, "q=0.0") && strings.Trim(q[2:], "0.") == "" {
			return false
		}
		return true
	}
	return false
}

// match reports whether an If-None-Match header names etag (or is *).
func match(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
