package sql

import (
	"errors"
	"strings"
	"testing"
)

// seedScripts seed the fuzzers: the statement forms of the tests.
var seedScripts = []string{
	sensors,
	`CREATE SOURCE orders (merchant_id VARCHAR) WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.servers = 'localhost:9092', format = 'json');
CREATE MATERIALIZED VIEW order_summary AS SELECT merchant_id, COUNT(*) AS order_count FROM orders GROUP BY merchant_id;`,
	`CREATE TABLE orders (merchant_id STRING) WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
CREATE TABLE order_summary WITH ('connector'='print') AS SELECT merchant_id, COUNT(*) FROM orders GROUP BY merchant_id`,
	sensors + `CREATE MATERIALIZED VIEW hot AS SELECT device, temp, ts FROM s WHERE temp > 30;
CREATE MATERIALIZED VIEW per_min WITH (allowed_lateness = '10s', emit_interval = INTERVAL '1' SECOND) AS
  SELECT device, window_start, avg(temp) AS t FROM TUMBLE(hot, ts, INTERVAL '1' MINUTE) GROUP BY device, window_start;
CREATE SINK k FROM per_min WITH (connector = 'kafka', topic = 'out', properties.bootstrap.servers = 'b:9092') FORMAT UPSERT ENCODE JSON (primary_key = 'device');
CREATE SINK alerts AS SELECT device, temp FROM hot WHERE temp > 50 WITH (connector = 'mqtt', topic = 'alerts/{device}', qos = 1);
CREATE TABLE out (dev STRING, n BIGINT, mx DOUBLE) WITH ('connector' = 'print');
INSERT INTO out SELECT device, count(*), max(hum) FROM s GROUP BY device;
SHOW SOURCES; SHOW MATERIALIZED VIEWS; SHOW SINKS; SHOW TABLES;
EXPLAIN SELECT device FROM s WHERE ok;
DROP SINK k; DROP SOURCE s CASCADE;`,
	sensors + `CREATE VIEW v AS SELECT device, TUMBLE_START(ts, INTERVAL '1' MINUTE), count(*) FROM s GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE);
CREATE VIEW w AS SELECT count(*) FROM TABLE(SESSION(TABLE s PARTITION BY device, DESCRIPTOR(ts), INTERVAL '5' MINUTES)) GROUP BY device, window_start;
CREATE VIEW x AS SELECT payload->'a'->>'b', payload.a.b, CASE WHEN temp > 1 THEN 'a' ELSE 'b' END, CAST(hum AS DOUBLE), coalesce(temp, 0),
  device IN ('a', 'b'), temp BETWEEN 1 AND 2, device LIKE 'x%', temp IS NOT NULL FROM s;
CREATE VIEW y AS SELECT approx_percentile(0.99) WITHIN GROUP (ORDER BY temp), percentile_cont(0.5) WITHIN GROUP (ORDER BY hum DESC),
  count(DISTINCT device), stddev(temp), variance(temp), approx_count_distinct(device), first_value(temp), last_value(temp)
  FROM HOP(s, ts, INTERVAL '10' SECOND, INTERVAL '1' MINUTE) GROUP BY device HAVING count(*) > 1 EMIT ON WINDOW CLOSE;`,
	`CREATE TABLE t (id BIGINT, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL, p AS PROCTIME(), k AS UPPER(id), PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'kafka')`,
	`CREATE SOURCE s (v FLOAT) INCLUDE key AS k INCLUDE header 'trace' AS tr INCLUDE partition WITH (connector = 'kafka') FORMAT PLAIN ENCODE JSON`,
	`CREATE SOURCE a (x INT WITH (connector = 'mqtt', topic = 'a'); CREATE MATERIALIZED VIEW va AS SELECT x FROM a; DROP SOURCE a;`,
}

func FuzzParse(f *testing.F) {
	for _, s := range seedScripts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := Parse(src)
		if err != nil {
			checkPositioned(t, src, err)
			return
		}
		// What parses prints canonically, and the canonical form parses
		// to itself.
		checkRoundTrip(t, stmts)
	})
}

// checkPositioned: a parse error is a non-empty ErrorList, each error with a
// sentinel, a message, and a position inside src (at most one past its
// end) whose line and column agree with its offset.
func checkPositioned(t *testing.T, src string, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("Parse error %T %v is not an ErrorList", err, err)
	}
	for _, e := range list {
		p := e.Pos
		if e.Err == nil || e.Msg == "" || !p.IsValid() || p.Col < 1 || p.Offset < 0 || p.Offset > len(src) {
			t.Fatalf("error %q: pos %+v, sentinel %v, in %d bytes", e.Error(), p, e.Err, len(src))
		}
		if line := 1 + strings.Count(src[:p.Offset], "\n"); line != p.Line {
			t.Fatalf("error %q: line %d, but offset %d is on line %d", e.Error(), p.Line, p.Offset, line)
		}
	}
}

func FuzzBind(f *testing.F) {
	for _, s := range seedScripts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c := NewCatalog()
		errs := c.Exec("f.sql", src)
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "f.sql:") || e.Err == nil || e.Msg == "" {
				t.Fatalf("malformed error %q (%v)", e.Error(), e.Err)
			}
		}
		// Whatever was defined can be explained and shown.
		for _, p := range c.Plan() {
			if len(p) == 0 {
				t.Fatal("empty plan")
			}
		}
		for _, k := range []ObjectKind{ObjectSource, ObjectView, ObjectSink, ObjectTable} {
			c.Show(k)
		}
	})
}
