package sql

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// sensors is the source most tests read: MQTT with topic captures, a
// JSONB payload and a watermark.
const sensors = `CREATE SOURCE s (device VARCHAR, temp DOUBLE, hum INT, ok BOOLEAN, ts TIMESTAMP, payload JSONB,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'mqtt', topic = 'sensors/{site}/{device}/telemetry');
`

// mustExec runs src on a new catalog and fails on any error.
func mustExec(t *testing.T, src string) *Catalog {
	t.Helper()
	c := NewCatalog()
	if errs := c.Exec("test.sql", src); errs != nil {
		t.Fatalf("Exec:\n%v\nsource:\n%s", errs, src)
	}
	return c
}

func plan(t *testing.T, c *Catalog, name string) string {
	t.Helper()
	lines, ok := c.Explain(name)
	if !ok {
		t.Fatalf("Explain(%q): no such object", name)
	}
	return strings.Join(lines, "\n")
}

func TestIssueExamples(t *testing.T) {
	// RisingWave, as written.
	c := mustExec(t, `CREATE SOURCE orders (merchant_id VARCHAR) WITH (connector = 'kafka', topic = 'orders',
   properties.bootstrap.servers = 'localhost:9092', format = 'json');
CREATE MATERIALIZED VIEW order_summary AS SELECT merchant_id, COUNT(*) AS order_count FROM orders GROUP BY
   merchant_id;`)
	src := c.Source("orders")
	if src == nil || src.Connector != "kafka" || src.Topic != "orders" || src.Options["properties.bootstrap.servers"] != "localhost:9092" {
		t.Fatalf("source: %+v", src)
	}
	v := c.View("order_summary")
	if v == nil || !v.Aggregating || v.Window != nil || len(v.GroupBy) != 1 || len(v.Aggregates) != 1 ||
		v.Aggregates[0].Func != "count" || !v.Aggregates[0].Star || v.Emit != EmitOnUpdate {
		t.Fatalf("view: %+v", v)
	}
	if got := columnList(v.Columns()); got != "merchant_id VARCHAR, order_count BIGINT" {
		t.Errorf("view columns: %s", got)
	}
	want := `Source orders: kafka topic=orders format=json columns=(merchant_id VARCHAR)
Aggregate: group by merchant_id; count(*)
Project: merchant_id, count(*) AS order_count
Emit: on update
Materialized view order_summary: columns=(merchant_id VARCHAR, order_count BIGINT)`
	if got := plan(t, c, "order_summary"); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}

	// Flink, as written.
	c = mustExec(t, `CREATE TABLE orders (merchant_id STRING) WITH ('connector' = 'kafka', 'topic' = 'orders',
   'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
CREATE TABLE order_summary WITH ('connector'='print') AS SELECT merchant_id, COUNT(*) FROM orders GROUP BY
   merchant_id`)
	if c.Source("orders") == nil {
		t.Fatal("Flink source not bound")
	}
	k := c.Sink("order_summary")
	if k == nil || k.Connector != "print" || k.Query == nil || !k.Query.Implicit || k.From != "" ||
		columnList(k.Columns) != "merchant_id VARCHAR, count BIGINT" {
		t.Fatalf("sink: %+v", k)
	}
	if len(c.Views()) != 0 {
		t.Errorf("the query of a sink is listed as a view: %v", c.Views())
	}
	if got := c.Show(ObjectTable); strings.Join(got, ",") != "orders,order_summary" {
		t.Errorf("SHOW TABLES: %v", got)
	}
}

func TestStatements(t *testing.T) {
	c := mustExec(t, sensors+`
CREATE MATERIALIZED VIEW hot AS SELECT device, temp, ts FROM s WHERE temp > 30;
CREATE MATERIALIZED VIEW per_min WITH (allowed_lateness = '10s', emit_interval = INTERVAL '1' SECOND) AS
  SELECT device, window_start, avg(temp) AS t FROM TUMBLE(hot, ts, INTERVAL '1' MINUTE) GROUP BY device, window_start;
CREATE SINK k FROM per_min WITH (connector = 'kafka', topic = 'out', properties.bootstrap.servers = 'b:9092') FORMAT UPSERT ENCODE JSON (primary_key = 'device');
CREATE SINK alerts AS SELECT device, temp FROM hot WHERE temp > 50 WITH (connector = 'mqtt', topic = 'alerts/{device}', qos = 1);
CREATE TABLE out (dev STRING, n BIGINT, mx DOUBLE) WITH ('connector' = 'print');
INSERT INTO out SELECT device, count(*), max(hum) FROM s GROUP BY device;
CREATE SINK IF NOT EXISTS k FROM hot WITH (connector = 'print');
CREATE SOURCE IF NOT EXISTS s (x INT) WITH (connector = 'mqtt', topic = 'x');
SHOW SOURCES; SHOW MATERIALIZED VIEWS; SHOW SINKS; SHOW TABLES;
EXPLAIN SELECT device FROM s WHERE ok;
`)
	names := func(list []string) string { return strings.Join(list, ",") }
	var got []string
	for _, r := range c.Results() {
		got = append(got, names(r.Lines))
	}
	if want := "s|hot,per_min|k,alerts,out|out|" +
		"Source s: mqtt topic=sensors/{site}/{device}/telemetry format=json columns=(device VARCHAR FROM TOPIC {device}, temp DOUBLE, hum BIGINT, ok BOOLEAN, ts TIMESTAMP, payload JSONB, site VARCHAR FROM TOPIC {site}) watermark=ts - 5s," +
		"Filter: ok,Project: device,Emit: every row"; strings.Join(got, "|") != want {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
	}

	// The view over a view gets the source's watermark through it.
	pm := c.View("per_min")
	if pm.FromKind != ObjectView || pm.Window == nil || pm.Window.Size != time.Minute || pm.Emit != EmitOnWindowClose ||
		pm.Options.OutOfOrderness != 5*time.Second || pm.Options.AllowedLateness != 10*time.Second || pm.Options.EmitInterval != time.Second {
		t.Errorf("per_min: %+v window %+v", pm, pm.Window)
	}
	want := `Source s: mqtt topic=sensors/{site}/{device}/telemetry format=json columns=(device VARCHAR FROM TOPIC {device}, temp DOUBLE, hum BIGINT, ok BOOLEAN, ts TIMESTAMP, payload JSONB, site VARCHAR FROM TOPIC {site}) watermark=ts - 5s
Filter: (temp > 30)
Project: device, temp, ts
Emit: every row
Materialized view hot: columns=(device VARCHAR, temp DOUBLE, ts TIMESTAMP)
Window: TUMBLE(ts, size=1m0s)  watermark: ts - 5s  allowed lateness: 10s
Aggregate: group by device; avg(temp)
Project: device, window_start, avg(temp) AS t
Emit: on window close, early results every 1s
Materialized view per_min: columns=(device VARCHAR, window_start TIMESTAMP, t DOUBLE)
Sink k: kafka topic=out primary_key=device properties.bootstrap.servers=b:9092 type=upsert`
	if got := plan(t, c, "k"); got != want {
		t.Errorf("plan of k:\n%s\nwant:\n%s", got, want)
	}
	if k := c.Sink("k"); k.From != "per_min" || k.FromKind != ObjectView || k.Query != nil || k.Options["type"] != "upsert" {
		t.Errorf("k: %+v", k)
	}
	out := c.Sink("out")
	if out == nil || out.Query == nil || columnList(out.Columns) != "dev VARCHAR, n BIGINT, mx DOUBLE" ||
		out.Query.Output[0].Name != "dev" || out.Query.Output[2].Expr.String() != "CAST(max(hum) AS DOUBLE)" {
		t.Fatalf("out: %+v", out)
	}
	if !strings.Contains(out.Definition, "CREATE TABLE out") || !strings.Contains(out.Definition, "INSERT INTO out") {
		t.Errorf("out definition: %s", out.Definition)
	}
	var sinks []string
	for _, k := range c.Sinks() {
		sinks = append(sinks, k.Name)
	}
	if names(sinks) != "k,alerts,out" {
		t.Errorf("Sinks: %v", sinks)
	}

	// DROP in dependency order, then everything is gone.
	if errs := c.Exec("drop.sql", `DROP SINK k; DROP SINK alerts; DROP TABLE out; DROP MATERIALIZED VIEW per_min;
DROP VIEW hot; DROP SOURCE s; DROP SOURCE IF EXISTS s; DROP SINK IF EXISTS nope;`); errs != nil {
		t.Fatal(errs)
	}
	if len(c.Sources())+len(c.Views())+len(c.Sinks())+len(c.SinkTables()) != 0 {
		t.Errorf("left after DROP: %v %v %v", c.Sources(), c.Views(), c.Sinks())
	}

	// CASCADE drops the readers.
	c = mustExec(t, sensors+`CREATE MATERIALIZED VIEW v AS SELECT device FROM s;
CREATE SINK k FROM v WITH (connector = 'print'); DROP SOURCE s CASCADE;`)
	if len(c.Views())+len(c.Sinks()) != 0 {
		t.Errorf("CASCADE left %v %v", c.Views(), c.Sinks())
	}
}

func TestFlinkKafkaSinkTable(t *testing.T) {
	// Flink declares a Kafka table the same way for reading and writing:
	// INSERT INTO makes it a sink.
	c := mustExec(t, sensors+`
CREATE TABLE kout (device STRING, n BIGINT, PRIMARY KEY (device) NOT ENFORCED) WITH ('connector' = 'kafka', 'topic' = 'kout',
  'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json');
INSERT INTO kout SELECT device, count(*) FROM s GROUP BY device;`)
	if c.Source("kout") != nil {
		t.Error("kout is still a source")
	}
	k := c.Sink("kout")
	if k == nil || k.Connector != "kafka" || k.Options["primary_key"] != "device" || k.Query.From != "s" {
		t.Fatalf("kout: %+v", k)
	}
}

func TestWindows(t *testing.T) {
	// f binds a view over sensors and compares its window and its plan's
	// window line.
	f := func(query, want string) {
		t.Helper()
		c := mustExec(t, sensors+"CREATE MATERIALIZED VIEW v AS "+query)
		v := c.View("v")
		if v.Window == nil {
			t.Fatalf("%s: no window", query)
		}
		var line string
		for _, l := range strings.Split(plan(t, c, "v"), "\n") {
			if strings.HasPrefix(l, "Window:") {
				line = l
			}
		}
		if line != want {
			t.Fatalf("%s\n got: %s\nwant: %s", query, line, want)
		}
	}
	f(`SELECT device, window_start, window_end, count(*) FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY device, window_start, window_end`,
		`Window: TUMBLE(ts, size=1m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT count(*) FROM TUMBLE(s, ts, INTERVAL '1' HOUR, INTERVAL '15' MINUTE) GROUP BY window_start`,
		`Window: TUMBLE(ts, size=1h0m0s, offset=15m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT device, max(temp) FROM HOP(s, ts, INTERVAL '10' SECOND, INTERVAL '1' MINUTE) GROUP BY device`,
		`Window: HOP(ts, slide=10s, size=1m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT device, count(*) FROM SESSION(s, ts, INTERVAL '30 seconds') GROUP BY device`,
		`Window: SESSION(ts, gap=30s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT count(*) FROM TABLE(TUMBLE(TABLE s, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end`,
		`Window: TUMBLE(ts, size=10m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT device, count(*) FROM TABLE(SESSION(TABLE s PARTITION BY device, DESCRIPTOR(ts), INTERVAL '5' MINUTES)) GROUP BY device, window_start, window_end`,
		`Window: SESSION(ts, gap=5m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	// Flink's legacy group windows.
	f(`SELECT device, TUMBLE_START(ts, INTERVAL '1' MINUTE) AS ws, TUMBLE_END(ts, INTERVAL '1' MINUTE), sum(hum) FROM s GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)`,
		`Window: TUMBLE(ts, size=1m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT HOP_END(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE), count(*) FROM s GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)`,
		`Window: HOP(ts, slide=1m0s, size=5m0s)  watermark: ts - 5s  allowed lateness: 0s`)
	f(`SELECT device, SESSION_START(ts, INTERVAL '1' MINUTE), count(*) FROM s GROUP BY SESSION(ts, INTERVAL '1' MINUTE), device`,
		`Window: SESSION(ts, gap=1m0s)  watermark: ts - 5s  allowed lateness: 0s`)

	// Options of windowed views.
	c := mustExec(t, sensors+`CREATE MATERIALIZED VIEW v WITH (out_of_orderness = '2s', allowed_lateness = '1 minute', idle_timeout = '30s',
 session_max_duration = '1h') AS SELECT device, count(*) FROM SESSION(s, ts, INTERVAL '5' MINUTE) GROUP BY device EMIT ON WINDOW CLOSE`)
	if !strings.Contains(plan(t, c, "v"), "Window: SESSION(ts, gap=5m0s)  watermark: ts - 2s  allowed lateness: 1m0s  idle timeout: 30s  session max duration: 1h0m0s") {
		t.Errorf("plan:\n%s", plan(t, c, "v"))
	}
	// Processing time.
	c = mustExec(t, `CREATE TABLE p (device STRING, pt AS PROCTIME()) WITH ('connector' = 'mqtt', 'topic' = 'a/b');
CREATE VIEW v AS SELECT device, count(*) FROM TUMBLE(p, pt, INTERVAL '1' MINUTE) GROUP BY device;`)
	if w := c.View("v").Window; !w.ProcessingTime {
		t.Errorf("window %+v", w)
	}
}

// fExpr binds expr as the one select item of a view over sensors and
// compares the bound expression and its type.
func fExpr(t *testing.T, expr, want string, typ Type) {
	t.Helper()
	c := NewCatalog()
	if errs := c.Exec("e.sql", sensors+"CREATE MATERIALIZED VIEW v AS SELECT "+expr+" AS x FROM s"); errs != nil {
		t.Fatalf("%s: %v", expr, errs)
	}
	o := c.View("v").Output[0]
	if got := o.Expr.String(); got != want || o.Type != typ {
		t.Fatalf("%s\n got: %s %v\nwant: %s %v", expr, got, o.Type, want, typ)
	}
}

func TestExpressions(t *testing.T) {
	f := func(expr, want string, typ Type) { t.Helper(); fExpr(t, expr, want, typ) }
	// Arithmetic.
	f(`temp * 1.8 + 32`, `((temp * 1.8) + 32)`, TypeFloat)
	f(`hum / 2`, `(hum / 2)`, TypeInt)
	f(`hum % 3 - -1`, `((hum % 3) - -1)`, TypeInt)
	f(`-temp`, `(-temp)`, TypeFloat)
	f(`ts - INTERVAL '5' SECOND`, `(ts - INTERVAL '5000' MILLISECOND)`, TypeTimestamp)
	// Comparisons and logic.
	f(`temp >= 20 AND hum <> 3 OR NOT ok`, `(((temp >= 20) AND (hum <> 3)) OR (NOT ok))`, TypeBool)
	f(`ts > '2024-01-01 00:00:00'`, `(ts > TIMESTAMP '2024-01-01 00:00:00.000')`, TypeBool)
	f(`device IN ('a', 'b')`, `(device IN ('a', 'b'))`, TypeBool)
	f(`hum NOT IN (1, 2)`, `(hum NOT IN (1, 2))`, TypeBool)
	f(`temp BETWEEN 10 AND 20.5`, `(temp BETWEEN 10 AND 20.5)`, TypeBool)
	f(`device LIKE 'dev-%'`, `(device LIKE 'dev-%')`, TypeBool)
	f(`device NOT ILIKE 'X%'`, `(device NOT ILIKE 'X%')`, TypeBool)
	f(`temp IS NULL`, `(temp IS NULL)`, TypeBool)
	f(`temp IS NOT NULL`, `(temp IS NOT NULL)`, TypeBool)
	f(`ok IS NOT TRUE`, `(ok IS NOT TRUE)`, TypeBool)
	// CASE, CAST, COALESCE.
	f(`CASE WHEN temp > 30 THEN 'hot' WHEN temp < 0 THEN 'cold' ELSE 'ok' END`,
		`CASE WHEN (temp > 30) THEN 'hot' WHEN (temp < 0) THEN 'cold' ELSE 'ok' END`, TypeString)
	f(`CASE device WHEN 'a' THEN 1 ELSE 2.5 END`, `CASE WHEN (device = 'a') THEN 1 ELSE 2.5 END`, TypeFloat)
	f(`CAST(hum AS DOUBLE)`, `CAST(hum AS DOUBLE)`, TypeFloat)
	f(`temp::INT`, `CAST(temp AS BIGINT)`, TypeInt)
	f(`CAST(temp AS DOUBLE)`, `temp`, TypeFloat)
	f(`COALESCE(temp, hum, 0)`, `coalesce(temp, hum, 0)`, TypeFloat)
	f(`ifnull(device, '?')`, `coalesce(device, '?')`, TypeString)
	// Scalar functions.
	f(`abs(hum)`, `abs(hum)`, TypeInt)
	f(`round(temp, 1)`, `round(temp, 1)`, TypeFloat)
	f(`floor(temp)`, `floor(temp)`, TypeFloat)
	f(`CEILING(temp)`, `ceil(temp)`, TypeFloat)
	f(`lower(device)`, `lower(device)`, TypeString)
	f(`UPPER(device)`, `upper(device)`, TypeString)
	f(`concat(device, '-', hum)`, `concat(device, '-', hum)`, TypeString)
	f(`device || '/' || site`, `((device || '/') || site)`, TypeString)
	f(`date_trunc('minute', ts)`, `date_trunc('minute', ts)`, TypeTimestamp)
	f(`EXTRACT(HOUR FROM ts)`, `extract('hour', ts)`, TypeFloat)
	// JSON access.
	f(`payload->'a'->>'b'`, `((payload -> 'a') ->> 'b')`, TypeString)
	f(`payload->'list'->0`, `((payload -> 'list') -> 0)`, TypeJSON)
	f(`payload.a.b`, `((payload -> 'a') -> 'b')`, TypeJSON)
	f(`s.payload.deviceId`, `(payload -> 'deviceId')`, TypeJSON)
	f(`(payload->>'v')::DOUBLE * 2`, `(CAST((payload ->> 'v') AS DOUBLE) * 2)`, TypeFloat)
	f(`payload.v + 1`, `((payload -> 'v') + 1)`, TypeFloat)
	// Topic captures are columns; s.x qualifies.
	f(`site`, `site`, TypeString)
	f(`s.device`, `device`, TypeString)
}

func TestTopicCaptures(t *testing.T) {
	c := mustExec(t, `CREATE SOURCE t (temp DOUBLE, "Device" VARCHAR) WITH (connector = 'mqtt', topic = 'sensors/{site}/{Device}/{rest...}');`)
	var got []string
	for _, col := range c.Source("t").Columns {
		got = append(got, col.Name+":"+col.Origin.String()+":"+col.Field)
	}
	if want := "temp:payload:temp,Device:topic:Device,site:topic:site,rest:topic:rest"; strings.Join(got, ",") != want {
		t.Errorf("columns %v, want %s", got, want)
	}
	if c := c.Source("t").Captures; strings.Join(c, ",") != "site,Device,rest" {
		t.Errorf("captures %v", c)
	}
}

func TestAggregates(t *testing.T) {
	// f binds one aggregate item in a windowed view and compares the
	// canonical AggCall.
	f := func(item, want string, typ Type) {
		t.Helper()
		c := NewCatalog()
		errs := c.Exec("a.sql", sensors+"CREATE MATERIALIZED VIEW v AS SELECT device, "+item+
			" AS x FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY device")
		if errs != nil {
			t.Fatalf("%s: %v", item, errs)
		}
		v := c.View("v")
		if len(v.Aggregates) != 1 || v.Aggregates[0].String() != want || v.Output[1].Type != typ {
			t.Fatalf("%s: aggregates %v type %v, want %s %v", item, v.Aggregates, v.Output[1].Type, want, typ)
		}
	}
	f(`count(*)`, `count(*)`, TypeInt)
	f(`COUNT(temp)`, `count(temp)`, TypeInt)
	f(`count(DISTINCT device)`, `count(DISTINCT device)`, TypeInt)
	f(`sum(hum)`, `sum(hum)`, TypeInt)
	f(`sum(temp)`, `sum(temp)`, TypeFloat)
	f(`avg(hum)`, `avg(hum)`, TypeFloat)
	f(`min(temp)`, `min(temp)`, TypeFloat)
	f(`max(device)`, `max(device)`, TypeString)
	f(`stddev(temp)`, `stddev(temp)`, TypeFloat)
	f(`stddev_pop(temp)`, `stddev_pop(temp)`, TypeFloat)
	f(`variance(temp)`, `variance(temp)`, TypeFloat)
	f(`var_samp(temp)`, `var_samp(temp)`, TypeFloat)
	f(`approx_percentile(0.99) WITHIN GROUP (ORDER BY temp)`, `approx_percentile(0.99) WITHIN GROUP (ORDER BY temp)`, TypeFloat)
	f(`approx_percentile(0.99, 0.01) WITHIN GROUP (ORDER BY temp)`, `approx_percentile(0.99, 0.01) WITHIN GROUP (ORDER BY temp)`, TypeFloat)
	f(`approx_percentile(temp, 0.5)`, `approx_percentile(0.5) WITHIN GROUP (ORDER BY temp)`, TypeFloat)
	f(`percentile_cont(0.95) WITHIN GROUP (ORDER BY temp DESC)`, `percentile_cont(0.05) WITHIN GROUP (ORDER BY temp)`, TypeFloat)
	f(`percentile_disc(0.5) WITHIN GROUP (ORDER BY hum)`, `percentile_disc(0.5) WITHIN GROUP (ORDER BY hum)`, TypeFloat)
	f(`approx_count_distinct(device)`, `approx_count_distinct(device)`, TypeInt)
	f(`first_value(temp)`, `first_value(temp)`, TypeFloat)
	f(`last_value(device)`, `last_value(device)`, TypeString)
	f(`count(*) FILTER (WHERE temp > 30)`, `count(*) FILTER (WHERE (temp > 30))`, TypeInt)
	f(`mean(temp)`, `avg(temp)`, TypeFloat)
	f(`sum(hum) + sum(hum)`, `sum(hum)`, TypeInt) // deduplicated

	// HAVING and a key expression reused in the select list.
	c := mustExec(t, sensors+`CREATE MATERIALIZED VIEW v AS SELECT upper(device) AS d, avg(temp) * 2 AS a FROM s
  WHERE ok GROUP BY upper(device) HAVING count(*) > 10 AND max(temp) < 100`)
	want := `Filter: ok
Aggregate: group by upper(device); avg(temp), count(*), max(temp)
Having: ((count(*) > 10) AND (max(temp) < 100))
Project: upper(device) AS d, (avg(temp) * 2) AS a
Emit: on update`
	if got := plan(t, c, "v"); !strings.HasSuffix(got, want+"\nMaterialized view v: columns=(d VARCHAR, a DOUBLE)") {
		t.Errorf("plan:\n%s\nwant suffix:\n%s", got, want)
	}
}

// fErr runs src and wants its errors: each want is "line:col: fragment",
// matched in order against the errors (which are "test.sql:line:col: msg"),
// and the fragment must be in the message. sentinel is checked on the
// first error.
func fErr(t *testing.T, src string, sentinel error, want ...string) {
	t.Helper()
	c := NewCatalog()
	errs := c.Exec("test.sql", src)
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v\nsource:\n%s", len(errs), len(want), errs, src)
	}
	for i, w := range want {
		pos, frag, _ := strings.Cut(w, ": ")
		got := errs[i].Error()
		if !strings.HasPrefix(got, "test.sql:"+pos+": ") || !strings.Contains(got, frag) {
			t.Fatalf("error %d:\n got: %s\nwant: test.sql:%s: ...%s...", i, got, pos, frag)
		}
	}
	if !errors.Is(errs, sentinel) || !errors.Is(errs[0], sentinel) {
		t.Fatalf("%v is not %v", errs[0], sentinel)
	}
}

func TestErrors(t *testing.T) {
	v := func(q string) string { return sensors + "CREATE MATERIALIZED VIEW v AS " + q }
	// Positions below are in the line after sensors (line 4).
	fErr(t, v(`SELECT devise FROM s`), ErrUnknownColumn,
		`4:38: unknown column "devise" in source "s"; did you mean "device"?`)
	fErr(t, v(`SELECT device FROM ss`), ErrUnknownRelation,
		`4:50: unknown source or view "ss"; did you mean "s"?`)
	fErr(t, v(`SELECT temp + device FROM s`), ErrType,
		`4:43: operator + needs numbers, got DOUBLE + VARCHAR`)
	fErr(t, v(`SELECT device FROM s WHERE temp`), ErrType,
		`4:58: WHERE needs a condition, got DOUBLE`)
	fErr(t, v(`SELECT device, temp, count(*) FROM s GROUP BY device`), ErrAggregate,
		`4:46: column "temp" must appear in GROUP BY or be used in an aggregate function`)
	fErr(t, v(`SELECT device, temp FROM TUMBLE(s, ts, INTERVAL '1' MINUTE)`), ErrAggregate,
		`4:56: a windowed view must aggregate: add an aggregate such as count(*)`)
	fErr(t, v(`SELECT count(*) FROM TUMBLE(s, temp, INTERVAL '1' MINUTE)`), ErrWindow,
		`4:62: the time column of TUMBLE must be a TIMESTAMP, but "temp" is DOUBLE`)
	fErr(t, v(`SELECT count(*) FROM TUMBLE(s, ts, '1 minute')`), ErrWindow,
		`4:66: the size of TUMBLE must be an INTERVAL, as in INTERVAL '1' MINUTE: write INTERVAL '1 minute'`)
	fErr(t, v(`SELECT count(*) FROM HOP(s, ts, INTERVAL '2' MINUTE, INTERVAL '1' MINUTE)`), ErrWindow,
		`4:63: the slide of HOP (2m0s) must not exceed its size (1m0s)`)
	fErr(t, v(`SELECT device FROM s WHERE count(*) > 1`), ErrAggregate,
		`4:58: aggregate function count is not allowed in WHERE: filter groups with HAVING`)
	fErr(t, v(`SELECT sum(device) FROM s`), ErrType,
		`4:42: sum needs a number, got VARCHAR`)
	fErr(t, v(`SELECT max(avg(temp)) FROM s`), ErrAggregate,
		`4:42: aggregate calls cannot be nested`)
	fErr(t, v(`SELECT approx_percentile(1.5) WITHIN GROUP (ORDER BY temp) FROM s`), ErrAggregate,
		`4:56: the quantile of approx_percentile must be a constant between 0 and 1`)
	fErr(t, v(`SELECT lowr(device) FROM s`), ErrUnknownFunction,
		`4:38: unknown function "lowr"; did you mean "lower"?`)
	fErr(t, v(`SELECT payload->temp FROM s`), ErrType,
		`4:47: the key after -> must be a 'field name' or an integer index`)
	fErr(t, v(`SELECT temp->'a' FROM s`), ErrType,
		`4:42: operator -> reads a JSONB value, got DOUBLE`)
	fErr(t, v(`SELECT device LIKE 1 FROM s`), ErrType, `4:45: LIKE needs text, got BIGINT`)
	fErr(t, v(`SELECT CAST(ok AS TIMESTAMP) FROM s`), ErrType, `4:38: cannot cast BOOLEAN to TIMESTAMP`)
	fErr(t, v(`SELECT device, count(*) AS n FROM s WHERE n > 1 GROUP BY device`), ErrUnknownColumn,
		`4:73: WHERE cannot use the select alias "n": repeat the expression`)
	fErr(t, v(`SELECT device FROM s EMIT ON WINDOW CLOSE`), ErrWindow,
		`4:31: EMIT ON WINDOW CLOSE needs a windowed aggregate`)
	fErr(t, sensors+`CREATE MATERIALIZED VIEW v WITH (allowed_latenes = '1s') AS SELECT count(*) FROM TUMBLE(s, ts, INTERVAL '1' MINUTE)`, ErrOption,
		`4:34: unknown option 'allowed_latenes' for materialized view 'v'; did you mean "allowed_lateness"?`)

	// Connector options.
	fErr(t, `CREATE SOURCE k (a INT) WITH (connector = 'kafka', topic = 'x', properties.bootstrap.server = 'h:1')`, ErrOption,
		`1:1: kafka source 'k' needs option 'properties.bootstrap.servers'`,
		`1:65: unknown option 'properties.bootstrap.server' for kafka source 'k'; did you mean "properties.bootstrap.servers"?`)
	fErr(t, `CREATE SOURCE m (a INT) WITH (connector = 'mqtt')`, ErrOption,
		`1:1: mqtt source 'm' needs option 'topic', as in WITH (..., topic = '...')`)
	fErr(t, `CREATE SOURCE m (a INT) WITH (connector = 'mqt', topic = 'a')`, ErrOption,
		`1:43: unknown source connector 'mqt': use 'mqtt' or 'kafka'; did you mean "mqtt"?`)
	fErr(t, `CREATE SOURCE m (a INT) WITH (topic = 'a')`, ErrOption,
		`1:1: CREATE SOURCE m needs WITH (connector = 'mqtt' or 'kafka', ...)`)
	fErr(t, `CREATE SOURCE m (a INT) WITH (connector = 'mqtt', topic = 'a/{x')`, ErrOption,
		`1:59: option 'topic' = 'a/{x' level "{x" mixes text with a wildcard or capture`)
	fErr(t, `CREATE SOURCE m (a INT) WITH (connector = 'mqtt', topic = 'a', password = 'x')`, ErrOption,
		`1:64: option 'password' is not accepted in SQL`)
	fErr(t, sensors+`CREATE SINK k FROM s WITH (connector = 'kafka', topic = 'o')`, ErrOption,
		`4:1: kafka sink 'k' needs option 'properties.bootstrap.servers'`)
	fErr(t, sensors+`CREATE SINK k FROM s WITH (connector = 'printer')`, ErrOption,
		`4:40: unknown sink connector 'printer': use one of 'file', 'kafka', 'mqtt', 'print', 'webhook'; did you mean "print"?`)
	fErr(t, sensors+`CREATE SINK k FROM s WITH (connector = 'mqtt', topic = 'out/{dev}')`, ErrUnknownColumn,
		`4:56: topic placeholder {dev} is not a column of mqtt sink 'k'; did you mean "device"?`)
	fErr(t, sensors+`CREATE SINK k FROM s WITH (connector = 'webhook', url = 'ftp://x')`, ErrOption,
		`4:57: option 'url' = 'ftp://x' must be a URL such as https://host:port`)
	fErr(t, sensors+`CREATE SINK k FROM s WITH (connector = 'kafka', topic = 'o', properties.bootstrap.servers = 'h:1', type = 'upsert')`, ErrOption,
		`4:107: kafka sink 'k' is upsert and needs option 'primary_key', as in WITH (..., primary_key = 'device')`)

	// Catalog errors.
	fErr(t, sensors+sensors, ErrExists,
		`4:15: cannot create source "s": a source of that name exists (defined at 1:1); DROP SOURCE s first, or write CREATE ... IF NOT EXISTS`)
	fErr(t, sensors+`CREATE MATERIALIZED VIEW v AS SELECT device FROM s; DROP SOURCE s;`, ErrDependency,
		`4:65: cannot drop source "s": materialized view "v" reads it; drop it first (DROP MATERIALIZED VIEW v), or write DROP SOURCE s CASCADE`)
	fErr(t, sensors+`DROP MATERIALIZED VIEW s`, ErrUnknownRelation,
		`4:24: "s" is a source, not a materialized view: write DROP SOURCE s`)
	fErr(t, sensors+`DROP SINK k`, ErrUnknownRelation, `4:11: unknown sink "k"; write DROP SINK IF EXISTS k`)
	fErr(t, sensors+`CREATE SINK k FROM s WITH (connector = 'print'); CREATE MATERIALIZED VIEW v AS SELECT a FROM k`, ErrUnknownRelation,
		`4:94: "k" is a sink, which cannot be read`)
	fErr(t, sensors+`INSERT INTO s SELECT device FROM s`, ErrUnknownRelation,
		`4:13: cannot INSERT INTO "s": it is a source; INSERT INTO writes to a table declared with CREATE TABLE s (columns) WITH ('connector' = 'print', ...)`)
	fErr(t, sensors+`CREATE TABLE o (a STRING, b INT) WITH ('connector' = 'print'); INSERT INTO o SELECT device FROM s`, ErrType,
		`4:78: INSERT INTO o selects 1 column, but the table has 2 (a VARCHAR, b BIGINT)`)
	fErr(t, sensors+`CREATE TABLE o (a INT) WITH ('connector' = 'print'); INSERT INTO o SELECT ts FROM s`, ErrType,
		`4:75: ts (column 1) of INSERT INTO o is TIMESTAMP, but table column "a" is BIGINT: convert it with CAST(... AS BIGINT)`)
	fErr(t, `EXPLAIN DROP SOURCE s`, ErrUnsupported, `1:9: EXPLAIN shows the plan of CREATE, INSERT INTO and SELECT statements, not of DROP`)

	// Syntax errors and semantic ones together, in order; the view over
	// the broken source is skipped without an error of its own.
	fErr(t, `CREATE SOURCE a (x INT WITH (connector = 'mqtt', topic = 'a');
CREATE MATERIALIZED VIEW va AS SELECT x FROM a;
CREATE SINK ka FROM va WITH (connector = 'print');
CREATE SOURCE b (y INT) WITH (connector = 'mqtt', topic = 'b', qos = 3);
CREATE MATERIALIZED VIEW vb AS SELECT y, count(*) FROM b GROUP BY y;
CREATE MATERIALIZED VIEW vc AS SELECT zz FROM va;
DROP SOURCE a;
CREATE SOURCE c (z INT) WITH (connector = 'mqtt', topic = 'c');
CREATE MATERIALIZED VIEW vd AS SELECT zz FROM c;`, ErrSyntax,
		`1:24: unexpected "WITH": expected ")" or "," after the column definition`,
		`4:70: option 'qos' = '3' must be one of`,
		`9:39: unknown column "zz" in source "c"; did you mean "z"?`)
}

func TestExplainStatement(t *testing.T) {
	c := mustExec(t, sensors+`EXPLAIN CREATE SINK k AS SELECT device, avg(temp) AS t FROM HOP(s, ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE) GROUP BY device WITH (connector = 'print', allowed_lateness = '30s');
EXPLAIN CREATE TABLE o (a STRING) WITH ('connector' = 'file', 'path' = '/tmp/o.jsonl');`)
	if c.Sink("k") != nil || len(c.SinkTables()) != 0 {
		t.Fatal("EXPLAIN applied its statement")
	}
	r := c.Results()
	if len(r) != 2 {
		t.Fatalf("results %v", r)
	}
	want := `Window: HOP(ts, slide=1m0s, size=5m0s)  watermark: ts - 5s  allowed lateness: 30s
Aggregate: group by device; avg(temp)
Project: device, avg(temp) AS t
Emit: on window close
Sink k: print`
	if got := strings.Join(r[0].Lines[1:], "\n"); got != want {
		t.Errorf("EXPLAIN:\n%s\nwant:\n%s", got, want)
	}
	if got := strings.Join(r[1].Lines, "\n"); got != `Sink table o: file path=/tmp/o.jsonl columns=(a VARCHAR)` {
		t.Errorf("EXPLAIN table: %s", got)
	}
}

// TestLateSink: CREATE SINK ... FROM view WITH (stream = 'late') receives
// the windowed view's input columns and the late columns; it is refused on
// what has no late rows.
func TestLateSink(t *testing.T) {
	win := sensors + "CREATE MATERIALIZED VIEW v AS SELECT device, count(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY device;\n"
	c := mustExec(t, win+"CREATE SINK late FROM v WITH (connector = 'print', stream = 'late');")
	var b *BoundSink
	for _, s := range c.Sinks() {
		if s.Name == "late" {
			b = s
		}
	}
	if b == nil || !b.Late || b.From != "v" {
		t.Fatalf("sink late: %+v, want Late from v", b)
	}
	var names []string
	for _, col := range b.Columns {
		names = append(names, col.Name)
	}
	if got, want := strings.Join(names, ","), "device,temp,hum,ok,ts,payload,site,late_view,late_window_start,late_window_end,late_watermark"; got != want {
		t.Errorf("late sink columns %s, want %s", got, want)
	}
	c = mustExec(t, win+"CREATE SINK results FROM v WITH (connector = 'print', stream = 'results');")
	if s := c.Sinks()[0]; s.Late || len(s.Columns) != 2 {
		t.Errorf("stream = 'results': %+v, want the view's rows", s)
	}
	fErr(t, win+"CREATE SINK late FROM s WITH (connector = 'print', stream = 'late');", ErrOption,
		`5:61: stream = 'late': s is a source, which has no late rows`)
	fErr(t, sensors+"CREATE MATERIALIZED VIEW f AS SELECT device FROM s;\nCREATE SINK late FROM f WITH (connector = 'print', stream = 'late');", ErrOption,
		`5:61: stream = 'late': f is a view without a window`)
	fErr(t, win+"CREATE SINK late AS SELECT device FROM s WITH (connector = 'print', stream = 'late');", ErrOption,
		`5:78: stream = 'late' needs CREATE SINK late FROM view`)
	fErr(t, win+"CREATE SINK late FROM v WITH (connector = 'print', stream = 'early');", ErrOption,
		`5:61: option 'stream' = 'early'`)
	fErr(t, win+"CREATE TABLE t (device VARCHAR) WITH (connector = 'print', stream = 'late');", ErrOption,
		`5:60: option 'stream' is for CREATE SINK name FROM view`)
}
