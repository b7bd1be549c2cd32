-- webhook: rows POSTed as a JSON array; retries with backoff; 4xx other than 408/429 is permanent.
-- The bearer token comes from the environment variable EDDY_WEBHOOK_TOKEN, never from SQL.
CREATE SOURCE telemetry (device VARCHAR, ts TIMESTAMP, temp DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'mqtt', topic = 'sensors/{site}/{device}/telemetry');
CREATE MATERIALIZED VIEW hot_sites AS
  SELECT site, max(temp) AS temp_max FROM TUMBLE(telemetry, ts, INTERVAL '1' MINUTE) GROUP BY site HAVING max(temp) > 60;
CREATE SINK hot_sites_hook FROM hot_sites WITH (connector = 'webhook', url = 'https://alerts.example.com/eddy',
  timeout = '5s', max_attempts = '5');
