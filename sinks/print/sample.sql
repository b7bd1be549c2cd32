-- print: each row as one JSON line on standard output, prefixed with the sink's name.
CREATE SOURCE orders (merchant_id VARCHAR, amount DOUBLE)
  WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.servers = 'localhost:9092');
CREATE MATERIALIZED VIEW order_summary AS
  SELECT merchant_id, count(*) AS orders, sum(amount) AS revenue FROM orders GROUP BY merchant_id;
CREATE SINK order_print FROM order_summary WITH (connector = 'print', 'print-identifier' = 'orders');
