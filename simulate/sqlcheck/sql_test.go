// Package sqlcheck checks that simulate.SQL is Eddy SQL. It is a package of
// its own so that the generator's tests do not depend on the SQL front end.
package sqlcheck

import (
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/simulate"
	"github.com/eddy-iot/eddy/sql"
)

func TestSQLParses(t *testing.T) {
	for _, tc := range []struct {
		cfg    simulate.Config
		window int64
		want   []string
	}{
		{simulate.Config{Devices: 1, Readings: 1, Disorder: 2000}, 60000,
			[]string{"INTERVAL '2' SECOND", "INTERVAL '1' MINUTE", "'sensors/{site}/{device}/telemetry'"}},
		{simulate.Config{Devices: 1, Readings: 1, Disorder: 2500, TopicPrefix: "plant's/a"}, 3600000,
			[]string{"INTERVAL '2500' MILLISECOND", "INTERVAL '1' HOUR", "plant''s/a/{site}"}},
		{simulate.Config{Devices: 1, Readings: 1}, 10, []string{"INTERVAL '0' MILLISECOND", "INTERVAL '10' MILLISECOND"}},
	} {
		src := simulate.SQL(tc.cfg, tc.window)
		stmts, err := sql.Parse(src)
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		if len(stmts) != 2 {
			t.Fatalf("%d statements, want a source and a view:\n%s", len(stmts), src)
		}
		cat := sql.NewCatalog()
		if errs := cat.Exec("simulate.sql", src); len(errs) > 0 {
			t.Fatalf("does not bind: %v\n%s", errs, src)
		}
		src2 := cat.Source(simulate.SourceName)
		if src2 == nil || src2.Watermark == nil || src2.Watermark.OutOfOrderness.Milliseconds() != tc.cfg.Disorder {
			t.Fatalf("source %+v: want a watermark %d ms behind", src2, tc.cfg.Disorder)
		}
		v := cat.View(simulate.ViewName)
		if v == nil || v.Window == nil || v.Window.Size.Milliseconds() != tc.window || len(v.Aggregates) != 4 {
			t.Fatalf("view %+v: want tumbling windows of %d ms and 4 aggregates", v, tc.window)
		}
		for _, w := range tc.want {
			if !strings.Contains(sql.Format(stmts), w) {
				t.Errorf("canonical form lacks %q:\n%s", w, sql.Format(stmts))
			}
		}
	}
}
