-- Long-tailed purchase log for benchmarks: :customers customers joining over
-- three years, half of them one-time buyers, the rest 1 + geometric(0.2)
-- purchases, lognormal spend per customer and per purchase (psql variables:
-- customers, table).  Fixed seed: the same data on every run.
SELECT setseed(0.42);
DROP TABLE IF EXISTS :table;
CREATE TABLE :table AS
WITH c AS (SELECT g AS customer_id, random() AS u,
                  '2022-01-01'::timestamptz + random() * interval '1095 days' AS joined,
                  2.5 + 1.0 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS mu
           FROM generate_series(1, :customers) g),
     n AS (SELECT customer_id, joined, mu,
                  CASE WHEN u < 0.5 THEN 1 ELSE 1 + floor(ln(1 - random()) / ln(0.8))::int END AS k
           FROM c)
SELECT n.customer_id,
       n.joined + random() * ('2025-01-01'::timestamptz - n.joined) AS txn_time,
       round(exp(n.mu + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::numeric, 2) AS amount
FROM n, generate_series(1, n.k);
