package alerts

import (
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/sql"
	"github.com/eddy-iot/eddy/windows"
)

// siteTemp is the view most tests watch.
var siteTempCols = []sql.Column{
	{Name: "site", Type: sql.TypeString},
	{Name: "device", Type: sql.TypeString},
	{Name: "p95_temp", Type: sql.TypeFloat},
	{Name: "ts", Type: sql.TypeTimestamp},
}

var testViews = Views{"site_temp": siteTempCols}

var siteTempNames = []string{"site", "device", "p95_temp", "ts"}

func row(site, device string, temp float64, ts int64) []windows.Value {
	return []windows.Value{windows.String(site), windows.String(device), windows.Float(temp), windows.Int(ts)}
}

const sec = int64(1000)
const minute = 60 * sec

// t0 is a fixed start time, so that no test reads the clock.
const t0 = int64(1_760_000_000_000)

// mustEngine parses YAML rules and builds an engine over testViews.
func mustEngine(t testing.TB, yamlText string) *Engine {
	t.Helper()
	rules, err := ParseRules([]byte(yamlText), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rules, testViews)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// states renders the alerts as "id=state" lines.
func states(e *Engine) string {
	var b strings.Builder
	for _, a := range e.Alerts() {
		b.WriteString(a.ID + "=" + a.State.String() + "\n")
	}
	return b.String()
}

// notes renders notifications as "state id value" lines.
func notes(ns []Notification) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.State.String() + " " + n.Alert + " " + n.ValueText)
		if n.Repeat > 0 {
			b.WriteString(" repeat")
		}
		b.WriteByte('\n')
	}
	return b.String()
}
