-- Long-tailed customer indicator vectors for the k-means benches
-- (bench/bench_kmeans.sh): :n customers, the nine indicators of the case
-- base (recency_days, mean_gap_days, overdue_ratio, tenure_days, frequency,
-- purchases_per_30d, refunds, monetary, avg_amount) with half one-time
-- buyers, a long tail of frequency and lognormal spend, min-max normalized
-- with the case base's cost flags as crm_case_base_build does.  Fixed seed.
SELECT setseed(0.4242);
DROP TABLE IF EXISTS km_raw;
CREATE UNLOGGED TABLE km_raw AS
WITH b AS (
    SELECT g AS customer_id,
           CASE WHEN random() < 0.5 THEN 1
                ELSE 2 + floor(exp(0.3 + 1.1 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::int END AS f,
           exp(3.6 + 0.9 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS avg_amt,
           random() AS u1, random() AS u2, random() AS u3
    FROM generate_series(1, :n) g
), c AS (
    SELECT customer_id, f, avg_amt,
           CASE WHEN f = 1 THEN 0 ELSE 30 + u1 * 1400 END AS tenure,
           u2 * 400 + (CASE WHEN u3 < 0.3 THEN u3 * 2000 ELSE 0 END) AS recency,
           CASE WHEN u3 > 0.9 THEN 1 + floor((u3 - 0.9) * 30) ELSE 0 END AS refunds
    FROM b
)
SELECT customer_id,
       ARRAY[recency,
             CASE WHEN f > 1 THEN tenure / (f - 1) ELSE recency END,
             recency / greatest(CASE WHEN f > 1 THEN tenure / (f - 1) ELSE tenure END, 30),
             CASE WHEN f > 1 THEN tenure ELSE recency END,
             f,
             f * 30.0 / greatest(tenure, 30),
             refunds,
             f * avg_amt - refunds * avg_amt * 0.5,
             avg_amt]::float8[] AS raw
FROM c;
DROP TABLE IF EXISTS :tab;
CREATE TABLE :tab AS
SELECT r.customer_id, normalize_features(r.raw, s.st, '{t,t,t,f,f,f,t,f,f}') AS x
FROM km_raw r, (SELECT feature_stats(raw) AS st FROM km_raw) s;
DROP TABLE km_raw;
VACUUM ANALYZE :tab;
