package dashboard_test

import (
	"testing"

	"github.com/eddy-iot/eddy/aggregator/dashboard"
)

// the helper the real test will call; kept referenced so it stays compiling
var _ = dashboard.RunBrowser

// TestBrowserAggregator is issue 9's "must show" against the real thing:
// agents run a pipeline into the test Kafka, an aggregator consumes it and
// serves this dashboard, and the browser test of TestBrowserFixture runs
// against it.
//
// TODO(issue 9): write it once aggregator.Handler serves GET /v1/alerts,
// POST /v1/alerts/{id}/ack, /v1/silences and GET /v1/events (with ?token=)
// and mounts dashboard.Handler at "GET /" (letting dashboard.Public paths
// through its bearer check). Then, with internal/testenv's Kafka and
// Mosquitto:
//
//  1. start two or three agents (agent.Start) with a per-minute view of
//     temperature per site, forwarding to Kafka; an aggregator
//     (aggregator.New + Run + Serve on 127.0.0.1:0, http.token set) with a
//     fleet view over it and a rule such as
//     `hot: threshold avg_temp > 80 for 0s on site_1m`;
//  2. publish normal readings until GET /v1/agents lists every agent;
//  3. dashboard.RunBrowser(t, dashboard.BrowserTarget{URL, Token, Agents,
//     AlertRule: "hot", View: "site_1m", Fire: publish readings above 80
//     for one site, AlertTimeout: 2 * time.Minute}, "aggregator").
//
// RunBrowser is exported from an internal test file, so this external
// test package (which may import aggregator, which imports dashboard) can
// call it as dashboard.RunBrowser once the two are compiled together.
func TestBrowserAggregator(t *testing.T) {
	t.Skip("TODO(issue 9): the aggregator does not serve /v1/alerts and /v1/events yet; TestBrowserFixture covers the page meanwhile")
}
