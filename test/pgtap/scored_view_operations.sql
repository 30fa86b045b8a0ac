-- pgTAP: scored views under ordinary operations: updates and deletes of
-- loaded rows, TRUNCATE, timestamp and date source columns under changing
-- TimeZone settings, future dates, teardown and set up again, and the clear
-- errors a DBA gets when something around the view changed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SET LOCAL timezone = 'UTC';
SELECT * FROM no_plan();

CREATE TABLE ops (customer_id int, txn_time timestamptz, amount numeric, note text);
INSERT INTO ops SELECT c, '2024-01-01'::timestamptz + (c * 13 + k * 7) % 200 * interval '1 day', (c * k) % 40 + 1, 'n'
FROM generate_series(1, 60) c, generate_series(1, 1 + c % 6) k;
SELECT crm_score_setup('ops_v', 'ops');
CALL crm_refresh_scores('ops_v', '2024-08-01');

-- the view against rfm_agg over the source: rows of the view that differ, and
-- how many customers each side has
CREATE FUNCTION pg_temp.diff(v regclass, src regclass, t text, d timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format($q$
    WITH ref AS (SELECT customer_id::text c, (x).frequency, (x).monetary, (x).recency_days, (x).first_txn, (x).last_txn, (x).mean_gap_days
                 FROM (SELECT customer_id, rfm_agg(%3$s, amount, %4$L) x FROM %2$s GROUP BY 1) s WHERE (x).frequency IS NOT NULL),
         vw AS (SELECT customer_id::text c, frequency, monetary, recency_days, first_txn, last_txn, mean_gap_days FROM %1$s)
    SELECT (SELECT count(*) FROM vw) || '/' || (SELECT count(*) FROM ref) || ' customers, '
           || (SELECT count(*) FROM ((SELECT * FROM vw EXCEPT SELECT * FROM ref) UNION ALL (SELECT * FROM ref EXCEPT SELECT * FROM vw)) x)
           || ' differ'$q$, v, src, t, d) INTO r;
  RETURN r;
END $$;
SELECT is(pg_temp.diff('ops_v', 'ops', 'txn_time', '2024-08-01'), '60/60 customers, 0 differ', 'first refresh equals rfm_agg');

-- updates and deletes of loaded rows are reflected at the next refresh
UPDATE ops SET amount = amount * 10 WHERE customer_id IN (3, 4);
UPDATE ops SET customer_id = 5 WHERE customer_id = 6;            -- rows move to another customer
DELETE FROM ops WHERE customer_id = 7;                           -- a customer erased
DELETE FROM ops WHERE customer_id = 8 AND amount > 20;
SELECT is((SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) FROM ops_v_pending WHERE recompute),
          '{3,4,5,6,7,8}'::int[], 'updated, moved and deleted rows mark exactly their customers for recomputation');
CALL crm_refresh_scores('ops_v', '2024-08-02');
SELECT is(pg_temp.diff('ops_v', 'ops', 'txn_time', '2024-08-02'), '58/58 customers, 0 differ',
          'after the refresh the view reflects the updates, the move and the deletes');
SELECT is((SELECT count(*) FROM ops_v WHERE customer_id IN (6, 7)), 0::bigint, 'customers without rows left the view');
SELECT is((SELECT count(*) FROM ops_v_pending), 0::bigint, 'and nothing is left pending');
UPDATE ops SET note = 'changed' WHERE customer_id = 9;
SELECT is((SELECT count(*) FROM ops_v_pending), 0::bigint, 'an update that changes no customer, time or amount marks nobody');

-- rows dated after as_of wait in the pending table, and a future as_of is refused
INSERT INTO ops VALUES (1, '2024-09-01', 5, 'n'), (2, now() + interval '1 day', 5, 'n');
CALL crm_refresh_scores('ops_v', '2024-08-03');
SELECT is((SELECT count(*) FROM ops_v_pending WHERE NOT recompute), 2::bigint, 'rows dated after as_of stay pending');
SELECT throws_ok($$CALL crm_refresh_scores('ops_v', now() + interval '1 hour')$$, '22023', NULL, 'a future as_of is refused');
SELECT is((SELECT as_of FROM ops_v LIMIT 1), '2024-08-03'::timestamptz, 'and moves nothing');
CALL crm_refresh_scores('ops_v', '2024-09-02');
SELECT is(pg_temp.diff('ops_v', 'ops', 'txn_time', '2024-09-02'), '58/58 customers, 0 differ', 'the waiting row is loaded once its date is reached');
SELECT is((SELECT count(*) FROM ops_v_pending), 1::bigint, 'and only the one dated in the future still waits');

-- a full rebuild to an earlier date keeps the later rows pending, and the
-- incremental refreshes after it count them exactly once
CALL crm_refresh_scores('ops_v', '2024-05-01', full_rebuild => true);
SELECT is(pg_temp.diff('ops_v', 'ops', 'txn_time', '2024-05-01'), (SELECT count(DISTINCT customer_id) FROM ops WHERE amount > 0 AND txn_time <= '2024-05-01')
          || '/' || (SELECT count(DISTINCT customer_id) FROM ops WHERE amount > 0 AND txn_time <= '2024-05-01') || ' customers, 0 differ',
          'a full rebuild as of an earlier date');
CALL crm_refresh_scores('ops_v', '2024-09-02');
SELECT is(pg_temp.diff('ops_v', 'ops', 'txn_time', '2024-09-02'), '58/58 customers, 0 differ', 'and back incrementally, nothing lost or doubled');

-- TRUNCATE of the source empties the view at the next refresh
TRUNCATE ops;
INSERT INTO ops VALUES (100, '2024-09-01', 7, 'n');
CALL crm_refresh_scores('ops_v', '2024-09-02');
SELECT is(pg_temp.diff('ops_v', 'ops', 'txn_time', '2024-09-02'), '1/1 customers, 0 differ', 'after TRUNCATE and a new row: only that row');

-- timestamp columns are read in the zone fixed at setup, whatever the session's
CREATE TABLE ops_ts (customer_id int, txn_time timestamp, amount float8);
INSERT INTO ops_ts SELECT c, '2024-03-10 01:30'::timestamp + k * interval '5 hours', c + k FROM generate_series(1, 30) c, generate_series(1, 5) k;
SELECT crm_score_setup('ops_ts_v', 'ops_ts', time_zone => 'America/New_York');
SET LOCAL timezone = 'Asia/Tokyo';
CALL crm_refresh_scores('ops_ts_v', '2024-03-10 12:00+00');
INSERT INTO ops_ts SELECT c, '2024-03-10 09:00', 1 FROM generate_series(1, 30, 3) c;  -- 13:00 UTC in New York: after the first as_of
SET LOCAL timezone = 'Pacific/Chatham';
CALL crm_refresh_scores('ops_ts_v', '2024-03-12 00:00+00');
SET LOCAL timezone = 'UTC';
SELECT is(pg_temp.diff('ops_ts_v', 'ops_ts', $$txn_time AT TIME ZONE 'America/New_York'$$, '2024-03-12 00:00+00'), '30/30 customers, 0 differ',
          'refreshes under Tokyo and Chatham time read a timestamp column in New York time, exactly once');
SELECT is((SELECT time_zone FROM crm_scored_views WHERE name = 'ops_ts_v'), 'America/New_York', 'the zone is recorded and shown');

-- date columns: rows dated today that arrive after a mid-day refresh are loaded next time
CREATE TABLE ops_d (customer_id int, txn_time date, amount int);
INSERT INTO ops_d SELECT c, '2024-06-01'::date + c % 9, c FROM generate_series(1, 40) c;
SELECT crm_score_setup('ops_d_v', 'ops_d', time_zone => 'UTC');
CALL crm_refresh_scores('ops_d_v', '2024-06-10 12:00+00');
INSERT INTO ops_d SELECT c, '2024-06-10', 3 FROM generate_series(1, 40, 4) c;
CALL crm_refresh_scores('ops_d_v', '2024-06-10 18:00+00');
SELECT is(pg_temp.diff('ops_d_v', 'ops_d', $$txn_time::timestamp AT TIME ZONE 'UTC'$$, '2024-06-10 18:00+00'), '40/40 customers, 0 differ',
          'rows dated today, inserted after a mid-day refresh, are loaded by the next');

-- clear errors
SELECT throws_ok($$SELECT crm_score_setup('ops_v', 'ops')$$, '42710', 'public.ops_v is already set up as a scored view',
                 'setting the same name up twice says so');
DROP VIEW ops_v;
SELECT throws_like($$SELECT crm_score_setup('ops_v', 'ops')$$, '%already set up as a scored view%',
                   'after DROP VIEW, setup again says the job remains');
SELECT lives_ok($$SELECT crm_score_drop('ops_v')$$, 'crm_score_drop cleans up after a DROP VIEW');
SELECT is((SELECT count(*) FROM pg_class WHERE relname LIKE 'ops\_v\_%') + (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ops'::regclass)
          + (SELECT count(*) FROM crm_score_jobs WHERE target_name = 'public.ops_v'), 0::bigint,
          'and leaves no table, trigger or job behind');
SELECT lives_ok($$SELECT crm_score_setup('ops_v', 'ops')$$, 'the name can be set up again');
SELECT lives_ok($$CALL crm_refresh_scores('ops_v', '2024-09-02')$$, 'and refreshed');
SELECT is((SELECT count(*) FROM ops_v), 1::bigint, 'with the current rows');
SELECT throws_ok($$SELECT crm_score_setup(repeat('x', 54), 'ops')$$, '42622', NULL, 'a name too long for its tables is refused');
SELECT throws_ok($$SELECT crm_score_setup('ops_v2', 'ops', customer_col => 'nope')$$, '42703',
                 'column "nope" does not exist in public.ops', 'a missing column is reported as missing');
SELECT throws_ok($$SELECT crm_score_setup('ops_v2', 'ops', amount_col => 'note')$$, '42804', NULL, 'a wrong type as a wrong type');
SELECT throws_ok($$SELECT crm_score_setup('ops_v2', 'crm_scored_views')$$, '42809', NULL, 'a view as the source is refused');
ALTER TABLE ops ALTER COLUMN customer_id TYPE bigint;
SELECT throws_ok($$CALL crm_refresh_scores('ops_v')$$, '42804', NULL, 'a changed column type is named, not an operator error');
SELECT throws_like($$CALL crm_refresh_scores('ops_v')$$, '%column "customer_id" of public.ops changed type from integer to bigint%',
                   'with the column and both types');
DROP TABLE ops CASCADE;
SELECT throws_ok($$CALL crm_refresh_scores('ops_v')$$, '42P01', 'the source table of scored view public.ops_v no longer exists',
                 'a dropped source says so');
SELECT lives_ok($$SELECT crm_score_drop('ops_v')$$, 'and the view can be dropped');
SELECT throws_ok($$CALL crm_refresh_scores('crm_scored_views')$$, '42704', NULL, 'refreshing a view that is not scored');
SELECT is((SELECT count(*) FROM crm_scored_views WHERE name IN ('ops_ts_v', 'ops_d_v')), 2::bigint,
          'crm_scored_views finds views by their name as text');
-- disabled capture triggers would lose rows: the refresh refuses
ALTER TABLE ops_d DISABLE TRIGGER ALL;
SELECT throws_ok($$CALL crm_refresh_scores('ops_d_v', '2024-06-11')$$, '55000', NULL, 'a refresh refuses while capture triggers are disabled');
ALTER TABLE ops_d ENABLE TRIGGER ALL;   -- the row-level twins now fire in ordinary sessions too
SELECT throws_like($$CALL crm_refresh_scores('ops_d_v', '2024-06-11')$$, '%row-level capture triggers%fire in ordinary sessions%',
                   'a refresh refuses when rows would be captured twice');
SELECT lives_ok($$CALL crm_refresh_scores('ops_d_v', '2024-06-11', full_rebuild => true)$$, 'a full rebuild by the owner puts the triggers right');
SELECT is((SELECT string_agg(tgenabled::text, '' ORDER BY tgenabled) FROM pg_trigger WHERE tgrelid = 'ops_d'::regclass), 'AOOORRR',
          'statement-level ones for ordinary sessions, row-level ones for replica sessions, TRUNCATE always');
INSERT INTO ops_d VALUES (1, '2024-06-11', 1);
CALL crm_refresh_scores('ops_d_v', '2024-06-11 12:00+00');
SELECT is(pg_temp.diff('ops_d_v', 'ops_d', $$txn_time::timestamp AT TIME ZONE 'UTC'$$, '2024-06-11 12:00+00'), '40/40 customers, 0 differ',
          'and every row is counted once again');

SELECT * FROM finish();
ROLLBACK;
