// Package archtest holds the test that keeps docs/ARCHITECTURE.md's
// dependency rule true: it reads the import graph of the module with
// `go list` and fails on an import that points the wrong way.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/eddy-iot/eddy"

// rules: a package under the prefix must not import a package under any of
// the listed prefixes (module-relative). Tests are not checked: a test may
// reach across to prove a contract (edge/dedupe's tests use edge/store).
var rules = []struct {
	pkg    string
	forbid []string
	why    string
}{
	{"windows", []string{"edge", "sync", "sinks", "sql", "agent", "aggregator", "internal/mqttconn", "internal/kafkaconn", "cmd"},
		"the engine is pure computation: no I/O packages, no layers above it"},
	{"sql", []string{"edge", "sync", "sinks", "agent", "aggregator", "internal/mqttconn", "internal/kafkaconn", "cmd"},
		"SQL describes connectors, it does not open them"},
	{"edge", []string{"sync", "sinks", "agent", "aggregator", "cmd"},
		"edge ingests and owns the state; it does not know the cloud contract or outputs"},
	{"sync", []string{"edge", "sinks", "agent", "aggregator", "cmd"},
		"sync owns the edge↔cloud contract and drains an outbox interface"},
	{"sinks", []string{"edge", "sync", "agent", "aggregator", "cmd"},
		"sinks are outputs"},
	{"internal", []string{"windows", "edge", "sync", "sinks", "sql", "agent", "aggregator", "cmd"},
		"internal packages are leaves"},
	{"alerts", []string{"edge", "sync", "sinks", "agent", "aggregator", "internal/mqttconn", "internal/kafkaconn", "cmd"},
		"the alert engine is pure computation over view rows"},
	{"simulate", []string{"edge", "sync", "sinks", "sql", "windows", "agent", "aggregator", "cmd"},
		"the device simulator must compute its expectations independently of the engine it checks"},
	{"agent", []string{"cmd", "aggregator"}, "composition roots do not import each other or cmd"},
	{"aggregator", []string{"cmd", "agent"}, "composition roots do not import each other or cmd"},
	{"demo", []string{"cmd"}, "the demo composes the roots; cmd only calls it"},
	{"firmware-examples", everything, "device code stands alone: its tests drive it from the outside"},
	{"packaging", everything, "the packages are tested from the outside, as installed"},
}

// everything is every top-level package folder of the module.
var everything = []string{"windows", "sql", "edge", "sync", "sinks", "alerts", "agent", "aggregator", "demo",
	"simulate", "internal", "cmd"}

func under(rel, prefix string) bool {
	return rel == prefix || strings.HasPrefix(rel, prefix+"/")
}

// violations returns one message per import in graph (package → its
// module-relative imports) that breaks a rule.
func violations(graph map[string][]string) []string {
	var out []string
	for rel, imps := range graph {
		if under(rel, "internal/archtest") || under(rel, "internal/testenv") {
			continue
		}
		for _, dep := range imps {
			for _, r := range rules {
				if !under(rel, r.pkg) {
					continue
				}
				for _, f := range r.forbid {
					if under(dep, f) {
						out = append(out, rel+" imports "+dep+": "+r.why)
					}
				}
			}
		}
	}
	return out
}

func TestViolationsFindsWrongWayImports(t *testing.T) {
	got := violations(map[string][]string{
		"windows":     {"edge/store"},
		"edge/ingest": {"internal/mqttconn", "windows"},
		"sync/wire":   {"windows"},
		"sinks/kafka": {"sync/wire"},
		"agent":       {"edge/store", "sync/forward", "cmd/eddy"},
		"windowsx":    {"edge"}, // a prefix of a name is not the package
	})
	if len(got) != 3 {
		t.Fatalf("got %d violations, want 3 (windows→edge, sinks→sync, agent→cmd): %q", len(got), got)
	}
}

func TestDependenciesPointDownward(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	graph := map[string][]string{}
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") {
				graph[rel] = append(graph[rel], strings.TrimPrefix(imp, module+"/"))
			}
		}
		if _, ok := graph[rel]; !ok {
			graph[rel] = nil
		}
	}
	if len(graph) < 10 {
		t.Fatalf("go list returned %d packages; the check saw too little to mean anything", len(graph))
	}
	for _, v := range violations(graph) {
		t.Errorf("%s (docs/ARCHITECTURE.md, dependency rule)", v)
	}
}
