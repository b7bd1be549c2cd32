package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// The browser tests need Node (with web/node_modules, installed here by
// npm ci when missing) and Debian's chromium. Without them they skip, but
// under CI=true they fail: a green CI must have run them.

func needTool(t *testing.T, what, hint string) {
	t.Helper()
	testenv.NeedTool(t, false, what, hint)
}

// chromiumPath is $EDDY_CHROMIUM or Debian's chromium on the PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("EDDY_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			needTool(t, "EDDY_CHROMIUM="+p, err.Error())
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	needTool(t, "chromium", "apt-get install chromium (Debian's package; Playwright's own browser download is not used)")
	return ""
}

var npmOnce sync.Once
var npmErr error

// nodeModules makes sure web/node_modules holds what package-lock.json
// names (npm ci, once per test binary) and returns the node executable.
func nodeModules(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		needTool(t, "node", "install Node.js 20 or later with npm")
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core", "package.json")); err == nil {
		if _, err := os.Stat(filepath.Join(webDir, "node_modules", "esbuild", "package.json")); err == nil {
			return node
		}
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		needTool(t, "npm", "install npm to fetch web/'s packages")
	}
	npmOnce.Do(func() {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = webDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			npmErr = fmt.Errorf("npm ci in web/: %v\n%s", err, out)
		}
	})
	if npmErr != nil {
		t.Fatal(npmErr)
	}
	return node
}

// TestBundleRebuildsIdentically rebuilds web/ with esbuild and compares the
// result with the committed assets byte for byte.
func TestBundleRebuildsIdentically(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs Node")
	}
	node := nodeModules(t)
	cmd := exec.Command(node, "build.mjs", "--check")
	cmd.Dir = webDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// BrowserTarget is a running aggregator (or the fake API) that the browser
// test drives.
type BrowserTarget struct {
	URL, Token string
	Agents     []string          // agent ids the fleet page must list
	Health     map[string]string // agent -> online|stale|offline the page must show (optional)
	AlertRule  string            // the rule whose alert Fire makes fire
	View       string            // a view with rows to chart
	Fire       func(t *testing.T)
	// AlertTimeout bounds how long the alert may take to fire and show.
	AlertTimeout time.Duration
	// DropEvents, if set, is a URL to POST that ends every event stream and
	// adds one agent silently: the page must reconnect and show it.
	DropEvents string
}

// RunBrowser runs web/test/browser.mjs against target in headless
// chromium: the fleet page lists the agents, Fire makes an alert fire, it
// shows on the alerts page (and in the nav badge), the script acknowledges
// it through the page, and then GET /v1/alerts must report it acknowledged.
// Screenshots go to screenshots/dashboard/<shots>/ at the repository root.
func RunBrowser(t *testing.T, target BrowserTarget, shots string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	chromium := chromiumPath(t)
	node := nodeModules(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "screenshots", "dashboard", shots)
	if target.AlertTimeout == 0 {
		target.AlertTimeout = time.Minute
	}
	const ackBy = "browser-test"
	agents, _ := json.Marshal(target.Agents)
	health, _ := json.Marshal(target.Health)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute+target.AlertTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "test/browser.mjs")
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "EDDY_URL="+target.URL, "EDDY_TOKEN="+target.Token, "CHROMIUM="+chromium,
		"EDDY_SCREENSHOTS="+dir, "EDDY_AGENTS="+string(agents), "EDDY_HEALTH="+string(health),
		"EDDY_ALERT_RULE="+target.AlertRule, "EDDY_ACK_BY="+ackBy, "EDDY_VIEW="+target.View,
		fmt.Sprintf("EDDY_ALERT_TIMEOUT_MS=%d", target.AlertTimeout.Milliseconds()), "EDDY_DROP_URL="+target.DropEvents)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var steps []string
	acked := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		t.Log("browser:", line)
		s, ok := strings.CutPrefix(line, "step ")
		if !ok {
			continue
		}
		name, arg, _ := strings.Cut(s, " ")
		steps = append(steps, name)
		switch name {
		case "fleet-ok":
			target.Fire(t)
		case "acked":
			acked = arg
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser script: %v after steps %v\n%s", err, steps, stderr.String())
	}
	if len(steps) == 0 || steps[len(steps)-1] != "done" {
		t.Fatalf("browser script ended after steps %v\n%s", steps, stderr.String())
	}
	if acked == "" {
		t.Fatal("the script acknowledged no alert")
	}

	// the API reports the acknowledgement made through the page
	req, _ := http.NewRequest("GET", strings.TrimSuffix(target.URL, "/")+"/v1/alerts", nil)
	if target.Token != "" {
		req.Header.Set("Authorization", "Bearer "+target.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var alerts []struct {
		ID        string `json:"id"`
		Rule      string `json:"rule"`
		AckedBy   string `json:"acked_by"`
		AckedAtMS int64  `json:"acked_at_ms"`
	}
	if err := json.NewDecoder(res.Body).Decode(&alerts); err != nil {
		t.Fatalf("GET /v1/alerts: %d %v", res.StatusCode, err)
	}
	for _, a := range alerts {
		if a.ID == acked {
			if a.Rule != target.AlertRule || a.AckedBy != ackBy || a.AckedAtMS == 0 {
				t.Fatalf("GET /v1/alerts reports %+v, want rule %q acknowledged by %q", a, target.AlertRule, ackBy)
			}
			t.Logf("screenshots in %s", dir)
			return
		}
	}
	t.Fatalf("GET /v1/alerts has no alert %q: %+v", acked, alerts)
}

// TestBrowserFixture runs the browser test against the fake API (see
// fixture_test.go) with the real dashboard Handler.
func TestBrowserFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	f, srv := newFakeAPI(t)
	RunBrowser(t, BrowserTarget{
		URL: srv.URL, Token: f.token,
		Agents:     []string{"gw-lyon-01", "gw-lyon-02", "gw-paris-01", "gw-oslo-01"},
		Health:     map[string]string{"gw-lyon-01": "online", "gw-paris-01": "stale", "gw-oslo-01": "offline"},
		AlertRule:  "hot",
		View:       "temp_site_1m",
		Fire:       func(*testing.T) { f.fire() },
		DropEvents: srv.URL + "/test/drop-events",
	}, "fixture")
	f.mu.Lock()
	defer f.mu.Unlock()
	// laptop and tablet pages, and the laptop's reconnection after the drop
	if f.streams < 3 {
		t.Errorf("%d event streams opened, want at least 3: the page did not reconnect after the drop", f.streams)
	}
}
