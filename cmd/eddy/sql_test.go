package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSQL(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodSQL = `CREATE SOURCE orders (merchant_id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.servers = 'localhost:9092', format = 'json');
CREATE MATERIALIZED VIEW order_summary AS
  SELECT merchant_id, COUNT(*) AS order_count FROM TUMBLE(orders, ts, INTERVAL '1' MINUTE) GROUP BY merchant_id;
CREATE SINK out FROM order_summary WITH (connector = 'print');
`

func TestSQLCheck(t *testing.T) {
	good := writeSQL(t, "good.sql", goodSQL)
	var out, errb bytes.Buffer
	if code := run([]string{"sql", "check", good}, &out, &errb); code != 0 || out.Len() != 0 || errb.Len() != 0 {
		t.Fatalf("check good: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}

	bad := writeSQL(t, "bad.sql", `CREATE SOURCE s (device VARCHAR, temp DOUBLE) WITH (connector = 'mqtt', topic = 'a/{device}', qos = 5);
CREATE MATERIALIZED VIEW v AS SELECT devise, avg(temp) FROM s GROUP BY devise;
CREATE SOURCE t (x INT) WITH (connector = 'mqtt', topic = 't');
CREATE MATERIALIZED VIEW w AS SELECT x, temp FROM t;
`)
	out.Reset()
	errb.Reset()
	if code := run([]string{"sql", "check", bad}, &out, &errb); code != 1 {
		t.Fatalf("check bad: exit %d, stderr %q", code, errb.String())
	}
	want := bad + `:1:101: option 'qos' = '5' must be one of '0', '1', '2', 'at_most_once', 'at_least_once', 'exactly_once'
` + bad + `:4:41: unknown column "temp" in source "t" (columns: x)
`
	if errb.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errb.String(), want)
	}

	// Several files are one pipeline; a missing file is reported.
	views := writeSQL(t, "views.sql", `CREATE SINK again FROM order_summary WITH (connector = 'print');`)
	errb.Reset()
	if code := run([]string{"sql", "check", good, views}, &out, &errb); code != 0 {
		t.Fatalf("check two files: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"sql", "check", filepath.Join(t.TempDir(), "nope.sql")}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "nope.sql") {
		t.Errorf("missing file: exit %d, stderr %q", code, errb.String())
	}
	if code := run([]string{"sql", "check"}, &out, &errb); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
	if code := run([]string{"sql", "frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown subcommand: exit %d", code)
	}
}

func TestSQLExplain(t *testing.T) {
	good := writeSQL(t, "good.sql", goodSQL)
	var out, errb bytes.Buffer
	if code := run([]string{"sql", "explain", "-name", "out", good}, &out, &errb); code != 0 {
		t.Fatalf("explain: exit %d: %s", code, errb.String())
	}
	want := `Source orders: kafka topic=orders format=json columns=(merchant_id VARCHAR, ts TIMESTAMP) watermark=ts - 5s
Window: TUMBLE(ts, size=1m0s)  watermark: ts - 5s  allowed lateness: 0s
Aggregate: group by merchant_id; count(*)
Project: merchant_id, count(*) AS order_count
Emit: on window close
Materialized view order_summary: columns=(merchant_id VARCHAR, order_count BIGINT)
Sink out: print
`
	if out.String() != want {
		t.Errorf("explain -name out:\n%s\nwant:\n%s", out.String(), want)
	}

	// Without -name: the view's plan, a blank line, the sink's.
	out.Reset()
	if code := run([]string{"sql", "explain", good}, &out, &errb); code != 0 {
		t.Fatalf("explain: exit %d: %s", code, errb.String())
	}
	i := strings.Index(want, "Sink out")
	if out.String() != want[:i]+"\n"+want {
		t.Errorf("explain:\n%s", out.String())
	}

	bad := writeSQL(t, "bad.sql", "CREATE SOURCE s (a INT) WITH (connector = 'mqtt');\n")
	out.Reset()
	errb.Reset()
	if code := run([]string{"sql", "explain", bad}, &out, &errb); code != 1 || out.Len() != 0 ||
		errb.String() != bad+":1:1: mqtt source 's' needs option 'topic', as in WITH (..., topic = '...')\n" {
		t.Errorf("explain bad: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
