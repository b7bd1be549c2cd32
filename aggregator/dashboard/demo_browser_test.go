package dashboard_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/aggregator/dashboard"
	"github.com/eddy-iot/eddy/demo"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestBrowserRealPipeline drives the dashboard of a whole running system —
// simulated devices → MQTT → two edge agents (SQL views, bbolt, outbox) →
// Kafka-compatible broker → aggregator (fleet view, alert rules) — in
// headless chromium: the fleet page lists both agents, the demo's site_hot
// alert fires on real readings and shows on the alerts page, the page
// acknowledges it, and the API reports it acknowledged.
func TestBrowserRealPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts the whole system and a browser")
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- demo.Run(ctx, demo.Options{HTTPAddr: addr, Devices: 20, Dir: t.TempDir(),
			Ready: func(url string) { ready <- url }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("demo not ready within 60s")
	}
	dashboard.RunBrowser(t, dashboard.BrowserTarget{
		URL: url[:len(url)-1], Agents: []string{"gw-plant-a", "gw-plant-b"},
		Health:    map[string]string{"gw-plant-a": "online", "gw-plant-b": "online"},
		AlertRule: "site_hot", View: "site_stats", AlertTimeout: 2 * time.Minute,
		Fire: func(*testing.T) {}, // real spikes fire it
	}, "pipeline")
}
