-- Deterministic synthetic retail-bank transactions for the demo and bench.
-- psql variables: customers (count), as_of (timestamptz text).
--   * 30% one-off buyers; the others buy at a lognormal rate (heavy tail)
--   * ticket sizes lognormal per customer (skewed spend: few whales)
--   * customers join over three years; a third of repeat buyers churn
--   * about 3% of purchases are (partly) refunded a few days later
SET max_parallel_workers_per_gather = 0;  -- random() order must not depend on workers
SELECT setseed(0.4242) \gset

DROP TABLE IF EXISTS transactions, customers;
CREATE TABLE customers AS
WITH base AS (
  SELECT id,
         random() AS u_kind, random() AS u_join, random() AS u_churn, random() AS u_stop,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z_rate,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z_ticket
  FROM generate_series(1, :customers) id
)
SELECT id,
       :'as_of'::timestamptz - (u_join * 1095) * interval '1 day' AS joined,
       u_kind < 0.30 AS one_off,
       -- churned customers stop somewhere between joining and as_of
       u_churn < 0.33 AS churned,
       u_stop,
       least(exp(2.9 + 1.0 * z_rate), 400) AS rate_per_year,
       exp(3.6 + 0.9 * z_ticket) AS ticket
FROM base;

CREATE TABLE transactions AS
WITH c AS (
  SELECT id, joined, ticket, one_off,
         CASE WHEN churned THEN joined + u_stop * (:'as_of'::timestamptz - joined)
              ELSE :'as_of'::timestamptz END AS active_until,
         rate_per_year
  FROM customers
), plan AS (
  SELECT id, joined, ticket, active_until,
         CASE WHEN one_off THEN 1
              ELSE greatest(2, round(rate_per_year * extract(epoch FROM active_until - joined) / (365.25 * 86400)))::int
         END AS n
  FROM c
), purchases AS (
  SELECT p.id AS customer_id,
         p.joined + random() * (p.active_until - p.joined) AS txn_time,
         round((p.ticket * exp(0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::numeric, 2) AS amount
  FROM plan p, generate_series(1, p.n)
)
SELECT * FROM (
  SELECT customer_id, txn_time, amount FROM purchases
  UNION ALL
  SELECT customer_id, txn_time + (1 + random() * 20) * interval '1 day',
         -round(amount * (0.3 + 0.7 * random())::numeric, 2)
  FROM purchases WHERE random() < 0.03) t
ORDER BY txn_time;  -- stored in arrival order, as a transaction log is

ALTER TABLE transactions ALTER COLUMN amount TYPE numeric(14,2);
CREATE INDEX ON transactions (customer_id);
VACUUM ANALYZE customers;
VACUUM ANALYZE transactions;
RESET max_parallel_workers_per_gather;
