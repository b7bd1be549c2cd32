-- /etc/eddy/pipelines/telemetry.sql: the default pipeline of /etc/eddy/agent.yaml.
-- Devices publish {"device","seq","ts","temp"[,"humidity"]} on
-- sensors/<site>/<device>/telemetry (firmware-examples/ in the source tree).
-- Replace it with your own program; docs/SQL.md is the language reference.
CREATE SOURCE telemetry (
  site VARCHAR,           -- from the topic
  device VARCHAR,         -- from the topic, whatever the payload says
  seq BIGINT NOT NULL,    -- the device's sequence number: exact dedupe
  ts TIMESTAMP(3),        -- event time, Unix ms from the device's NTP clock
  temp DOUBLE NOT NULL,   -- °C
  humidity DOUBLE,        -- %RH, NULL when the device has no humidity sensor
  WATERMARK FOR ts AS ts - INTERVAL '30' SECOND
) WITH (connector = 'mqtt', topic = 'sensors/{site}/{device}/telemetry', qos = '1',
  device.column = 'device', sequence.column = 'seq') FORMAT PLAIN ENCODE JSON;

-- One row per device and minute, final when the minute's watermark passes.
CREATE MATERIALIZED VIEW temp_1m WITH (idle_timeout = '2 minutes') AS
  SELECT device, window_start, window_end, count(*) AS readings, avg(temp) AS temp_avg,
         min(temp) AS temp_min, max(temp) AS temp_max
  FROM TUMBLE(telemetry, ts, INTERVAL '1' MINUTE)
  GROUP BY device, window_start, window_end;

-- Running totals per device, updated as readings arrive.
CREATE MATERIALIZED VIEW device_totals AS
  SELECT device, count(*) AS readings, sum(temp) AS temp_sum, max(seq) AS last_seq
  FROM telemetry
  GROUP BY device;
