package configdoc_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/aggregator"
	"github.com/eddy-iot/eddy/internal/configdoc"
)

var update = flag.Bool("update", false, "rewrite docs/CONFIG.md")

const (
	module  = "github.com/eddy-iot/eddy"
	root    = "../.."
	docPath = "../../docs/CONFIG.md"
)

const preamble = `# Configuration reference

<!-- Generated from the config structs by internal/configdoc; do not edit.
     Regenerate with: go generate ./internal/configdoc -->

Eddy reads one YAML file per process: ` + "`eddy agent --config agent.yaml`" + ` on a gateway and
` + "`eddy aggregator --config central.yaml`" + ` centrally (the .deb installs ` + "`/etc/eddy/agent.yaml`" + ` and
` + "`/etc/eddy/aggregator.yaml`" + `). Unknown keys and wrong types are errors that name the file and line; every
other problem is reported at once, each saying what to change. Defaults below are what the loader fills in
for a key that is absent; relative paths (` + "`data_dir`" + `, ` + "`file`" + `) are relative to the working directory,
except program files, which are relative to the configuration file.

This page is generated from the Go structs (` + "`agent.Config`" + `, ` + "`aggregator.Config`" + `) and their doc
comments, and a test fails when it is out of date. Deployment advice is in [DEPLOY.md](DEPLOY.md).
`

// render builds the page from the structs as the loaders fill them for a
// minimal file.
func render(t *testing.T) []byte {
	t.Helper()
	ac, err := agent.ParseConfig([]byte("id: <id>\n"), "agent.yaml")
	if err != nil {
		t.Fatalf("minimal agent config: %v", err)
	}
	gc, err := aggregator.ParseConfig([]byte("kafka: {brokers: ['kafka:9092']}\n"), "central.yaml")
	if err != nil {
		t.Fatalf("minimal aggregator config: %v", err)
	}
	var b bytes.Buffer
	err = configdoc.Render(&b, preamble, configdoc.NewComments(module, root),
		configdoc.Section{
			Title: "Agent: `eddy agent --config agent.yaml`",
			Intro: "Loaded by `agent.LoadConfig`. The smallest valid file is `id: gw-1` (no broker: nothing to " +
				"read yet). A default shown as `eddy-<id>` is built from `id`.",
			Value: ac, Examples: []string{"id"},
		},
		configdoc.Section{
			Title: "Aggregator: `eddy aggregator --config central.yaml`",
			Intro: "Loaded by `aggregator.LoadConfig`; `eddy aggregator --config FILE --check` also compiles the " +
				"fleet views and exits. The smallest valid file names the Kafka brokers: " +
				"`kafka: {brokers: ['kafka1:9092']}`.",
			Value: gc, Examples: []string{"kafka.brokers"},
		})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestConfigDocUpToDate fails when docs/CONFIG.md is not what the config
// structs render to; -update rewrites it.
func TestConfigDocUpToDate(t *testing.T) {
	got := render(t)
	if *update {
		if err := os.WriteFile(docPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v: run go generate ./internal/configdoc", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("docs/CONFIG.md is out of date with the config structs (first difference at line %d):\n"+
					"  file:      %s\n  generated: %s\nrun: go generate ./internal/configdoc", i+1, w, g)
			}
		}
	}
}

// TestEveryKeyDocumented: each key of both files appears in the page, so a
// new field cannot be missed by the walker (inline fields, pointers, lists).
func TestEveryKeyDocumented(t *testing.T) {
	page := string(render(t))
	for _, k := range []string{
		"`id`", "`data_dir`", "`mqtt.brokers`", "`mqtt.queue_size`", "`mqtt.ca_file`", "`pipelines[].file`",
		"`store.max_size`", "`store.max_payload`", "`sync.kafka.brokers`", "`sync.kafka.tls.ca_file`",
		"`sync.kafka.sasl.mechanism`", "`sync.outbox_quota`", "`sync.policy`", "`http.token_file`",
		"`control.trusted_keys`", "`control.topic_prefix`", "`log.format`",
		"`kafka.group_id`", "`kafka.sasl.password`", "`views[].sql`", "`retention`", "`store.max_size_mb`",
	} {
		if !strings.Contains(page, "| "+k+" |") {
			t.Errorf("no row for %s", k)
		}
	}
}

func TestCommentsOfFieldsAndDefaults(t *testing.T) {
	page := string(render(t))
	for _, want := range []string{
		"| `store.max_size` | size (`1048576`, `512KiB`, `64MiB`, `1GiB`, `10MB`) | `1GiB` |",
		"| `mqtt.client_id` | string | `eddy-<id>` |",
		"| `retention` | duration (`90s`, `5m`, `1h30m`) | `168h` |",
		"| `sync.enabled` | bool | `false` | `enabled` turns the forwarder on",
		"| `store.batch_max_delay` | duration (`90s`, `5m`, `1h30m`) | `50ms` | See `store.batch_max_events` above. |",
		"| `kafka.results_topic` | string | `eddy.results` | default eddy.results |",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<id>` | ID names") {
		t.Error("the example id is shown as a default")
	}
}

func TestRenderRejectsNonStruct(t *testing.T) {
	err := configdoc.Render(&bytes.Buffer{}, "", configdoc.NewComments(module, root), configdoc.Section{Title: "x", Value: 3})
	if err == nil {
		t.Fatal("Render accepted an int")
	}
}
