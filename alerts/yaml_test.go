package alerts

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRules(t *testing.T) {
	rules, err := ParseRules([]byte(`
rules:
  - name: hot_site
    view: site_temp
    group_by: [site]
    condition: "p95_temp > 40"
    clear: |
      p95_temp < 37
    for: 5m
    renotify: 2d
    severity: critical
    summary: a site is too hot
    labels: {team: facilities}
    notify: [ops, pager]
  - name: outbox
    kind: outbox
    limit: 100MiB
`), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := rules[0]
	if r.Name != "hot_site" || r.Condition != "p95_temp > 40" || r.Clear != "p95_temp < 37" || r.For != 5*time.Minute ||
		r.Renotify != 48*time.Hour || r.Severity != "critical" || r.Labels["team"] != "facilities" || len(r.Notify) != 2 ||
		r.At.Line != 3 || r.At.File != "rules.yaml" {
		t.Fatalf("%+v", r)
	}
	if rules[1].Limit != 100<<20 {
		t.Fatalf("%+v", rules[1])
	}
	if _, err := New(rules, testViews); err != nil {
		t.Fatal(err)
	}
}

// TestRuleErrors: every mistake names file:line (and the column inside an
// expression) and says what to write.
func TestRuleErrors(t *testing.T) {
	f := func(text, want string) {
		t.Helper()
		rules, err := ParseRules([]byte(text), "rules.yaml")
		if err == nil {
			_, err = New(rules, testViews)
		}
		if err == nil {
			t.Fatalf("no error for\n%s", text)
		}
		if !errors.Is(err, ErrRule) {
			t.Fatalf("%v does not wrap ErrRule", err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error\n  %v\ndoes not contain\n  %s", err, want)
		}
	}
	f("", "rules.yaml: empty rule file")
	f("rules: []\n", "rules.yaml: no rules")
	f("rulez:\n  - name: x\n", `rules.yaml:1: unknown key "rulez"`)
	f("rules:\n  - name: x\n    view: site_temp\n    conditon: p95_temp > 1\n", `rules.yaml:4: unknown key "conditon"`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1\n    for: 5 minutes\n", `rules.yaml:5: "5 minutes" is not a duration`)
	f("rules:\n  - name: x\n    kind: outbox\n    limit: lots\n", `rules.yaml:4: "lots" is not a size`)
	f("rules:\n  - name: x\n    view: site_temp\n    group_by: site\n    condition: p95_temp > 1\n", "rules.yaml:4:")
	f("rules:\n  - name: x\n    view: site_temp\n    condition: [a, b]\n", "rules.yaml:4: condition must be text")
	f("rules:\n  - name: x\n    view: site_temp\n", `rules.yaml:2: rule "x": a threshold rule needs a condition`)
	f("rules:\n  - view: site_temp\n    condition: p95_temp > 1\n", "rules.yaml:2: rule \"\": a rule needs a name")
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1\n",
		`rules.yaml:5: rule "x": the name is taken by the rule at line 2`)
	f("rules:\n  - name: x\n    kind: treshold\n    view: v\n", `unknown kind "treshold"`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1\n    severity: urgent\n", `severity "urgent" is not one of info, warning, critical`)
	f("rules:\n  - name: x\n    kind: absence\n    view: site_temp\n", "an absence rule needs for")
	f("rules:\n  - name: x\n    kind: absence\n    view: site_temp\n    for: 1m\n    condition: p95_temp > 1\n", "an absence rule has no condition")
	f("rules:\n  - name: x\n    kind: outbox\n", "kind outbox needs limit")
	f("rules:\n  - name: x\n    kind: rate\n    view: site_temp\n    condition: rate > 1\n", "a rate rule needs value")
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1\n    labels: {rule: a}\n", `label "rule" is reserved`)
	// Against the view's columns: the column inside the expression.
	f("rules:\n  - name: x\n    view: site_tmp\n    condition: p95_temp > 1\n", `rules.yaml:2: rule "x": unknown view "site_tmp" (known: site_temp)`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p59_temp > 1\n", `rules.yaml:4:16: rule "x": condition: unknown column "p59_temp"`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: 'site = 1 AND p59_temp > 1'\n", `rules.yaml:4:30: rule "x": condition: unknown column "p59_temp"`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1\n    clear: |\n      p95_temp < 1 AND\n      nope\n", `rules.yaml:7: rule "x": clear: unknown column "nope"`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp >\n", `rules.yaml:4:`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp + 1\n", `rules.yaml:4:16: rule "x": condition: "p95_temp + 1" is DOUBLE, not true or false`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: max(p95_temp) > 1\n", `aggregates`)
	f("rules:\n  - name: x\n    view: site_temp\n    where: site\n    condition: p95_temp > 1\n", `where: "site" is VARCHAR`)
	f("rules:\n  - name: x\n    view: site_temp\n    group_by: [sit]\n    condition: p95_temp > 1\n", `group_by column "sit" is not a column of view "site_temp" (columns: site, device, p95_temp, ts)`)
	f("rules:\n  - name: x\n    kind: rate\n    view: site_temp\n    value: site\n    condition: rate > 1\n", `a rate needs a number`)
	f("rules:\n  - name: x\n    view: site_temp\n    condition: p95_temp > 1; DROP SOURCE site_temp\n", `rules.yaml:4:`)
}
