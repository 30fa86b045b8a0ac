-- The source study's method end to end on the generated customers
-- (psql variable as_of; run after report.sql and ahp_anp.sql):
-- extended indicators -> ANP weights -> normalization -> k-means case base
-- of 8 typical customers with value labels -> grey relational CBR for every
-- customer -> report; plus lifecycle signals and actions.
\pset footer off

-- 1. Nine indicators per customer in one pass over the transactions:
--    R (smaller is better): recency_days, mean_gap_days, overdue_ratio, inactive months (of the last 12)
--    F (larger is better):  frequency, purchases_per_30d (ATF), active months (of the last 12)
--    M (larger is better):  monetary, avg_amount
CREATE TEMP TABLE indicators AS
SELECT customer_id, (r).*, s AS spend_12m
FROM (SELECT customer_id, rfm_agg(txn_time, amount, :'as_of') AS r,
             spend_by_period(txn_time, amount::float8, :'as_of', '1 month', 12) AS s
      FROM transactions GROUP BY customer_id) t
WHERE (r).frequency IS NOT NULL;
CREATE TEMP TABLE customer_rfm AS
SELECT customer_id,
       ARRAY[recency_days,
             coalesce(mean_gap_days, tenure_days),                         -- one purchase: the whole tenure
             coalesce(overdue_ratio, recency_days / greatest(tenure_days, 30)),
             (SELECT coalesce(12 - max(i), 12) FROM unnest(spend_12m) WITH ORDINALITY u(v, i) WHERE v > 0),
             frequency, purchases_per_30d,
             (SELECT count(*) FROM unnest(spend_12m) v WHERE v > 0),
             monetary, avg_amount]::float8[] AS features
FROM indicators;

-- 2. Weights from the ANP model (anp_solve, loaded by ahp_anp.sql)
CREATE TEMP TABLE grey_params AS
SELECT '{4,3,2}'::int[] AS group_sizes,
       (SELECT array_agg(local_weight ORDER BY array_position('{R1,R2,R3,R4,F1,F2,F3,M1,M2}'::text[], node))
        FROM anp_solve('rfm_weights') WHERE cluster IN ('R', 'F', 'M')) AS inner_weights,
       (SELECT array_agg(global_weight ORDER BY array_position('{R,F,M}'::text[], node))
        FROM anp_solve('rfm_weights') WHERE cluster = 'Criteria') AS group_weights,
       '{t,t,t,t, f,f,f, f,f}'::boolean[] AS cost,
       0.5::float8 AS rho;
\echo
\echo '=== Case-based value classes (the study''s method): weights from the ANP model'
SELECT array(SELECT round(w::numeric, 4) FROM unnest(group_weights) w) AS "R, F, M weights",
       array(SELECT round(w::numeric, 4) FROM unnest(inner_weights) w) AS "sub-indicator weights (R1-R4, F1-F3, M1-M2)"
FROM grey_params;

-- 3. Normalize into [0, 1], R indicators reversed
CREATE TEMP TABLE indicator_stats AS SELECT feature_stats(features) AS s FROM customer_rfm;
CREATE TEMP TABLE customer_norm AS
SELECT r.customer_id, normalize_features(r.features, st.s, p.cost) AS x
FROM customer_rfm r, indicator_stats st, grey_params p;

-- 4. Case base: k-means (k = 8, seed 42); the real customer nearest each
--    centroid is the typical customer; cases ranked by their grade against
--    the ideal customer (every indicator at its best) get value labels
SET maintenance_work_mem = '256MB';
CREATE TEMP TABLE value_labels (value_rank int PRIMARY KEY, label text NOT NULL);
INSERT INTO value_labels VALUES
    (1, 'top value'), (2, 'high value'), (3, 'upper-medium value'), (4, 'medium value'),
    (5, 'potential value'), (6, 'lower-medium value'), (7, 'low value'), (8, 'minimal value');
CREATE TEMP TABLE centroids AS SELECT kmeans(x, 8, 42) AS c FROM customer_norm;
CREATE TEMP TABLE typical AS
WITH cent AS (
    SELECT i AS cluster, ARRAY(SELECT unnest(c[i:i][:])) AS centroid
    FROM centroids, generate_series(1, array_length(c, 1)) i
), members AS (
    SELECT n.customer_id, n.x, kmeans_assign(n.x, ce.c) AS cluster FROM customer_norm n, centroids ce
)
SELECT DISTINCT ON (m.cluster) m.cluster, m.customer_id, m.x, count(*) OVER (PARTITION BY m.cluster) AS cluster_size
FROM members m JOIN cent USING (cluster)
ORDER BY m.cluster, (SELECT sum((a - b) ^ 2) FROM unnest(m.x, cent.centroid) u(a, b)), m.customer_id;
CREATE TEMP TABLE case_base AS
WITH graded AS (
    SELECT g.cluster, g.grade
    FROM (SELECT grey_multilayer_grades(array_fill(1::float8, ARRAY[9]), array_agg(t.x ORDER BY t.cluster),
                                        p.group_sizes, p.inner_weights, p.group_weights, p.rho) AS grades,
                 array_agg(t.cluster ORDER BY t.cluster) AS clusters
          FROM typical t, grey_params p GROUP BY p.group_sizes, p.inner_weights, p.group_weights, p.rho) s,
         unnest(s.grades, s.clusters) AS g(grade, cluster)
), ranked AS (SELECT cluster, grade, row_number() OVER (ORDER BY grade DESC, cluster) AS value_rank FROM graded)
SELECT r.value_rank AS case_no, t.customer_id, t.cluster_size, round(r.grade::numeric, 4) AS value_score, l.label, t.x
FROM ranked r JOIN typical t USING (cluster) JOIN value_labels l USING (value_rank);

\echo
\echo '=== The case base: one typical (real) customer per k-means cluster, labelled by grade against the ideal customer'
SELECT c.case_no, c.label, c.customer_id AS typical_customer, c.cluster_size, c.value_score,
       round(i.recency_days::numeric) AS recency_days, i.frequency, round(i.monetary::numeric) AS monetary
FROM case_base c JOIN indicators i USING (customer_id) ORDER BY c.case_no;

-- 5. Classify every customer: nearest case by multi-layer grey relational grade
CREATE TEMP TABLE case_arrays AS
SELECT array_agg(x ORDER BY case_no) AS cases, array_agg(label ORDER BY case_no) AS labels FROM case_base;
\timing on
CREATE TEMP TABLE customer_class AS
SELECT customer_id, (c).label, (c).similarity, (c).case_no
FROM (SELECT n.customer_id,
             cbr_classify(n.x, ca.cases, ca.labels, p.group_sizes, p.inner_weights, p.group_weights, p.rho) AS c
      FROM customer_norm n, case_arrays ca, grey_params p OFFSET 0) s;
\timing off

\echo
\echo '=== Value classes of all customers (grey relational case-based reasoning)'
SELECT k.case_no, k.label, count(*) AS customers, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct_customers,
       round((100.0 * sum(i.monetary) / sum(sum(i.monetary)) OVER ())::numeric, 1) AS pct_revenue,
       round(avg(i.recency_days)::numeric) AS avg_recency, round(avg(i.frequency), 1) AS avg_frequency,
       round(avg(i.monetary)::numeric) AS avg_monetary, round(avg(k.similarity)::numeric, 3) AS avg_similarity
FROM customer_class k JOIN indicators i USING (customer_id)
GROUP BY k.case_no, k.label ORDER BY k.case_no;

-- 6. Lifecycle: signals from monthly spend and the default action rules
\echo
\echo '=== Lifecycle actions (default rules in lifecycle_rules) from the last 12 months of spend'
CREATE TEMP TABLE lifecycle AS
SELECT i.customer_id, s.trend_pct, s.falling_periods, s.change_z, i.overdue_ratio, k.case_no,
       lifecycle_action(trend_pct => s.trend_pct, falling_periods => s.falling_periods, change_z => s.change_z,
                        change_pct => s.change_pct, overdue_ratio => i.overdue_ratio,
                        value_score => CASE WHEN k.case_no <= 2 THEN 5 WHEN k.case_no <= 4 THEN 4
                                            WHEN k.case_no <= 6 THEN 2 ELSE 1 END) AS action
FROM indicators i JOIN customer_class k USING (customer_id), LATERAL spend_signals(i.spend_12m) s;
SELECT action, count(*) AS customers, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct,
       round(avg(trend_pct)::numeric, 3) AS avg_trend_pct, round(avg(falling_periods), 1) AS avg_falling,
       round(avg(overdue_ratio)::numeric, 1) AS avg_overdue
FROM lifecycle GROUP BY action ORDER BY count(*) DESC;
\echo
\echo '=== Retain first: top-value classes whose spend keeps falling'
SELECT l.customer_id, k.label, l.falling_periods, round(l.trend_pct::numeric, 3) AS trend_pct,
       round(l.change_z::numeric, 1) AS change_z, round(l.overdue_ratio::numeric, 1) AS overdue_x,
       (SELECT array_agg(round(v::numeric)) FROM unnest(i.spend_12m[7:12]) v) AS last_6_months
FROM lifecycle l JOIN customer_class k USING (customer_id) JOIN indicators i USING (customer_id)
WHERE l.action = 'retain' AND k.case_no <= 3
ORDER BY l.falling_periods DESC, i.monetary DESC LIMIT 5;
