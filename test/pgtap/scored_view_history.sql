-- pgTAP: the history of a scored view.  Over refreshes with new rows,
-- updates, deletes and the passing of time, the history reconstructs, for
-- every refresh, exactly the segment, value class and spend the view showed
-- then (checked against full snapshots taken at each refresh); a refresh
-- records exactly the customers that changed; crm_segment_moves and
-- crm_value_class_moves equal a plain-SQL comparison of two snapshots.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SET LOCAL timezone = 'UTC';
SELECT * FROM no_plan();

SELECT setseed(0.17);
CREATE TABLE hs (customer_id int, txn_time timestamptz, amount numeric);
INSERT INTO hs SELECT c, '2024-01-01'::timestamptz + random() * interval '200 days', round((random() * 300)::numeric, 2)
FROM generate_series(1, 600) c, generate_series(1, 1 + (c % 7)) k;
SELECT crm_score_setup('hs_v', 'hs');
CREATE TABLE snaps (refresh_no int, customer_id int, segment text, value_class text, monetary float8);
-- snapshots are numbered as the history numbers its points
CREATE FUNCTION pg_temp.snap(r int) RETURNS void LANGUAGE sql AS
  $$ INSERT INTO snaps SELECT (SELECT refresh_no FROM hs_v_meta), customer_id, computed_segment, value_class, monetary FROM hs_v $$;

-- eight refreshes, a week apart, with writes of every kind in between; a
-- case base from the fourth on, so value classes are recorded too
DO $$
DECLARE d timestamptz := '2024-07-20';
BEGIN
    FOR r IN 1..8 LOOP
        IF r > 1 THEN
            INSERT INTO hs SELECT (random() * 650)::int + 1, d - random() * interval '7 days', round((random() * 200)::numeric, 2)
            FROM generate_series(1, 40);
            UPDATE hs SET amount = amount + 1 WHERE customer_id = (r * 37) % 600;
            DELETE FROM hs WHERE customer_id = (r * 53) % 600;
            UPDATE hs SET customer_id = (r * 11) % 600 + 1 WHERE customer_id = (r * 13) % 600 + 1 AND amount < 100;
        END IF;
        CALL crm_refresh_scores('hs_v', d);
        PERFORM pg_temp.snap(r);
        IF r = 4 THEN   -- value classes for everyone: a point of the history of its own (number 5)
            PERFORM count(*) FROM crm_case_base_build('hs_v', 'hs_cb', k => 4, labels => '{a,b,c,d}');
            PERFORM pg_temp.snap(r);
        END IF;
        d := d + interval '7 days';
    END LOOP;
END $$;

SELECT is((SELECT count(DISTINCT refresh_no) FROM snaps), 9::bigint, 'eight refreshes and a case base build snapshotted');
SELECT ok((SELECT count(*) FROM snaps WHERE refresh_no = 9) > 500, 'with hundreds of customers each');

-- the view as of refresh r, rebuilt from the history: each customer's last row up to r
CREATE FUNCTION pg_temp.from_history(r int) RETURNS TABLE (customer_id int, segment text, value_class text, monetary float8)
LANGUAGE sql AS $$
  SELECT h.customer_id, h.segment, h.value_class, h.monetary
  FROM (SELECT DISTINCT ON (customer_id) * FROM hs_v_history WHERE refresh_no <= r ORDER BY customer_id, refresh_no DESC) h
  WHERE h.segment IS NOT NULL $$;
SELECT is((SELECT string_agg(r || ':' || (SELECT count(*) FROM ((SELECT customer_id, segment, value_class, monetary FROM snaps WHERE refresh_no = r
                                                               EXCEPT SELECT * FROM pg_temp.from_history(r))
                                                              UNION ALL (SELECT * FROM pg_temp.from_history(r)
                                                               EXCEPT SELECT customer_id, segment, value_class, monetary FROM snaps WHERE refresh_no = r)) x), ','
                             ORDER BY r) FROM generate_series(1, 9) r),
          '1:0,2:0,3:0,4:0,5:0,6:0,7:0,8:0,9:0',
          'at every refresh the history gives exactly the segment, value class and spend the view showed');
SELECT is((SELECT count(*) FROM snaps s WHERE s.refresh_no >= 5 AND s.value_class IS NULL), 0::bigint,
          'value classes were recorded once the case base existed');

-- exactly the customers that changed, at each refresh
SELECT is((SELECT string_agg(r || ':' || (SELECT count(*) FROM (
              (SELECT customer_id FROM hs_v_history WHERE refresh_no = r
               EXCEPT SELECT coalesce(a.customer_id, b.customer_id) FROM (SELECT * FROM snaps WHERE refresh_no = r - 1) a
                      FULL JOIN (SELECT * FROM snaps WHERE refresh_no = r) b USING (customer_id)
                      WHERE ROW(a.segment, a.value_class, a.monetary) IS DISTINCT FROM ROW(b.segment, b.value_class, b.monetary))
              UNION ALL
              (SELECT coalesce(a.customer_id, b.customer_id) FROM (SELECT * FROM snaps WHERE refresh_no = r - 1) a
                      FULL JOIN (SELECT * FROM snaps WHERE refresh_no = r) b USING (customer_id)
                      WHERE ROW(a.segment, a.value_class, a.monetary) IS DISTINCT FROM ROW(b.segment, b.value_class, b.monetary)
               EXCEPT SELECT customer_id FROM hs_v_history WHERE refresh_no = r)) x), ',' ORDER BY r)
           FROM generate_series(2, 9) r),
          '2:0,3:0,4:0,5:0,6:0,7:0,8:0,9:0', 'each refresh records exactly the customers whose segment, value class or spend changed');
SELECT ok((SELECT count(*) FROM hs_v_history WHERE refresh_no = 3) BETWEEN 1 AND 300,
          'a refresh after a week of writes records some customers, not everyone');

-- transition matrices against a plain comparison of two snapshots
CREATE FUNCTION pg_temp.moves_diff(kind text, r1 int, r2 int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d1 timestamptz; d2 timestamptz; res text;
BEGIN
  SELECT min(as_of) INTO d1 FROM hs_v_history WHERE refresh_no = r1;
  SELECT min(as_of) INTO d2 FROM hs_v_history WHERE refresh_no = r2;
  EXECUTE format($q$
    WITH p AS (SELECT a.%1$I AS f, b.%1$I AS t, a.monetary mf, b.monetary mt
               FROM (SELECT * FROM snaps WHERE refresh_no = %2$s) a FULL JOIN (SELECT * FROM snaps WHERE refresh_no = %3$s) b USING (customer_id)
               WHERE a.%1$I IS NOT NULL OR b.%1$I IS NOT NULL),
         ref AS (SELECT f, t, count(*) n, round(sum(mf)::numeric, 6) mf, round(sum(mt)::numeric, 6) mt FROM p GROUP BY 1, 2),
         got AS (SELECT from_label, to_label, customers, round(revenue_before::numeric, 6), round(revenue_after::numeric, 6)
                 FROM crm_moves('hs_v', %4$L, %5$L, %6$L))
    SELECT (SELECT count(*) FROM got) || '/' || (SELECT count(*) FROM ref) || ' pairs, '
           || (SELECT count(*) FROM ((SELECT * FROM ref EXCEPT SELECT * FROM got) UNION ALL (SELECT * FROM got EXCEPT SELECT * FROM ref)) x)
           || ' differ'$q$, kind, r1, r2, kind, d1, d2) INTO res;
  RETURN res;
END $$;
SELECT matches(pg_temp.moves_diff('segment', 1, 9), '^([1-9][0-9]*)/\1 pairs, 0 differ$', 'segment moves from the first to the last refresh equal the snapshots''');
SELECT matches(pg_temp.moves_diff('segment', 2, 3), '^([1-9][0-9]*)/\1 pairs, 0 differ$', 'and from one week to the next');
SELECT matches(pg_temp.moves_diff('segment', 5, 5), '^([1-9][0-9]*)/\1 pairs, 0 differ$', 'and from a refresh to itself (the diagonal)');
SELECT matches(pg_temp.moves_diff('value_class', 5, 9), '^([1-9][0-9]*)/\1 pairs, 0 differ$', 'value class moves equal the snapshots'' too');
SELECT is((SELECT sum(customers)::bigint FROM crm_segment_moves('hs_v', '2024-07-20', '2024-09-07') WHERE to_segment IS NOT NULL),
          (SELECT count(*) FROM snaps WHERE refresh_no = 9), 'crm_segment_moves accounts for every customer of the later refresh');
SELECT is((SELECT sum(customers)::bigint FROM hs_v_totals WHERE kind = 'segment' AND refresh_no = 6),
          (SELECT count(*) FROM snaps WHERE refresh_no = 6), 'the totals of a refresh count its customers');
-- every refresh's totals per label equal its snapshot's, customers and spend,
-- for both kinds (row counts asserted: an empty pair would also be equal)
CREATE TEMP TABLE snap_tot AS
  SELECT refresh_no, 'segment'::text AS kind, segment AS label, count(*) AS customers, round(sum(monetary::numeric), 6) AS monetary
    FROM snaps WHERE segment IS NOT NULL GROUP BY 1, 2, 3
  UNION ALL
  SELECT refresh_no, 'value_class', value_class, count(*), round(sum(monetary::numeric), 6)
    FROM snaps WHERE value_class IS NOT NULL GROUP BY 1, 2, 3;
CREATE TEMP TABLE view_tot AS
  SELECT refresh_no, kind, label, customers, round(monetary::numeric, 6) AS monetary FROM hs_v_totals
   WHERE refresh_no IN (SELECT refresh_no FROM snaps);
SELECT cmp_ok((SELECT count(*) FROM snap_tot), '>', 10::bigint, 'snapshot totals to compare');
SELECT is((SELECT count(*) FROM view_tot), (SELECT count(*) FROM snap_tot), 'one totals row per label and refresh');
SELECT is_empty($$ (SELECT * FROM snap_tot EXCEPT SELECT * FROM view_tot) UNION ALL (SELECT * FROM view_tot EXCEPT SELECT * FROM snap_tot) $$,
                'totals per label equal the snapshots, customers and spend, at every refresh');
SELECT is((SELECT count(*) FROM hs_v_moves WHERE refresh_no = 3 AND kind = 'segment'),
          (SELECT count(*) FROM (SELECT DISTINCT a.segment, b.segment FROM (SELECT * FROM snaps WHERE refresh_no = 2) a
                                 FULL JOIN (SELECT * FROM snaps WHERE refresh_no = 3) b USING (customer_id)
                                 WHERE a.segment IS DISTINCT FROM b.segment) x),
          'the moves view has one row per (from, to) pair that moved at a refresh');
SELECT throws_ok($$SELECT * FROM crm_segment_moves('hs_v', '2020-01-01', '2024-08-01')$$, 'P0002', NULL,
                 'a date before the first refresh is refused');
SELECT throws_ok($$SELECT * FROM crm_moves('hs_v', 'action', '2024-08-01', '2024-09-01')$$, '22023', NULL, 'an unknown kind is refused');

-- a full rebuild to an earlier date cuts the history after it
CALL crm_refresh_scores('hs_v', '2024-08-10', full_rebuild => true);
SELECT is((SELECT count(*) FROM hs_v_history WHERE as_of > '2024-08-10'), 0::bigint, 'a rebuild to an earlier date drops the history after it');
SELECT is((SELECT count(*) FROM ((SELECT customer_id, computed_segment, value_class, monetary FROM hs_v
                                  EXCEPT SELECT * FROM pg_temp.from_history((SELECT max(refresh_no)::int FROM hs_v_history)))
                                 UNION ALL (SELECT * FROM pg_temp.from_history((SELECT max(refresh_no)::int FROM hs_v_history))
                                  EXCEPT SELECT customer_id, computed_segment, value_class, monetary FROM hs_v)) x)
          || '/' || (SELECT count(*) FROM hs_v), '0/' || (SELECT count(*) FROM hs_v), 'and the history still gives the view');

-- retention keeps each customer's last row
UPDATE crm_score_jobs SET history_retention = interval '1 day' WHERE target = 'hs_v'::regclass;
UPDATE hs_v_meta SET pruned_as_of = NULL;
CALL crm_refresh_scores('hs_v', '2024-08-20');
SELECT is((SELECT count(*) FROM (SELECT customer_id FROM hs_v_history GROUP BY 1 HAVING max(as_of) < '2024-08-19' AND count(*) > 1) x),
          0::bigint, 'pruning drops old rows but keeps each customer''s last one');
SELECT is((SELECT count(*) FROM ((SELECT customer_id, computed_segment, value_class, monetary FROM hs_v
                                  EXCEPT SELECT * FROM pg_temp.from_history((SELECT max(refresh_no)::int FROM hs_v_history)))
                                 UNION ALL (SELECT * FROM pg_temp.from_history((SELECT max(refresh_no)::int FROM hs_v_history))
                                  EXCEPT SELECT customer_id, computed_segment, value_class, monetary FROM hs_v)) x)
          || '/' || (SELECT count(*) FROM hs_v), '0/' || (SELECT count(*) FROM hs_v), 'and the history still gives the view after pruning');

SELECT * FROM finish();
ROLLBACK;
