-- file: JSON lines appended to a file, rotated by size.
CREATE SOURCE telemetry (device VARCHAR, ts TIMESTAMP, temp DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'mqtt', topic = 'sensors/{site}/{device}/telemetry');
CREATE MATERIALIZED VIEW temp_1m AS
  SELECT site, device, avg(temp) AS temp_avg, max(temp) AS temp_max
  FROM TUMBLE(telemetry, ts, INTERVAL '1' MINUTE) GROUP BY site, device;
CREATE SINK temp_file FROM temp_1m WITH (connector = 'file', path = '/var/lib/eddy/temp.jsonl',
  max_bytes = '10485760', keep = '5');
