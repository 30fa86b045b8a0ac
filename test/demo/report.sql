-- The analyst's RFM report over the generated data (psql variable as_of).
\pset footer off
\echo
\echo '=== Data set'
SELECT count(DISTINCT customer_id) AS customers, count(*) AS transactions,
       count(*) FILTER (WHERE amount < 0) AS refunds,
       min(txn_time)::date AS first_day, max(txn_time)::date AS last_day,
       to_char(sum(amount), 'FM999,999,999,990.00') AS net_revenue
FROM transactions;

-- One pass over the transactions: every customer's indicators.
CREATE TEMP TABLE rfm_scored AS
SELECT customer_id, (rfm_agg(txn_time, amount, :'as_of')).*
FROM transactions GROUP BY customer_id;
DELETE FROM rfm_scored WHERE frequency IS NULL;  -- refunds only: no purchase

-- Tie-aware quintile cut points, shown so the scores can be explained.
CREATE TEMP TABLE breaks AS
SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY recency_days) AS r,
       rfm_breaks(5) WITHIN GROUP (ORDER BY frequency)    AS f,
       rfm_breaks(5) WITHIN GROUP (ORDER BY monetary)     AS m
FROM rfm_scored;

ALTER TABLE rfm_scored ADD r int, ADD f int, ADD m int, ADD segment text;
UPDATE rfm_scored s SET r = rfm_score(recency_days, b.r, false),
                        f = rfm_score(frequency, b.f),
                        m = rfm_score(monetary, b.m)
FROM breaks b;
UPDATE rfm_scored SET segment = rfm_segment(r, f, m);

\echo
\echo '=== Quintile cut points (a score is 1 + the number of cut points at or below the value; recency reversed)'
SELECT 'recency_days' AS indicator, (SELECT array_agg(round(x::numeric, 1)) FROM unnest(r) x) AS breaks FROM breaks
UNION ALL SELECT 'frequency', (SELECT array_agg(round(x::numeric)) FROM unnest(f) x) FROM breaks
UNION ALL SELECT 'monetary', (SELECT array_agg(round(x::numeric)) FROM unnest(m) x) FROM breaks;

\echo
\echo '=== Customers per score: equal values share a score, so classes are as even as the ties allow'
SELECT s AS score,
       count(*) FILTER (WHERE r = s) AS r_customers,
       count(*) FILTER (WHERE f = s) AS f_customers,
       count(*) FILTER (WHERE m = s) AS m_customers
FROM rfm_scored, generate_series(1, 5) s GROUP BY s ORDER BY s;

\echo
\echo '=== Segments: size, share of revenue, average R/F/M'
SELECT segment,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct_customers,
       to_char(sum(monetary), 'FM999,999,990') AS revenue,
       round((100.0 * sum(monetary) / sum(sum(monetary)) OVER ())::numeric, 1) AS pct_revenue,
       round(avg(recency_days)::numeric, 0) AS avg_recency_days,
       round(avg(frequency), 1) AS avg_frequency,
       round(avg(monetary)::numeric, 0) AS avg_monetary,
       round(avg(mean_gap_days)::numeric, 0) AS avg_gap_days
FROM rfm_scored GROUP BY segment ORDER BY sum(monetary) DESC;

\echo
\echo '=== Who to call first: the biggest customers who are overdue (Can''t Lose Them / At Risk)'
SELECT customer_id, segment, concat(r, f, m) AS rfm, round(recency_days::numeric) AS recency_days, frequency,
       round(monetary::numeric) AS monetary, round(mean_gap_days::numeric) AS usual_gap_days,
       round(overdue_ratio::numeric, 1) AS overdue_x
FROM rfm_scored WHERE segment IN ('Can''t Lose Them', 'At Risk')
ORDER BY monetary DESC LIMIT 5;

\echo
\echo '=== Examples from each end'
(SELECT customer_id, segment, concat(r, f, m) AS rfm, round(recency_days::numeric) AS recency_days, frequency,
        round(monetary::numeric) AS monetary, round(avg_amount::numeric) AS avg_ticket,
        round(tenure_days::numeric) AS tenure_days, refunds
 FROM rfm_scored WHERE segment = 'Champions' ORDER BY monetary DESC LIMIT 3)
UNION ALL
(SELECT customer_id, segment, concat(r, f, m), round(recency_days::numeric), frequency,
        round(monetary::numeric), round(avg_amount::numeric), round(tenure_days::numeric), refunds
 FROM rfm_scored WHERE segment = 'New Customers' ORDER BY recency_days LIMIT 3)
UNION ALL
(SELECT customer_id, segment, concat(r, f, m), round(recency_days::numeric), frequency,
        round(monetary::numeric), round(avg_amount::numeric), round(tenure_days::numeric), refunds
 FROM rfm_scored WHERE segment = 'Lost' ORDER BY monetary LIMIT 3);

-- Value tiers from a user-defined map (thresholds live in data, not code).
INSERT INTO rfm_segment_maps VALUES ('demo_tiers', 5, 'value tiers on F and M scores')
  ON CONFLICT (map_name) DO NOTHING;
DELETE FROM rfm_segment_rules WHERE map_name = 'demo_tiers';
INSERT INTO rfm_segment_rules (map_name, segment, priority, f_min, m_min) VALUES
  ('demo_tiers', 'diamond',  1, 4, 5),
  ('demo_tiers', 'platinum', 2, 3, 4),
  ('demo_tiers', 'gold',     3, 2, 3),
  ('demo_tiers', 'silver',   4, 1, 1);
\echo
\echo '=== Value tiers (user map demo_tiers: diamond F>=4 & M=5, platinum F>=3 & M>=4, gold F>=2 & M>=3, else silver)'
SELECT rfm_segment(r, f, m, 'demo_tiers') AS tier, count(*) AS customers,
       to_char(sum(monetary), 'FM999,999,990') AS revenue,
       round((100.0 * sum(monetary) / sum(sum(monetary)) OVER ())::numeric, 1) AS pct_revenue
FROM rfm_scored GROUP BY 1 ORDER BY sum(monetary) DESC;
