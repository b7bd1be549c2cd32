package yamlerr

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestLines(t *testing.T) {
	var v struct {
		ID   string   `yaml:"id"`
		Tags []string `yaml:"tags"`
		N    int      `yaml:"n"`
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte("id: a\nidd: b\ntags: x\nn: many\n")))
	dec.KnownFields(true)
	err := dec.Decode(&v)
	if err == nil {
		t.Fatal("decode accepted an unknown key and wrong types")
	}
	got := Lines("agent.yaml", "docs/CONFIG.md", err)
	for _, want := range []string{
		`agent.yaml:2: unknown key "idd" (check the spelling; see docs/CONFIG.md)`,
		"agent.yaml:3: ", "a list",
		"agent.yaml:4: ", "text",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "!!") || strings.Contains(got, "unmarshal errors") || strings.Contains(got, ": yaml: ") {
		t.Errorf("YAML jargon left in:\n%s", got)
	}
	// An error without a line keeps the file name.
	if got := Lines("f.yaml", "x", yamlErrorNoLine{}); got != "f.yaml: bad" {
		t.Errorf("got %q", got)
	}
}

type yamlErrorNoLine struct{}

func (yamlErrorNoLine) Error() string { return "yaml: bad" }
