-- pgTAP: hostile and corner-case calls found in review: forged aggregate
-- states, privileges of support functions, rounding noise in signals,
-- impossible stored states, odd names, stale caches.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SET LOCAL timezone = 'UTC';
SELECT plan(20);

-- forged kmeans states are refused, never written past their end
SELECT throws_ok($$SELECT kmeans_accum('{20261125,200000,0,1,0}'::float8[], array_fill(0.5::float8, ARRAY[200000]), 1)$$,
                 '22000', NULL, 'kmeans state without room for a point is refused');
SELECT throws_ok($$SELECT kmeans_accum('{20261125,1,0,2,0}'::float8[], '{5}', 2)$$,
                 '22000', NULL, 'kmeans state with an empty data area is refused');

-- support functions are not callable by ordinary users; the aggregates are
CREATE ROLE crm_ext_plain_user;
CREATE TABLE pts AS SELECT ARRAY[g % 3, g % 5]::float8[] AS x, now() - g * interval '1 day' AS t, g::float8 AS a
FROM generate_series(1, 60) g;
GRANT SELECT ON pts TO crm_ext_plain_user;
SET LOCAL ROLE crm_ext_plain_user;
SELECT throws_ok($$SELECT kmeans_accum('{}'::float8[], '{1,2}', 2)$$, '42501', NULL, 'kmeans_accum: permission denied');
SELECT throws_ok($$SELECT rfm_agg_transfn(NULL, now(), 1::float8, now())$$, '42501', NULL, 'rfm_agg_transfn: permission denied');
SELECT throws_ok($$SELECT spend_by_period_combine(NULL, NULL)$$, '42501', NULL, 'spend_by_period_combine: permission denied');
SELECT is((SELECT array_length(kmeans(x, 3, 1), 1) FROM pts), 3, 'the kmeans aggregate still works for that user');
SELECT is((SELECT (rfm_agg(t, a, now())).frequency FROM pts), 60::bigint, 'rfm_agg still works for that user');
SELECT is((SELECT rfm_breaks(3) WITHIN GROUP (ORDER BY a) FROM pts), '{21,41}'::float8[], 'rfm_breaks still works for that user');
RESET ROLE;

-- rounding noise is not variation
SELECT is((spend_signals('{0.1,0.1,0.1,0.1}')).change_z, NULL, 'constant 0.1: no z-score');
SELECT is((spend_signals('{1.47,1.47,1.47,1.47,1.47,1.47,1.47,1.47,1.47,1.47,1.47,1.48}')).change_z, NULL,
          'eleven periods of 1.47 then 1.48: no z-score from a zero spread');
SELECT is(lifecycle_action(change_z => (spend_signals('{0.1,0.1,0.1,0.09}')).change_z, value_score => 5), 'maintain',
          'a one-cent dip is not a sudden drop');
SELECT is((SELECT provolatile FROM pg_proc WHERE proname = 'spend_by_period_transfn'), 's',
          'spend_by_period depends on TimeZone: its transition is STABLE');

-- impossible stored states
SELECT throws_ok($$SELECT 'rfm1:-:1:0:5:9:1000000:0:1'::rfm_state$$, '22P02', NULL, 'one purchase with first <> last');
SELECT throws_ok($$SELECT 'rfm1:-:2:0:5:9:1:0:1e300'::rfm_state$$, '22P02', NULL, 'largest purchase above the purchase sum');
SELECT throws_ok($$SELECT rfm_state_merge('rfm1:-:9223372036854775807:0:5:9:100000000:0:1', 'rfm1:-:1:0:5:5:1000000:0:1')$$,
                 '22003', NULL, 'purchase count overflow on merge is an error');

-- scored views: quoted names, non-finite dates
CREATE TABLE "Sales Log" ("Client" int, "At" timestamptz, "Value" numeric);
INSERT INTO "Sales Log" SELECT g % 7, '2024-01-01'::timestamptz + g * interval '1 day', g FROM generate_series(1, 50) g;
SELECT is(crm_score_setup('"Quoted Scores"', '"Sales Log"', 'Client', 'At', 'Value')::text, '"Quoted Scores"', 'quoted names work');
CALL crm_refresh_scores('"Quoted Scores"', '2024-03-01');
SELECT is((SELECT count(*) FROM "Quoted Scores"), 7::bigint, 'and refresh');
SELECT throws_ok($$CALL crm_refresh_scores('"Quoted Scores"', '-infinity', true)$$, '22008', NULL, 'as_of -infinity is refused');

-- a map edited inside a PL/pgSQL loop is reread
INSERT INTO rfm_segment_maps VALUES ('loop', 2);
INSERT INTO rfm_segment_rules (map_name, segment, priority) VALUES ('loop', 'before', 1);
CREATE FUNCTION pg_temp.loop_test() RETURNS text LANGUAGE plpgsql AS $$
DECLARE out text := ''; i int;
BEGIN
  FOR i IN 1..2 LOOP
    out := out || rfm_segment(1, 1, 1, 'loop') || ' ';
    UPDATE rfm_segment_rules SET segment = 'after' WHERE map_name = 'loop';
  END LOOP;
  RETURN out;
END $$;
SELECT is(pg_temp.loop_test(), 'before after ', 'segment map edits are seen by the next statement');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname = 'rfm_breaks' AND proparallel = 's'), 1::bigint, 'rfm_breaks is PARALLEL SAFE');

SELECT * FROM finish();
ROLLBACK;
