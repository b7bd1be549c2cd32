package demo_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestEddyDemo builds eddy with -tags demo as `make demo` does, starts
// `eddy demo`, waits for the dashboard, checks that fleet results and both
// agents arrive, then stops it with SIGINT and expects a clean exit.
func TestEddyDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole system")
	}
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "eddy-demo")
	build := exec.Command("go", "build", "-tags", "demo", "-o", bin, "./cmd/eddy")
	build.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags demo: %v\n%s", err, out)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cmd := exec.Command(bin, "demo", "--http", addr, "--devices", "20")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var url string
	deadline := time.After(60 * time.Second)
	for url == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("eddy demo exited before printing the dashboard URL")
			}
			if m := regexp.MustCompile(`dashboard: (http://\S+)`).FindStringSubmatch(l); m != nil {
				url = m[1]
			}
		case <-deadline:
			t.Fatal("no dashboard URL within 60s")
		}
	}
	get := func(path string, v any) error {
		resp, err := http.Get(strings.TrimSuffix(url, "/") + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		if v == nil {
			return nil
		}
		return json.Unmarshal(b, v)
	}
	if err := get("/", nil); err != nil {
		t.Fatalf("dashboard page: %v", err)
	}
	testenv.WaitFor(t, 60*time.Second, func() bool {
		var agents []struct {
			Agent  string `json:"agent"`
			Online bool   `json:"online"`
		}
		if get("/v1/agents", &agents) != nil {
			return false
		}
		online := 0
		for _, a := range agents {
			if a.Online {
				online++
			}
		}
		return online == 2
	}, "both demo agents online in the registry")
	testenv.WaitFor(t, 60*time.Second, func() bool {
		var v struct {
			Rows []struct {
				Site     string  `json:"site"`
				Readings float64 `json:"readings"`
			} `json:"rows"`
		}
		if get("/v1/views/site_stats", &v) != nil {
			return false
		}
		sites := map[string]bool{}
		for _, r := range v.Rows {
			if r.Readings > 0 {
				sites[r.Site] = true
			}
		}
		return sites["plant-a"] && sites["plant-b"]
	}, "fleet results of both plants")

	testenv.WaitFor(t, 60*time.Second, func() bool {
		var alerts []struct {
			Rule  string `json:"rule"`
			State string `json:"state"`
		}
		if get("/v1/alerts", &alerts) != nil {
			return false
		}
		for _, a := range alerts {
			if a.Rule == "site_hot" && a.State == "firing" {
				return true
			}
		}
		return false
	}, "an alert fires")

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		exited = true
		if err != nil {
			t.Fatalf("eddy demo did not stop cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("eddy demo did not stop within 30s of SIGINT")
	}
}
