-- kafka: rows as plain JSON to a Kafka topic (Flink's and RisingWave's json format reads them).
-- SASL and TLS come from the agent's sync.kafka section; brokers from the statement.
CREATE SOURCE orders (merchant_id VARCHAR, amount DOUBLE)
  WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.servers = 'localhost:9092');
CREATE MATERIALIZED VIEW order_summary AS
  SELECT merchant_id, count(*) AS orders FROM orders GROUP BY merchant_id;
CREATE SINK order_summary_out FROM order_summary WITH (connector = 'kafka', topic = 'order_summary',
  properties.bootstrap.servers = 'localhost:9092', primary_key = 'merchant_id');
