-- pgTAP: scored tables refreshed incrementally give what a full computation
-- gives; overrides win and survive refreshes; a failed refresh changes nothing.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SET LOCAL timezone = 'UTC';
SELECT plan(33);

CREATE TABLE sales (client bigint, at timestamptz, value numeric(12,2));
INSERT INTO sales
SELECT c, '2024-01-01'::timestamptz + (abs(hashint4(c * 31 + k)) % 300) * interval '1 day',
       CASE WHEN k % 17 = 0 THEN -5 ELSE (abs(hashint4(c + k * 7)) % 50000) / 100.0 END
FROM generate_series(1, 400) c, generate_series(1, 1 + c % 25) k;

SELECT is(crm_score_setup('scores', 'sales', 'client', 'at', 'value')::text, 'scores', 'setup creates the scored view');
SELECT is((SELECT count(*) FROM pg_attribute a WHERE a.attrelid = 'scores'::regclass AND a.attnum > 0
           AND col_description(a.attrelid, a.attnum) IS NOT NULL), 22::bigint, 'every column of the scored view has a COMMENT');

-- independent reference: rfm_agg over the full history + breaks + scores + map
CREATE FUNCTION pg_temp.reference(d timestamptz) RETURNS TABLE (customer_id bigint, rfm_code text, segment text, monetary float8)
LANGUAGE sql AS $$
  WITH r AS (SELECT client, (rfm_agg(at, value, d)).* FROM sales GROUP BY client),
       p AS (SELECT * FROM r WHERE frequency IS NOT NULL),
       b AS (SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY recency_days) rb, rfm_breaks(5) WITHIN GROUP (ORDER BY frequency) fb,
                    rfm_breaks(5) WITHIN GROUP (ORDER BY monetary) mb FROM p)
  SELECT client, concat(rfm_score(recency_days, rb, false), rfm_score(frequency, fb), rfm_score(monetary, mb)),
         rfm_segment(rfm_score(recency_days, rb, false), rfm_score(frequency, fb), rfm_score(monetary, mb)), monetary
  FROM p, b $$;

-- the view against the reference: customers on each side and rows that
-- differ either way (two empty sets would otherwise compare equal)
CREATE FUNCTION pg_temp.vs_reference(d timestamptz, seg text DEFAULT 'segment') RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format($q$WITH v AS (SELECT customer_id, rfm_code, %1$I AS segment, monetary FROM scores),
                          f AS (SELECT * FROM pg_temp.reference(%2$L))
                     SELECT (SELECT count(*) FROM v) || '/' || (SELECT count(*) FROM f) || ' customers, '
                            || (SELECT count(*) FROM ((SELECT * FROM v EXCEPT SELECT * FROM f) UNION ALL (SELECT * FROM f EXCEPT SELECT * FROM v)) x)
                            || ' differ'$q$, seg, d) INTO r;
  RETURN r;
END $$;

CALL crm_refresh_scores('scores', '2024-08-01');
SELECT is((SELECT count(*) FROM scores), (SELECT count(*) FROM pg_temp.reference('2024-08-01')), 'one row per customer with a purchase');
SELECT is(pg_temp.vs_reference('2024-08-01'), (SELECT count(*) FROM pg_temp.reference('2024-08-01')) || '/'
          || (SELECT count(*) FROM pg_temp.reference('2024-08-01')) || ' customers, 0 differ', 'first refresh equals the direct computation');
SELECT is((SELECT loaded_through FROM crm_score_jobs WHERE target = 'scores'::regclass), '2024-08-01'::timestamptz, 'watermark advanced');

-- rows of the state table written so far in this transaction
CREATE FUNCTION pg_temp.writes() RETURNS bigint LANGUAGE sql AS
  $$ SELECT pg_stat_get_xact_tuples_inserted('scores_data'::regclass) + pg_stat_get_xact_tuples_updated('scores_data'::regclass) $$;

-- new transactions arrive; the next refresh reads only them
INSERT INTO sales SELECT c, '2024-08-15'::timestamptz + c * interval '1 minute', 99.99 FROM generate_series(1, 400, 7) c;
CREATE TEMP TABLE w AS SELECT pg_temp.writes() AS before;
CALL crm_refresh_scores('scores', '2024-11-01');
SELECT is((SELECT last_changed_customers FROM crm_score_jobs WHERE target = 'scores'::regclass),
          (SELECT count(DISTINCT client) FROM sales WHERE at > '2024-08-01' AND at <= '2024-11-01'),
          'incremental refresh merged only customers with new transactions');
SELECT is((SELECT pg_temp.writes() - before FROM w), (SELECT count(DISTINCT client) FROM sales WHERE at > '2024-08-01' AND at <= '2024-11-01'),
          'and wrote only their rows, although the quintiles moved');
SELECT is(pg_temp.vs_reference('2024-11-01'), (SELECT count(*) FROM pg_temp.reference('2024-11-01')) || '/'
          || (SELECT count(*) FROM pg_temp.reference('2024-11-01')) || ' customers, 0 differ',
          'incremental refresh equals a full computation over all history');
SELECT is((SELECT count(*) FROM scores WHERE as_of <> '2024-11-01'), 0::bigint, 'as_of recorded');
SET LOCAL enable_seqscan = off;
CREATE TEMP TABLE plan_lines AS SELECT * FROM (VALUES ('')) v(l) WHERE false;
DO $$ DECLARE line text; BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT * FROM scores WHERE customer_id = 7' LOOP INSERT INTO plan_lines VALUES (line); END LOOP;
END $$;
SELECT ok((SELECT bool_or(l ~ 'Index Scan using scores_data_pkey') AND bool_or(l ~ 'Index Cond: \(customer_id = 7\)') FROM plan_lines),
          'a lookup of one customer in the view reaches the primary key of the state table');
RESET enable_seqscan;

-- a manual override wins and survives refreshes
INSERT INTO scores_overrides (customer_id, segment, reason) VALUES (7, 'VIP - do not contact', 'relationship manager');
CALL crm_refresh_scores('scores', '2024-11-02');
SELECT is((SELECT segment FROM scores WHERE customer_id = 7), 'VIP - do not contact', 'override wins');
SELECT is((SELECT computed_segment = (SELECT segment FROM pg_temp.reference('2024-11-02') WHERE customer_id = 7) AND segment_overridden
           FROM scores WHERE customer_id = 7), true, 'computed segment kept beside the override');
UPDATE w SET before = pg_temp.writes();
CALL crm_refresh_scores('scores', '2024-11-03');
SELECT is((SELECT segment FROM scores WHERE customer_id = 7), 'VIP - do not contact', 'override survives the next refresh');
SELECT is((SELECT pg_temp.writes() - before FROM w), 0::bigint,
          'a day later without new transactions no customer row is rewritten');
SELECT is(pg_temp.vs_reference('2024-11-03', 'computed_segment'), (SELECT count(*) FROM pg_temp.reference('2024-11-03')) || '/'
          || (SELECT count(*) FROM pg_temp.reference('2024-11-03')) || ' customers, 0 differ',
          'and the scores still equal a full computation');

-- a failed refresh leaves the previous scores and watermark in place
CREATE TABLE before AS SELECT * FROM scores;
INSERT INTO sales VALUES (1, '2024-11-10', 'NaN');
SELECT throws_ok($$CALL crm_refresh_scores('scores', '2024-11-20')$$, '22023', NULL, 'refresh fails on a NaN amount');
SELECT is((SELECT count(*) || '/' || (SELECT count(*) FROM before) || ', ' || (SELECT count(*) FROM ((SELECT * FROM scores EXCEPT SELECT * FROM before)
                                         UNION ALL (SELECT * FROM before EXCEPT SELECT * FROM scores)) d) || ' differ' FROM scores),
          (SELECT count(*) || '/' || count(*) || ', 0 differ' FROM before WHERE (SELECT count(*) FROM before) > 0), 'previous scores still in place');
SELECT is((SELECT loaded_through FROM crm_score_jobs WHERE target = 'scores'::regclass), '2024-11-03'::timestamptz,
          'watermark not advanced by the failed refresh');
DELETE FROM sales WHERE value = 'NaN';

SELECT throws_ok($$CALL crm_refresh_scores('scores', '2024-01-01')$$, '22023', NULL, 'cannot go back in time incrementally');

-- a user segment map: applied at refresh, stored as a grid, so readers need no rights on the map tables
-- and edits to the map take effect at the next refresh
INSERT INTO rfm_segment_maps VALUES ('tap_tiers', 5, 'tiers on the M score');
INSERT INTO rfm_segment_rules (map_name, segment, priority, m_min, m_max) VALUES
  ('tap_tiers', 'diamond', 1, 5, 5), ('tap_tiers', 'platinum', 2, 4, 4), ('tap_tiers', 'gold', 3, 3, 3), ('tap_tiers', 'silver', 4, 1, 2);
SELECT crm_score_setup('tiers', 'sales', 'client', 'at', 'value', segment_map => 'tap_tiers');
CALL crm_refresh_scores('tiers', '2024-11-03');
SELECT is((SELECT count(*) FROM tiers t JOIN scores s USING (customer_id)
           WHERE t.segment <> CASE WHEN s.m_score = 5 THEN 'diamond' WHEN s.m_score = 4 THEN 'platinum'
                                   WHEN s.m_score = 3 THEN 'gold' ELSE 'silver' END), 0::bigint,
          'a user map gives every customer the tier of its M score');
CREATE ROLE crm_tap_reader;
GRANT SELECT ON tiers TO crm_tap_reader;
SELECT count(DISTINCT client) AS buyers FROM sales WHERE value > 0 \gset
SET LOCAL ROLE crm_tap_reader;
SELECT is((SELECT count(*) FROM tiers WHERE segment IS NOT NULL), :buyers::bigint,
          'a role with SELECT on the view alone reads segments (no rights on the map tables needed)');
RESET ROLE;
UPDATE rfm_segment_rules SET segment = 'black' WHERE map_name = 'tap_tiers' AND segment = 'diamond';
SELECT is((SELECT count(*) FROM tiers WHERE segment = 'black'), 0::bigint, 'an edited map does not change the view before a refresh');
CALL crm_refresh_scores('tiers', '2024-11-03');
SELECT is((SELECT count(*) FROM tiers WHERE segment = 'black'), (SELECT count(*) FROM tiers WHERE m_score = 5),
          'and does after the next one');
DELETE FROM rfm_segment_maps WHERE map_name = 'tap_tiers';
SELECT throws_ok($$CALL crm_refresh_scores('tiers', '2024-11-04')$$, '42704', NULL, 'a refresh whose map was deleted fails clearly');
SELECT is((SELECT count(*) FROM tiers WHERE segment = 'black'), (SELECT count(*) FROM tiers WHERE m_score = 5),
          'and the view keeps the segments of the last refresh');

-- value classes: a case base of typical customers; every customer gets the class of the most similar one
SELECT is((SELECT count(*) FROM scores WHERE value_class IS NOT NULL), 0::bigint, 'no value class before a case base exists');
CREATE TABLE cb AS SELECT * FROM crm_case_base_build('scores', 'sales_cb', k => 4, labels => '{top,high,mid,low}');
SELECT is((SELECT array_agg(label ORDER BY case_no) FROM cb), '{top,high,mid,low}'::text[], 'four labelled cases, best first');
SELECT is((SELECT sum(cluster_size) FROM cb), (SELECT count(*) FROM scores)::numeric, 'the clusters cover every scored customer');
SELECT is((SELECT count(*) FROM scores WHERE value_class IS NULL OR NOT (similarity > 0 AND similarity <= 1)), 0::bigint,
          'every customer has a value class and a similarity in (0, 1]');
SELECT is((SELECT count(*) FROM scores s JOIN cb ON cb.typical_customer = s.customer_id::text
           WHERE s.value_class <> cb.label OR s.similarity <> 1), 0::bigint,
          'each typical customer is classified as its own case with similarity 1');
-- independent path: features from rfm_agg over the raw rows instead of the stored states
SELECT is((SELECT count(*) FROM scores s JOIN (
             SELECT client, (cbr_classify(normalize_features(rfm_features(rfm_agg(at, value, '2024-11-03'), b.fields), b.stats, b.cost),
                                          b.cases, b.labels, b.group_sizes, b.inner_weights, b.group_weights, b.rho)).label AS lbl
             FROM sales, crm_case_bases b WHERE b.name = 'sales_cb' GROUP BY client, b.fields, b.stats, b.cost, b.cases, b.labels,
                  b.group_sizes, b.inner_weights, b.group_weights, b.rho) d ON d.client = s.customer_id
           WHERE s.value_class IS DISTINCT FROM d.lbl), 0::bigint, 'value classes equal a direct classification of rfm_agg results');
SELECT throws_ok($$SELECT * FROM crm_case_base_build('scores', 'x', k => 3, labels => '{a,b}')$$, '2202E', NULL, 'labels must match k');
SELECT throws_ok($$SELECT crm_score_setup('s2', 'sales', 'nope')$$, '42703', NULL, 'unknown column');

SELECT * FROM finish();
ROLLBACK;
