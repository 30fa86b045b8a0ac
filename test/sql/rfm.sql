-- Exact outputs of the RFM functions on small hand-checked data.
SET timezone = 'UTC';
SET extra_float_digits = 0;

CREATE TABLE txn (customer int, ts timestamptz, amount float8);
INSERT INTO txn VALUES
  -- customer 1: purchases 10 (Jan 1), 20.5 (Jan 11), 0.1 (Feb 1), refund -5 (Jan 21),
  -- and one purchase after as_of (ignored) and two rows with NULLs (ignored)
  (1, '2024-01-01', 10), (1, '2024-01-11', 20.5), (1, '2024-01-21', -5),
  (1, '2024-02-01', 0.1), (1, '2024-03-05', 999), (1, NULL, 50), (1, '2024-01-15', NULL),
  -- customer 2: one purchase on as_of itself
  (2, '2024-03-01', 100),
  -- customer 3: only a refund: no purchase, so NULL
  (3, '2024-01-05', -3),
  -- customer 4: a zero-amount row is neither purchase nor refund
  (4, '2024-02-15 12:00', 40), (4, '2024-02-20', 0);

-- as_of 2024-03-01: customer 1 recency = 29 days (Feb 1 -> Mar 1), tenure 60,
-- frequency 3, monetary 10 + 20.5 - 5 + 0.1 = 25.6, mean gap (Feb 1 - Jan 1) / 2 = 15.5,
-- avg 25.6 / 3, purchases per 30d = 30 * 3 / 60 = 1.5, overdue 29 / 15.5.
SELECT customer, (rfm_agg(ts, amount, '2024-03-01')).*
FROM txn GROUP BY customer ORDER BY customer;

-- numeric amounts give the same indicators
SELECT customer, rfm_agg(ts, amount::numeric, '2024-03-01') = rfm_agg(ts, amount, '2024-03-01') AS same
FROM txn GROUP BY customer ORDER BY customer;

-- money is summed exactly (to 1e-6): ten times 0.1 is exactly 1
SELECT (rfm_agg(ts, 0.1::float8, '2024-01-31')).monetary = 1 AS exact,
       sum(0.1::float8) = 1 AS float_sum_exact
FROM generate_series('2024-01-01'::timestamptz, '2024-01-10', '1 day') ts;

-- the storable state, its text form, and scoring it later
SELECT customer, rfm_state_agg(ts, amount) FROM txn GROUP BY customer ORDER BY customer;
SELECT (rfm_final(rfm_state_agg(ts, amount), '2024-04-01')).recency_days FROM txn WHERE customer = 2;
SELECT 'rfm1:-:2:0:0:86400000000:3000000:0:2'::rfm_state::text;
SELECT rfm_final('rfm1:-:2:0:0:86400000000:3000000:0:2', '2000-01-10');

-- merging states of two halves equals the state of the whole
SELECT rfm_state_merge(a, b)::text = w::text AS merged_equals_whole
FROM (SELECT rfm_state_agg(ts, amount) FILTER (WHERE ts <  '2024-01-15') a,
             rfm_state_agg(ts, amount) FILTER (WHERE ts >= '2024-01-15') b,
             rfm_state_agg(ts, amount) w
      FROM txn WHERE customer = 1) s;

-- tie-aware breaks: 40% of the values are 1; NTILE splits them over two
-- classes, rfm_breaks keeps them together and still fills all 5 classes
CREATE TABLE f (id int, x float8);
INSERT INTO f SELECT g, CASE WHEN g <= 40 THEN 1 WHEN g <= 60 THEN 2 WHEN g <= 75 THEN 3
                             WHEN g <= 90 THEN 4 ELSE 5 + (g % 3) END FROM generate_series(1, 100) g;
SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY x) FROM f;
SELECT x, count(DISTINCT ntile) AS ntile_classes, min(score) AS score, max(score) AS score_max, count(*)
FROM (SELECT x, ntile(5) OVER (ORDER BY x) AS ntile,
             rfm_score(x, (SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY x) FROM f)) AS score
      FROM f) s GROUP BY x ORDER BY x;

-- fewer distinct values than classes: lowest scores 1, highest n
SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY x) FROM (VALUES (0), (0), (0), (1)) v(x);
-- a single distinct value takes the middle class; the empty upper classes start at infinity
SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY x) FROM (VALUES (7), (7)) v(x);
SELECT rfm_score(7, '{7,7,Infinity,Infinity}');
-- NULLs are not ranked; no rows gives NULL
SELECT rfm_breaks(2) WITHIN GROUP (ORDER BY x) FROM (VALUES (1), (NULL), (3)) v(x);
SELECT rfm_breaks(3) WITHIN GROUP (ORDER BY x) FROM f WHERE false;

-- scores: class = 1 + number of breaks <= value; recency reversed
SELECT v, rfm_score(v, '{10,20,30,40}') AS higher_better,
          rfm_score(v, '{10,20,30,40}', false) AS lower_better
FROM unnest('{-5,10,19.99,20,45}'::float8[]) v;

-- the 11-segment map on the R x FM grid
SELECT r, string_agg(rfm_segment(r, fm, fm), ' | ' ORDER BY fm) AS fm_1_to_5
FROM generate_series(5, 1, -1) r, generate_series(1, 5) fm GROUP BY r ORDER BY r DESC;
SELECT rfm_segment(5, 1, 2) AS fm_2, rfm_segment(3, 4, 1) AS fm_3, rfm_segment(1, 5, 4) AS fm_5;

-- a user map: value tiers on the monetary score, frequency lifting gold to platinum
INSERT INTO rfm_segment_maps VALUES ('bank_tiers', 4, 'deposit tiers');
INSERT INTO rfm_segment_rules (map_name, segment, priority, r_min, f_min, m_min, m_max) VALUES
  ('bank_tiers', 'diamond',  1, 1, 1, 4, 4),
  ('bank_tiers', 'platinum', 2, 1, 1, 3, 3),
  ('bank_tiers', 'platinum', 2, 1, 4, 2, 2),
  ('bank_tiers', 'gold',     3, 1, 1, 2, 2),
  ('bank_tiers', 'silver',   4, 1, 1, 1, 1);
SELECT m, f, rfm_segment(1, f, m, 'bank_tiers') FROM generate_series(1, 4) m, (VALUES (1), (4)) v(f) ORDER BY m, f;
SELECT rfm_segment_map_validate('bank_tiers');

-- a rule hidden behind a broader one is reported
INSERT INTO rfm_segment_rules (map_name, segment, priority, m_min, m_max) VALUES ('bank_tiers', 'hidden', 9, 4, 4);
SELECT rfm_segment_map_validate('bank_tiers');

-- errors
SELECT rfm_agg(ts, amount, NULL) FROM txn;
SELECT rfm_agg(ts, amount, 'infinity') FROM txn;
SELECT rfm_agg(ts, 'NaN', '2024-03-01') FROM txn;
SELECT rfm_agg(ts, amount, ts) FROM txn WHERE customer = 1 AND ts IS NOT NULL AND amount IS NOT NULL;
SELECT rfm_agg('-infinity', 1, '2024-03-01');
SELECT rfm_agg(now(), 1e300, now());
SELECT rfm_breaks(1) WITHIN GROUP (ORDER BY x) FROM f;
SELECT rfm_breaks(100000) WITHIN GROUP (ORDER BY x) FROM f;
SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY x) FROM (VALUES ('NaN'::float8)) v(x);
SELECT rfm_score(1, '{3,2}');
SELECT rfm_score(1, '{1,NULL}');
SELECT rfm_score(1, '{1,NaN}');
SELECT rfm_score(1, '{}');
SELECT rfm_score(1, '{{1,2},{3,4}}');
SELECT rfm_score('Infinity', '{1,2}');
SELECT rfm_segment(0, 3, 3);
SELECT rfm_segment(3, 6, 3);
SELECT rfm_segment(1, 1, 1, 'no_such_map');
SELECT 'rfm2:-:1:0:5:5:1000000:0:1'::rfm_state;
SELECT 'rfm1:-:1:0:5:4:1000000:0:1'::rfm_state;
SELECT 'rfm1:-:1:0:5:5:1000000:0:1:extra'::rfm_state;
SELECT rfm_state_merge('rfm1:100:1:0:5:5:1000000:0:1', 'rfm1:-:1:0:5:5:1000000:0:1');
SELECT rfm_final('rfm1:100:1:0:5:5:1000000:0:1', '2000-01-01');
INSERT INTO rfm_segment_maps VALUES ('broken', 3);
INSERT INTO rfm_segment_rules (map_name, segment, priority, r_max) VALUES ('broken', 'a', 1, 2), ('broken', 'b', 1, 1);
SELECT rfm_segment(1, 1, 1, 'broken');
UPDATE rfm_segment_rules SET priority = 2 WHERE map_name = 'broken' AND segment = 'b';
SELECT rfm_segment(1, 1, 1, 'broken');
INSERT INTO rfm_segment_rules (map_name, segment, priority, r_min, r_max) VALUES ('broken', 'c', 3, 2, 4);
SELECT rfm_segment(1, 1, 1, 'broken');
SELECT rfm_final('rfm1:-:1:0:5:5:1000000:0:1', '1999-01-01');
