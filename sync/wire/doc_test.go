package wire

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/windows"
)

// docPath is the contract page whose examples these tests hold to the code.
const docPath = "../../docs/results-topic.md"

// docBlock returns the JSON code block that follows the marker
// "<!-- wire-test: name -->" in the contract page, compacted.
func docBlock(t *testing.T, name string) []byte {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- wire-test: " + name + " -->\n```json\n"
	_, rest, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("%s: marker %q not found", docPath, marker)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("%s: code block after %q not closed", docPath, marker)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, []byte(block)); err != nil {
		t.Fatalf("%s: example %s is not JSON: %v", docPath, name, err)
	}
	return out.Bytes()
}

// docExampleResult is the row the page shows: view temp_1m on gw-017 over
// four readings, with the aggregates' real states.
func docExampleResult(t *testing.T) *Result {
	t.Helper()
	readings := []float64{20.5, 21.25, 22.5, 21.75}
	var aggs []Agg
	for _, c := range []struct{ name, fn string }{
		{"n", "count"}, {"avg_temp", "avg"}, {"min_temp", "min"}, {"max_temp", "max"}, {"p95_temp", "approx_percentile"},
	} {
		var args windows.AggArgs
		if c.fn == "approx_percentile" {
			args.Quantiles = []float64{0.95}
		}
		a, err := windows.NewAggregate(c.fn, args)
		if err != nil {
			t.Fatal(err)
		}
		s := a.NewState()
		for _, r := range readings {
			s.Add(windows.Float(r), 0)
		}
		ag, _ := AggOf(c.name, a.Name(), s, nil)
		aggs = append(aggs, ag)
	}
	return &Result{Agent: "gw-017", View: "temp_1m", Windowed: true,
		WindowStart: 1795608000000, WindowEnd: 1795608060000, Revision: 1, Final: true,
		Keys: []Column{{"site", windows.String("plant-a")}, {"device", windows.String("t-0042")}},
		Aggs: aggs}
}

// The example row in docs/results-topic.md is byte for byte what AppendJSON
// writes for the row it describes: field names, order and formats.
func TestDocExampleRow(t *testing.T) {
	want := docBlock(t, "result-row")
	got := AppendJSON(nil, docExampleResult(t))
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/results-topic.md example row differs from sync/wire's output:\ndoc:  %s\ncode: %s", want, got)
	}
}

var docFieldRow = regexp.MustCompile("(?m)^\\| `([a-z_<>]+)` \\|")

// Every fixed field, every mergeable suffix and every checkpoint field has a
// row in the page's tables.
func TestDocFieldTables(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range docFieldRow.FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	need := []string{"agent", "view", "window_start", "window_end", "revision", "final",
		"<agg>__count", "<agg>__sum", "<agg>__sumsq", "<agg>__min", "<agg>__max", "<agg>__state"}
	for k := range Reserved {
		if !slices.Contains(need, k) {
			t.Errorf("reserved field %s is not among the fixed fields this test checks", k)
		}
	}
	cp, err := json.Marshal(&Checkpoint{LastError: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(cp, &fields); err != nil {
		t.Fatal(err)
	}
	for k := range fields {
		need = append(need, k)
	}
	for _, k := range need {
		if !slices.Contains(documented, k) {
			t.Errorf("docs/results-topic.md has no table row for `%s`", k)
		}
	}
}

// The example checkpoint decodes into Checkpoint with no unknown field and
// names every field Checkpoint writes.
func TestDocExampleCheckpoint(t *testing.T) {
	b := docBlock(t, "checkpoint")
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Checkpoint
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docs/results-topic.md example checkpoint: %v", err)
	}
	if _, err := UnmarshalCheckpoint(b); err != nil {
		t.Fatal(err)
	}
	again, err := MarshalCheckpoint(&c)
	if err != nil {
		t.Fatal(err)
	}
	var docKeys, codeKeys map[string]json.RawMessage
	_ = json.Unmarshal(b, &docKeys)
	_ = json.Unmarshal(again, &codeKeys)
	for k := range codeKeys {
		if _, ok := docKeys[k]; !ok {
			t.Errorf("example checkpoint lacks %q", k)
		}
	}
	if !rfc3339ms.MatchString(c.Time) {
		t.Errorf("example time %q is not RFC 3339 UTC with milliseconds", c.Time)
	}
}

var rfc3339ms = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
