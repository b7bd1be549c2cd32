package sql

import (
	"strings"
	"testing"
)

// checkRoundTrip fails unless the canonical form of stmts parses back to the
// same canonical form.
func checkRoundTrip(t testing.TB, stmts []Statement) {
	t.Helper()
	canon := Format(stmts)
	again, err := Parse(canon)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, canon)
	}
	if got := Format(again); got != canon {
		t.Fatalf("canonical form is not stable:\nfirst:  %s\nsecond: %s", canon, got)
	}
}

func TestParseStatements(t *testing.T) {
	// f parses src, which must hold one statement, and compares its
	// canonical form with want ("" means src itself).
	f := func(src, want string) {
		t.Helper()
		stmts, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if len(stmts) != 1 {
			t.Fatalf("Parse(%q): %d statements, want 1", src, len(stmts))
		}
		if want == "" {
			want = src
		}
		if got := stmts[0].String(); got != want {
			t.Fatalf("Parse(%q)\n got: %s\nwant: %s", src, got, want)
		}
		checkRoundTrip(t, stmts)
	}

	// The statements of issue 5's "Must show", as written.
	f(`CREATE TABLE orders (merchant_id STRING) WITH ('connector' = 'kafka', 'topic' = 'orders',
   'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json')`,
		`CREATE TABLE orders (merchant_id STRING) WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json')`)
	f(`CREATE TABLE order_summary WITH ('connector'='print') AS SELECT merchant_id, COUNT(*) FROM orders GROUP BY
   merchant_id`,
		`CREATE TABLE order_summary WITH ('connector' = 'print') AS SELECT merchant_id, COUNT(*) FROM orders GROUP BY merchant_id`)
	f(`CREATE SOURCE orders (merchant_id VARCHAR) WITH (connector = 'kafka', topic = 'orders',
   properties.bootstrap.servers = 'localhost:9092', format = 'json');`,
		`CREATE SOURCE orders (merchant_id VARCHAR) WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.servers = 'localhost:9092', format = 'json')`)
	f(`CREATE MATERIALIZED VIEW order_summary AS SELECT merchant_id, COUNT(*) AS order_count FROM orders GROUP BY
   merchant_id;`,
		`CREATE MATERIALIZED VIEW order_summary AS SELECT merchant_id, COUNT(*) AS order_count FROM orders GROUP BY merchant_id`)

	// Sources.
	f(`CREATE SOURCE IF NOT EXISTS t (device VARCHAR, temp DOUBLE PRECISION, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'mqtt', topic = 'sensors/{site}/{device}/telemetry') FORMAT PLAIN ENCODE JSON`, "")
	f(`create stream s (a int not null, b decimal(10,2), c timestamp with time zone, d jsonb, e boolean) with (connector='mqtt', topic='a/b')`,
		`CREATE STREAM s (a INT NOT NULL, b DECIMAL(10, 2), c TIMESTAMP WITH TIME ZONE, d JSONB, e BOOLEAN) WITH (connector = 'mqtt', topic = 'a/b')`)
	f(`CREATE TABLE t (id BIGINT, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL, p AS PROCTIME(), k AS UPPER(id), PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'kafka')`, "")
	f(`CREATE TABLE t (id BIGINT, CONSTRAINT pk PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'kafka')`, "")
	f(`CREATE SOURCE s (v FLOAT, n NUMERIC, x REAL, y SMALLINT, z INTEGER, w TEXT, u TIMESTAMPTZ, q CHARACTER VARYING(10)) INCLUDE key AS k INCLUDE header 'trace' AS tr INCLUDE partition WITH (connector = 'kafka') FORMAT PLAIN ENCODE JSON (force_append_only = 'true')`, "")
	f(`CREATE SOURCE s ("Dev" VARCHAR, `+"`Temp`"+` DOUBLE) WITH (connector = mqtt, qos = 1, retain = TRUE, neg = -5, lat = INTERVAL '5' SECOND, "Q".x = 'y', 'a b' = 'c')`,
		`CREATE SOURCE s ("Dev" VARCHAR, "Temp" DOUBLE) WITH (connector = mqtt, qos = 1, retain = TRUE, neg = -5, lat = INTERVAL '5' SECOND, Q.x = 'y', 'a b' = 'c')`)

	// Views.
	f(`CREATE MATERIALIZED VIEW v AS SELECT device, window_start, avg(temp) AS t FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY device, window_start EMIT ON WINDOW CLOSE`, "")
	f(`CREATE MATERIALIZED VIEW v AS SELECT count(*) FROM TUMBLE(s, ts, INTERVAL '1' MINUTE, INTERVAL '10' SECOND) AS w GROUP BY window_start`, "")
	f(`CREATE MATERIALIZED VIEW v AS SELECT count(*) FROM HOP(s, ts, INTERVAL '10' SECOND, INTERVAL '1' MINUTE) GROUP BY window_start`, "")
	f(`CREATE MATERIALIZED VIEW v AS SELECT device, count(*) FROM SESSION(s, ts, INTERVAL '30 seconds') GROUP BY device`, "")
	f(`CREATE MATERIALIZED VIEW v AS SELECT count(*) FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end`, "")
	f(`CREATE VIEW v AS SELECT item, count(*) FROM TABLE(SESSION(TABLE bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)) GROUP BY item, window_start, window_end`,
		`CREATE VIEW v AS SELECT item, count(*) FROM TABLE(SESSION(TABLE bid PARTITION BY (item), DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)) GROUP BY item, window_start, window_end`)
	f(`CREATE MATERIALIZED VIEW IF NOT EXISTS v WITH (allowed_lateness = '10s', emit_interval = INTERVAL '1' SECOND) AS SELECT a FROM s WHERE a > 1 AND b IS NOT NULL`, "")
	f(`create materialized view v as select d dev, count(*) n from s x group by d having count(*) > 2`,
		`CREATE MATERIALIZED VIEW v AS SELECT d AS dev, count(*) AS n FROM s AS x GROUP BY d HAVING count(*) > 2`)
	f(`CREATE MATERIALIZED VIEW v AS SELECT x.*, * FROM s AS x`, "")

	// Sinks.
	f(`CREATE SINK IF NOT EXISTS k FROM v WITH (connector = 'kafka', topic = 'out', properties.bootstrap.servers = 'b:9092') FORMAT UPSERT ENCODE JSON`, "")
	f(`CREATE SINK k AS SELECT a, count(*) FROM s GROUP BY a WITH (connector = 'print')`, "")
	f(`INSERT INTO out SELECT a, count(*) FROM s GROUP BY a`, "")

	// DROP, SHOW, EXPLAIN.
	f(`DROP SOURCE IF EXISTS s`, "")
	f(`drop materialized view v cascade`, `DROP MATERIALIZED VIEW v CASCADE`)
	f(`DROP SINK k RESTRICT`, `DROP SINK k`)
	f(`DROP TABLE t`, "")
	f(`DROP STREAM t`, "")
	f(`SHOW SOURCES`, "")
	f(`show streams`, `SHOW SOURCES`)
	f(`SHOW MATERIALIZED VIEWS`, "")
	f(`SHOW VIEWS`, `SHOW MATERIALIZED VIEWS`)
	f(`SHOW SINKS`, "")
	f(`SHOW TABLES`, "")
	f(`EXPLAIN CREATE MATERIALIZED VIEW v AS SELECT a FROM s`, "")
	f(`EXPLAIN PLAN FOR SELECT a FROM s`, `EXPLAIN SELECT a FROM s`)
	f(`CREATE TEMPORARY TABLE t (a INT) WITH ('connector' = 'kafka')`, `CREATE TABLE t (a INT) WITH ('connector' = 'kafka')`)
}

func TestParseScript(t *testing.T) {
	src := `
-- sensors
CREATE SOURCE s (device VARCHAR, temp DOUBLE, ts TIMESTAMP) WITH (connector = 'mqtt', topic = 'a/{device}');
/* the view
   over minutes */
CREATE MATERIALIZED VIEW v AS SELECT device, avg(temp) FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY device;;
CREATE SINK k FROM v WITH (connector = 'print')
`
	stmts, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 {
		t.Fatalf("%d statements, want 3", len(stmts))
	}
	if got := stmts[1].Pos(); got.Line != 6 || got.Col != 1 {
		t.Errorf("view at %v, want 6:1", got)
	}
	if !strings.HasPrefix(Format(stmts), "CREATE SOURCE s") {
		t.Errorf("Format: %s", Format(stmts))
	}
	checkRoundTrip(t, stmts)
}
