package simulate

import (
	"fmt"
	"strconv"
	"strings"
)

// Names of the source and view in SQL.
const (
	SourceName = "telemetry"
	ViewName   = "telemetry_stats"
)

// SQL returns the statements an agent runs over the stream cfg describes: a
// CREATE SOURCE reading <prefix>/{site}/{device}/telemetry with a watermark
// Disorder behind the largest event time (so no good reading is ever late),
// and a CREATE MATERIALIZED VIEW with, per device and tumbling window of
// window ms, what Expect computes. seq is the device's sequence number, for
// exact deduplication (sequence.column), and device the watermark partition
// (device.column): the Disorder bound holds across the whole fleet, so it
// holds for each device too. temp is NOT NULL so that a reading without one
// is dead-lettered as missing_field.
func SQL(cfg Config, window int64) string {
	cfg = cfg.withDefaults()
	return fmt.Sprintf(`CREATE SOURCE %s (
  site VARCHAR,
  device VARCHAR,
  seq BIGINT NOT NULL,
  ts TIMESTAMP(3),
  temp DOUBLE NOT NULL,
  humidity DOUBLE,
  WATERMARK FOR ts AS ts - %s
) WITH (connector = 'mqtt', topic = '%s/{site}/{device}/telemetry', qos = '1',
  device.column = 'device', sequence.column = 'seq') FORMAT PLAIN ENCODE JSON;

CREATE MATERIALIZED VIEW %s AS
  SELECT device, window_start, count(*) AS readings, sum(temp) AS temp_sum, min(temp) AS temp_min, max(temp) AS temp_max
  FROM TUMBLE(%s, ts, %s)
  GROUP BY device, window_start;
`, SourceName, interval(cfg.Disorder), strings.ReplaceAll(cfg.TopicPrefix, "'", "''"), ViewName, SourceName, interval(window))
}

// interval writes ms as an INTERVAL literal in the largest unit that divides
// it.
func interval(ms int64) string {
	units := []struct {
		name string
		ms   int64
	}{{"DAY", dayMs}, {"HOUR", 3600000}, {"MINUTE", 60000}, {"SECOND", 1000}}
	for _, u := range units {
		if ms != 0 && ms%u.ms == 0 {
			return "INTERVAL '" + strconv.FormatInt(ms/u.ms, 10) + "' " + u.name
		}
	}
	return "INTERVAL '" + strconv.FormatInt(ms, 10) + "' MILLISECOND"
}
