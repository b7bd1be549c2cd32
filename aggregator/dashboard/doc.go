// Package dashboard serves the aggregator's web page: the fleet, alerts and
// view pages that operators keep open.
//
// # What it serves
//
// Handler serves the page at / and its files at /assets/, all embedded in
// the binary with go:embed: nothing is fetched from the internet at run
// time. The page is one static document with hash routing (#/fleet,
// #/alerts, #/views/{name}) that reads the aggregator's JSON API under
// v1/ relative to itself, so it works at the root or behind a proxy that
// mounts the aggregator under a path prefix.
//
// Caching: the bundle's names carry a content hash (app-<hash>.js), so they
// are served "immutable" for a year; index.html and build.json are served
// "no-cache" with an ETag, so a new binary's page is picked up at the next
// load. Compressible files are gzipped once at start and sent compressed to
// clients that accept it.
//
// # Mounting and auth
//
// The aggregator mounts Handler at "GET /" beside its /v1/ API. The page
// and its files hold no data, and a browser cannot send a bearer token when
// it first loads a page, so Public(path) reports the paths that the
// aggregator's bearer-token check must let through. The page takes the
// token once from ?token=, keeps it in sessionStorage, sends it as
// "Authorization: Bearer" on every API call and as ?token= on
// GET /v1/events (EventSource cannot set headers).
//
// # The API the page reads
//
// GET /v1/agents, /v1/views, /v1/views/{name}?from=&limit=, /v1/alerts,
// /v1/silences; POST /v1/alerts/{id}/ack {"by"}, POST /v1/silences
// {"matchers","until_ms","by","comment"}, DELETE /v1/silences/{id}; and the
// server-sent events of GET /v1/events: agents and alerts (the full lists),
// rows ({"view","rows"}) and status. While the event stream is down the
// page polls agents and alerts every 5 s and reconnects with backoff.
//
// # Building
//
// The sources are in web/ (TypeScript and uPlot, bundled by esbuild). The
// built files in assets/ are committed, so `go build` needs no Node:
//
//	cd web && npm ci && npm run build
//
// TestBundleMatchesSources checks without Node that assets/build.json was
// written from the current web/ sources; TestBundleRebuildsIdentically
// rebuilds with Node and compares byte for byte; TestBrowser drives the
// page in headless Chromium with playwright-core.
package dashboard
