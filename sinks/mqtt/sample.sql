-- mqtt: republish rows to the site broker, so actuators keep working with the uplink down.
-- The broker and credentials come from the agent's mqtt: section unless url is given.
CREATE SOURCE telemetry (device VARCHAR, ts TIMESTAMP, temp DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'mqtt', topic = 'sensors/{site}/{device}/telemetry');
CREATE MATERIALIZED VIEW overheating AS
  SELECT site, device, max(temp) AS temp_max
  FROM TUMBLE(telemetry, ts, INTERVAL '10' SECOND) GROUP BY site, device HAVING max(temp) > 80;
CREATE SINK cooling FROM overheating WITH (connector = 'mqtt', topic = 'actuators/{site}/{device}/cooling', qos = '1');
