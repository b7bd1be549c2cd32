// Package sql is Eddy's streaming SQL: a lexer, a recursive-descent parser
// with a canonical formatter, and a binder that checks statements against
// a Catalog of sources, materialized views and sinks and produces the
// bound plans the runtime compiles (BoundSource, BoundView, BoundSink).
// It does no I/O and runs nothing.
//
// # The dialect
//
// The dialect is the common ground of RisingWave and Flink SQL, so that
// scripts from either run as written: RisingWave's CREATE SOURCE ...
// WITH (connector = 'kafka', properties.bootstrap.servers = ...) and
// CREATE MATERIALIZED VIEW, and Flink's CREATE TABLE ... WITH
// ('connector' = 'kafka', ...), CREATE TABLE ... AS SELECT and INSERT INTO.
// Unquoted identifiers fold to lower case; "quoted" and `quoted` ones keep
// their case. Joins, subqueries, ORDER BY and set operations are refused
// with ErrUnsupported: a view reads one source or view.
//
// # Statements
//
//	CREATE SOURCE | STREAM | TABLE [IF NOT EXISTS] name (columns [, WATERMARK FOR ts AS ts - INTERVAL ...])
//	    [INCLUDE ...] WITH (options) [FORMAT PLAIN ENCODE JSON]
//	CREATE [MATERIALIZED] VIEW [IF NOT EXISTS] name [WITH (view options)] AS SELECT ...
//	CREATE SINK [IF NOT EXISTS] name FROM view WITH (options) [FORMAT PLAIN | UPSERT ENCODE JSON]
//	CREATE SINK [IF NOT EXISTS] name AS SELECT ... WITH (options)
//	CREATE TABLE name WITH ('connector' = 'print', ...) AS SELECT ...       -- Flink
//	CREATE TABLE name (columns) WITH ('connector' = 'print', ...)          -- Flink sink table
//	INSERT INTO name SELECT ...                                             -- feeds a sink table
//	DROP SOURCE | MATERIALIZED VIEW | SINK | TABLE [IF EXISTS] name [CASCADE]
//	SHOW SOURCES | MATERIALIZED VIEWS | SINKS | TABLES
//	EXPLAIN statement | EXPLAIN SELECT ...
//
// A CREATE TABLE with a column list is a source when its connector reads
// (kafka, mqtt), a sink table when it only writes (print, file, webhook).
// A Kafka or MQTT table is a sink table instead when it has a PRIMARY KEY
// (Flink's upsert tables) or when INSERT INTO writes it before any query
// reads it. The query of a sink (AS SELECT, Flink's CREATE TABLE AS SELECT,
// INSERT INTO) is an Implicit BoundView in BoundSink.Query; it is not a
// relation others can read. Views may read views.
//
// Catalog.Exec applies a script statement by statement and keeps going
// after an error. A statement that reads, feeds or drops an object whose
// own statement failed is skipped without an error, so one mistake is
// reported once. DROP refuses to drop what others read unless CASCADE.
//
// # Types
//
// Every declared type normalises to one of BOOLEAN, BIGINT (all integers),
// DOUBLE (also DECIMAL and NUMERIC: sensor data needs no exact decimals),
// VARCHAR, TIMESTAMP (Unix milliseconds, UTC; zoned and local flavours are
// the same instant), INTERVAL (literals only) and JSONB. JSONB values are
// typed at run time, so the binder lets them stand for any type; read
// fields with payload->'a'->>'b' or payload.a.b. DATE, TIME, ARRAY, MAP and
// ROW are refused with what to use instead.
//
// # Windows
//
// A view aggregates in one window kind, written in FROM or in Flink's
// legacy GROUP BY:
//
//	FROM TUMBLE(src, ts, size [, offset])
//	FROM HOP(src, ts, slide, size [, offset])
//	FROM SESSION(src, ts, gap)
//	FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), size))            -- Flink TVF
//	GROUP BY TUMBLE(ts, size), ...  with TUMBLE_START/TUMBLE_END   -- Flink legacy
//
// window_start and window_end are implicit keys. Event time comes from a
// TIMESTAMP column; the source's WATERMARK gives the out-of-orderness.
// Windowed views emit when the watermark passes a window's end; views
// without a window are continuously updated.
//
// # Options
//
// WITH keys are case-insensitive; Flink's 'quoted.keys' and RisingWave's
// dotted.words are the same key. Each connector accepts a fixed set
// (see sourceConnectors and sinkConnectors in options.go) and an unknown
// key is an error with the nearest known one suggested. Credentials and
// TLS settings are refused: they belong in the agent's configuration
// file, not in SQL that ends up in plans and logs. Views accept
// allowed_lateness, out_of_orderness, emit_interval, idle_timeout and
// session_max_duration (ViewOptions); a sink's AS SELECT accepts them too.
//
// # Errors
//
// Every error is an *Error with a position and a message that names the
// offending token and says what was expected or how to fix it, and wraps
// one sentinel (ErrSyntax, ErrUnknownColumn, ErrOption, ...) for
// errors.Is. Exec returns them all, sorted by position, rendered as
// "file:line:col: message" (columns count characters, as editors do).
// Parsing is linear in the input and bounded in depth (maxDepth,
// maxHeight), so hostile text cannot exhaust the stack; FuzzParse and
// FuzzBind check that nothing panics.
package sql
