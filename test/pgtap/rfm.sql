-- pgTAP: behaviour of the RFM functions, checked against independent
-- plain-SQL computations on generated data, plus every bad input.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SET LOCAL timezone = 'UTC';
SELECT plan(69);

-- ---------------------------------------------------------------- catalog
SELECT has_type('rfm');
SELECT has_type('rfm_state');
SELECT has_function('rfm_score', ARRAY['double precision', 'double precision[]', 'boolean']);
SELECT has_function('rfm_segment', ARRAY['integer', 'integer', 'integer']);
SELECT has_function('rfm_segment', ARRAY['integer', 'integer', 'integer', 'text']);

SELECT is(
  (SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
   WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext') AND d.deptype = 'e'
     AND obj_description(p.oid, 'pg_proc') IS NULL),
  0::bigint, 'every crm_ext function and aggregate has a COMMENT');
SELECT is(
  (SELECT count(*) FROM pg_aggregate a JOIN pg_depend d ON d.objid = a.aggfnoid AND d.classid = 'pg_proc'::regclass
   WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'crm_ext') AND d.deptype = 'e'
     AND a.aggkind = 'n' AND a.aggcombinefn = 0),
  0::bigint, 'every normal crm_ext aggregate has a combine function');
SELECT is(
  (SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
   WHERE p.proname IN ('rfm_agg', 'rfm_state_agg') AND (a.aggtranstype = 'internal'::regtype OR p.proparallel <> 's')),
  0::bigint, 'rfm_agg and rfm_state_agg have ordinary (non-internal) states and are PARALLEL SAFE');

-- ---------------------------------------------------------------- data
-- 3,000 customers, ~60,000 transactions: skewed counts, refunds, rows after
-- as_of, NULLs, and repeated timestamps.
CREATE TABLE tx (customer int, ts timestamptz, amount float8);
INSERT INTO tx
SELECT c, '2023-01-01'::timestamptz + ((hashint4(c * 1000 + k) & 1023) * interval '12 hours')
                                      + (k % 7) * interval '1 second',
       CASE WHEN hashint4(c + k * 7919) % 13 = 0 THEN -round((abs(hashint4(k + c)) % 5000) / 100.0, 2)
            ELSE round((abs(hashint4(k * 31 + c)) % 100000) / 100.0, 2) END
FROM generate_series(1, 3000) c, generate_series(1, 1 + (c * c) % 37) k;
INSERT INTO tx VALUES (1, NULL, 5), (1, '2023-03-01', NULL), (2, '2023-03-01', 0);
ANALYZE tx;

-- independent reference in plain SQL: counts, sums in numeric, LAG gaps
CREATE TABLE ref AS
WITH p AS (SELECT customer, ts, amount FROM tx
           WHERE ts <= '2024-03-01' AND ts IS NOT NULL AND amount IS NOT NULL),
gaps AS (SELECT customer, extract(epoch FROM ts - lag(ts) OVER (PARTITION BY customer ORDER BY ts)) / 86400 AS gap
         FROM p WHERE amount > 0)
SELECT p.customer,
       extract(epoch FROM '2024-03-01'::timestamptz - max(ts) FILTER (WHERE amount > 0)) / 86400 AS recency_days,
       count(*) FILTER (WHERE amount > 0) AS frequency,
       sum(amount::numeric) AS monetary,
       min(ts) FILTER (WHERE amount > 0) AS first_txn,
       max(ts) FILTER (WHERE amount > 0) AS last_txn,
       extract(epoch FROM '2024-03-01'::timestamptz - min(ts) FILTER (WHERE amount > 0)) / 86400 AS tenure_days,
       (SELECT avg(gap) FROM gaps g WHERE g.customer = p.customer) AS mean_gap_days,
       max(amount) FILTER (WHERE amount > 0) AS max_amount,
       count(*) FILTER (WHERE amount < 0) AS refunds,
       -coalesce(sum(amount::numeric) FILTER (WHERE amount < 0), 0) AS refund_amount
FROM p GROUP BY p.customer HAVING count(*) FILTER (WHERE amount > 0) > 0;

CREATE TABLE got AS
SELECT customer, (rfm_agg(ts, amount, '2024-03-01')).* FROM tx GROUP BY customer;

SELECT is((SELECT count(*) FROM got WHERE recency_days IS NOT NULL), (SELECT count(*) FROM ref),
          'one non-NULL result per customer with a purchase');
SELECT is((SELECT count(*) FROM got g JOIN ref r USING (customer)
           WHERE g.frequency <> r.frequency OR g.first_txn <> r.first_txn OR g.last_txn <> r.last_txn
              OR g.refunds <> r.refunds OR g.max_amount <> r.max_amount), 0::bigint,
          'frequency, first/last purchase, refunds and max amount match plain SQL');
SELECT is((SELECT count(*) FROM got g JOIN ref r USING (customer)
           WHERE abs(g.recency_days - r.recency_days) > 1e-9 OR abs(g.tenure_days - r.tenure_days) > 1e-9),
          0::bigint, 'recency and tenure in days match plain SQL');
SELECT is((SELECT count(*) FROM got g JOIN ref r USING (customer)
           WHERE g.monetary::numeric <> round(r.monetary, 6) OR g.refund_amount::numeric <> round(r.refund_amount, 6)),
          0::bigint, 'monetary and refunds equal the exact numeric sums');
SELECT is((SELECT count(*) FROM got g JOIN ref r USING (customer)
           WHERE (g.mean_gap_days IS NULL) <> (r.mean_gap_days IS NULL)
              OR abs(g.mean_gap_days - r.mean_gap_days) > 1e-9),
          0::bigint, 'mean gap equals the mean of LAG() gaps (NULL with one purchase)');
SELECT is((SELECT count(*) FROM got
           WHERE abs(avg_amount - monetary / frequency) > 1e-9
              OR abs(purchases_per_30d - 30.0 * frequency / greatest(tenure_days, 30)) > 1e-9
              OR (mean_gap_days > 0 AND abs(overdue_ratio - recency_days / mean_gap_days) > 1e-9)),
          0::bigint, 'avg_amount, purchases_per_30d and overdue_ratio follow their definitions');
SELECT is((SELECT count(*) FROM (SELECT customer FROM tx GROUP BY customer
                                 HAVING rfm_agg(ts, amount::numeric, '2024-03-01') IS DISTINCT FROM
                                        rfm_agg(ts, amount, '2024-03-01')) s),
          0::bigint, 'numeric amounts give the same result as float8');
SELECT is((SELECT (rfm_agg('2024-01-01'::timestamptz, x, '2024-02-01')).monetary
           FROM (VALUES (0.1234565::numeric), (0.1234565), (2.0000004)) v(x)), 2.246914::float8,
          'numeric amounts are rounded half away from zero to micro-units and summed exactly');
SELECT cmp_ok((SELECT abs((rfm_agg('2024-01-01'::timestamptz, x, '2024-02-01')).monetary - 12345678901235.5)
               FROM (VALUES (12345678901234.5::numeric), (1)) v(x)), '<', 0.01::float8,
              'amounts beyond the int64 micro-unit path are still summed');

-- ---------------------------------------------------------------- parallel = serial
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TABLE serial_res AS SELECT customer, rfm_agg(ts, amount, '2024-03-01')::text AS r FROM tx GROUP BY customer;
CREATE TABLE serial_all AS SELECT rfm_agg(ts, amount, '2024-06-01')::text AS r, rfm_state_agg(ts, amount)::text AS s FROM tx;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
SET LOCAL enable_hashagg = off;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; out text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP out := out || line || E'\n'; END LOOP;
  RETURN out;
END $$;

SELECT matches(pg_temp.plan_of($$SELECT rfm_agg(ts, amount, '2024-06-01'), rfm_state_agg(ts, amount) FROM tx$$),
               'Partial Aggregate', 'whole-table rfm_agg/rfm_state_agg plan has a Partial Aggregate');
SELECT is((SELECT rfm_agg(ts, amount, '2024-06-01')::text FROM tx), (SELECT r FROM serial_all),
          'parallel whole-table rfm_agg equals serial, bit for bit');
SELECT is((SELECT rfm_state_agg(ts, amount)::text FROM tx), (SELECT s FROM serial_all),
          'parallel rfm_state_agg equals serial');
SELECT matches(pg_temp.plan_of($$SELECT customer, rfm_agg(ts, amount, '2024-03-01') FROM tx GROUP BY customer$$),
               'Partial GroupAggregate', 'grouped rfm_agg plan has a Partial GroupAggregate');
-- (both directions, and the number of customers: two empty sets would compare equal)
CREATE TEMP VIEW par_res AS SELECT customer, rfm_agg(ts, amount, '2024-03-01')::text AS r FROM tx GROUP BY customer;
SELECT is((SELECT count(*) || ' customers, ' || (SELECT count(*) FROM ((SELECT * FROM par_res EXCEPT SELECT * FROM serial_res)
                                                      UNION ALL (SELECT * FROM serial_res EXCEPT SELECT * FROM par_res)) d) || ' differ' FROM par_res),
          (SELECT count(*) || ' customers, 0 differ' FROM serial_res WHERE (SELECT count(*) FROM serial_res) > 0),
          'parallel grouped rfm_agg equals serial for every customer');
SET LOCAL enable_hashagg = on;
SET LOCAL enable_sort = off;
SELECT is((SELECT count(*) || ' customers, ' || (SELECT count(*) FROM ((SELECT * FROM par_res EXCEPT SELECT * FROM serial_res)
                                                      UNION ALL (SELECT * FROM serial_res EXCEPT SELECT * FROM par_res)) d) || ' differ' FROM par_res),
          (SELECT count(*) || ' customers, 0 differ' FROM serial_res WHERE (SELECT count(*) FROM serial_res) > 0),
          'parallel hash-aggregated rfm_agg equals serial');
RESET enable_sort;
SET LOCAL max_parallel_workers_per_gather = 0;

-- ---------------------------------------------------------------- incremental states
CREATE TABLE stored AS SELECT customer, rfm_state_agg(ts, amount) AS st FROM tx WHERE ts < '2024-01-01' GROUP BY customer;
CREATE TABLE merged AS
SELECT customer, rfm_state_merge(s.st, n.st) AS st
FROM stored s FULL JOIN (SELECT customer, rfm_state_agg(ts, amount) AS st FROM tx WHERE ts >= '2024-01-01' GROUP BY customer) n
USING (customer);
SELECT is((SELECT count(*) FROM merged m JOIN (SELECT customer, rfm_state_agg(ts, amount) AS st FROM tx WHERE ts IS NOT NULL GROUP BY customer) w
           USING (customer) WHERE m.st::text <> w.st::text), 0::bigint,
          'stored state merged with new rows equals the state of the full history');
SELECT is((SELECT count(*) FROM merged m JOIN (SELECT customer, rfm_agg(ts, amount, '2025-01-01') AS r FROM tx GROUP BY customer) w
           USING (customer) WHERE rfm_final(m.st, '2025-01-01') IS DISTINCT FROM w.r), 0::bigint,
          'rfm_final of the merged state equals rfm_agg over the full history (gaps included)');
SELECT is((SELECT rfm_state_agg(st)::text FROM merged), (SELECT rfm_state_agg(ts, amount)::text FROM tx WHERE ts IS NOT NULL),
          'the merging aggregate rolls states up exactly');
SELECT is(rfm_state_merge(NULL, 'rfm1:-:1:0:5:5:1000000:0:1')::text, 'rfm1:-:1:0:5:5:1000000:0:1', 'merge with a NULL state keeps the other');
SELECT is((SELECT count(*) FROM merged WHERE (rfm_final(st, '2025-01-01')).recency_days IS DISTINCT FROM rfm_state_recency(st, '2025-01-01')
              OR (rfm_final(st, '2025-01-01')).frequency IS DISTINCT FROM rfm_state_frequency(st)
              OR (rfm_final(st, '2025-01-01')).monetary IS DISTINCT FROM rfm_state_monetary(st)), 0::bigint,
          'state accessors equal the rfm fields (NULL without a purchase)');

-- text and binary round trips
SELECT is((SELECT count(*) FROM merged WHERE st::text::rfm_state::text <> st::text), 0::bigint, 'text output/input round-trips');
CREATE TABLE bin_out AS SELECT customer, st FROM merged;
-- the file goes in the server's own data directory, never a shared /tmp name
CREATE TABLE bin_in (LIKE bin_out);
DO $$
DECLARE f text := pg_catalog.current_setting('data_directory') || '/crm_ext_rfm_state.bin';
BEGIN
    EXECUTE pg_catalog.format('COPY bin_out TO %L WITH (FORMAT binary)', f);
    EXECUTE pg_catalog.format('COPY bin_in FROM %L WITH (FORMAT binary)', f);
END $$;
SELECT is((SELECT count(*) FROM bin_in i JOIN bin_out o USING (customer) WHERE i.st::text = o.st::text), (SELECT count(*) FROM bin_out),
          'binary send/receive round-trips');

-- every state output can print, input accepts: subnormal and smallest
-- amounts (strtod reports them as ERANGE), negative zero, the largest sums
SELECT is((SELECT count(*) FROM (
             SELECT rfm_state_agg(t, a) AS s
               FROM (VALUES (1, '2024-01-01'::timestamptz, 1e-310::float8), (1, '2024-01-02', -0.0),
                            (2, '2024-01-01', 5e-324), (3, '2024-01-01', 2.2250738585072014e-308),
                            (4, '2024-01-01', 1e25), (4, '2024-01-02', -0.0)) v(c, t, a)
              GROUP BY c) q
            WHERE s::text::rfm_state::text = s::text), 4::bigint,
          'subnormal, smallest normal, negative zero and huge amounts round-trip through text (4 states)');

-- ---------------------------------------------------------------- compact and wide layouts
-- A state starts in 64 bytes (counts below 2^31, sums within +/-9.2e12 in micro-units) and
-- widens once when a sum outgrows that; results must not depend on the layout.  Customer c
-- buys on days 1, 3, 4, 5 (float8: c * 2^40 each, exact in micro-units; numeric:
-- c * 1e12 + k + 0.01) and refunds 0.25 on day 2: customers 1-2 stay compact, 3-6 outgrow
-- it.  Numeric sums are the exact reference.
CREATE TABLE big AS SELECT c AS customer, '2024-01-01'::timestamptz + k * interval '1 day' AS ts,
                           CASE WHEN k = 2 THEN -0.25 ELSE c * 2::float8 ^ 40 END AS amount,
                           CASE WHEN k = 2 THEN -0.25 ELSE c * 1e12 + k + 0.01 END AS amount_num
                    FROM generate_series(1, 6) c, generate_series(1, 5) k;
SELECT is((SELECT array_agg(pg_column_size(s) ORDER BY customer) FROM (SELECT customer, rfm_state_agg(ts, amount) s FROM big GROUP BY customer) x),
          '{64,64,88,88,88,88}'::int[], 'states take 64 bytes until a sum outgrows int64 micro-units, then 88');
SELECT is((SELECT count(*) FROM (SELECT customer, rfm_agg(ts, amount, '2025-01-01') AS r, sum(amount::numeric)::float8 AS ref
                                 FROM big GROUP BY customer) x
           WHERE (r).monetary <> ref OR (r).frequency <> 4 OR (r).refunds <> 1 OR (r).max_amount <> customer * 2::float8 ^ 40), 0::bigint,
          'a float8 state that widens mid-group keeps exact sums, counts and maximum');
SELECT is((SELECT count(*) FROM (SELECT customer, rfm_state_agg(ts, amount_num)::text AS s,
                                        sum(amount_num) FILTER (WHERE amount_num > 0) * 1000000 AS ps
                                 FROM big GROUP BY customer) x
           WHERE split_part(s, ':', 7)::numeric <> ps OR split_part(s, ':', 8) <> '-250000'), 0::bigint,
          'a numeric state that widens mid-group keeps exact micro-unit sums');
SELECT is((SELECT count(*) FROM (SELECT customer, rfm_state_merge(a.s, b.s)::text AS m, w.s::text AS whole
                                 FROM (SELECT customer, rfm_state_agg(ts, amount_num) s FROM big WHERE ts < '2024-01-04' GROUP BY customer) a
                                 JOIN (SELECT customer, rfm_state_agg(ts, amount_num) s FROM big WHERE ts >= '2024-01-04' GROUP BY customer) b USING (customer)
                                 JOIN (SELECT customer, rfm_state_agg(ts, amount_num) s FROM big GROUP BY customer) w USING (customer)) x
           WHERE m <> whole), 0::bigint, 'merging two compact halves whose sum outgrows the compact form equals the whole');
SELECT is((SELECT rfm_state_agg(s)::text FROM (SELECT rfm_state_agg(ts, amount) s FROM big GROUP BY customer) x),
          (SELECT rfm_state_agg(ts, amount)::text FROM big), 'rolling up compact and wide states equals one state over all rows');
SELECT is((SELECT count(*) FROM (SELECT rfm_state_agg(ts, amount) s FROM big GROUP BY customer) x
           WHERE s::text::rfm_state::text <> s::text OR pg_column_size(s::text::rfm_state) <> pg_column_size(s)), 0::bigint,
          'text input keeps the layout a state needs');
SELECT is((SELECT count(*) FROM (SELECT customer, rfm_state_agg(ts, amount) s FROM big GROUP BY customer) x
           WHERE rfm_state_monetary(s) <> (SELECT sum(amount::numeric)::float8 FROM big b WHERE b.customer = x.customer)
              OR rfm_state_frequency(s) <> 4), 0::bigint, 'accessors read both layouts');

-- ---------------------------------------------------------------- breaks and scores
SELECT is((SELECT array_agg(c ORDER BY s) FROM (SELECT rfm_score(g, b) s, count(*) c
           FROM generate_series(1, 1000) g, (SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY x) b FROM generate_series(1, 1000) x) br
           GROUP BY 1) q), ARRAY[200, 200, 200, 200, 200]::bigint[],
          'distinct values: five classes of exactly 200');
SELECT is((SELECT ARRAY[count(*), max(c) - min(c), sum(c)] FROM (SELECT rfm_score(g, b) s, count(*) c
           FROM generate_series(1, 103) g, (SELECT rfm_breaks(4) WITHIN GROUP (ORDER BY x) b FROM generate_series(1, 103) x) br
           GROUP BY 1) q), ARRAY[4, 1, 103]::numeric[],
          'uneven count (103 in 4): four classes whose sizes differ by at most one');
CREATE TABLE heavy AS SELECT (CASE WHEN g % 10 < 7 THEN 1 ELSE g % 10 END)::float8 AS x FROM generate_series(1, 1000) g;
SELECT is((SELECT array_agg(DISTINCT rfm_score(x, b)) FROM heavy, (SELECT rfm_breaks(4) WITHIN GROUP (ORDER BY x) b FROM heavy) br),
          ARRAY[1, 2, 3, 4], 'heavy ties (70% equal): all 4 classes still used');
SELECT is((SELECT count(*) FROM (SELECT x FROM heavy, (SELECT rfm_breaks(4) WITHIN GROUP (ORDER BY x) b FROM heavy) br
           GROUP BY x HAVING count(DISTINCT rfm_score(x, b)) > 1) t), 0::bigint, 'equal values always get equal scores');
SELECT cmp_ok((SELECT count(*) FROM (SELECT x FROM (SELECT ntile(4) OVER (ORDER BY x) n, x FROM heavy) t
                                      GROUP BY x HAVING count(DISTINCT n) > 1) s),
          '>', 0::bigint, '(contrast) NTILE does split equal values');
SELECT is(rfm_score(5, '{2,4,6,8}', false), 3, 'lower-is-better reverses the class');
SELECT is(rfm_score(1, '{2,4,6,8}', false), 5, 'smallest recency scores best');
SELECT is((SELECT rfm_breaks(3) WITHIN GROUP (ORDER BY recency_days) FROM got) IS NOT NULL, true, 'breaks of real recency values');
-- 1000 distinct values (both signs, tiny and huge, -0 and 0 as one value), each 3 times in
-- random order: the radix-sort path; with 1000 classes every distinct value but the
-- smallest is a cut point, so the breaks are PostgreSQL's own sort of the distinct values
CREATE TABLE spread AS
  SELECT v FROM (SELECT v FROM (SELECT CASE WHEN g = 1000 THEN 0::float8  -- odd part 2g+1 keeps magnitudes distinct
                                            ELSE (1 - 2 * (g % 2)) * (2 * g + 1) * power(2::float8, (g * 37) % 201 - 100) END AS v
                                FROM generate_series(1, 1000) g) d, generate_series(1, 3) r
                 UNION ALL SELECT '-0'::float8) u
  ORDER BY md5(random()::text);
SELECT is((SELECT rfm_breaks(1000) WITHIN GROUP (ORDER BY v) FROM spread),
          (SELECT (array_agg(v ORDER BY v))[2:1000] FROM (SELECT DISTINCT v FROM spread) d),
          'radix-sorted breaks: 3001 values of 1000 distinct ones, every distinct value but the smallest is a cut');

-- ---------------------------------------------------------------- segments
CREATE TABLE grid (r int, fm int, seg text);
-- the documented R x FM table, typed in independently of the C code
INSERT INTO grid VALUES
 (5,1,'New Customers'),(5,2,'Potential Loyalist'),(5,3,'Potential Loyalist'),(5,4,'Champions'),(5,5,'Champions'),
 (4,1,'Promising'),(4,2,'Potential Loyalist'),(4,3,'Potential Loyalist'),(4,4,'Loyal Customers'),(4,5,'Loyal Customers'),
 (3,1,'About To Sleep'),(3,2,'About To Sleep'),(3,3,'Need Attention'),(3,4,'Loyal Customers'),(3,5,'Loyal Customers'),
 (2,1,'Hibernating'),(2,2,'Hibernating'),(2,3,'At Risk'),(2,4,'At Risk'),(2,5,'At Risk'),
 (1,1,'Lost'),(1,2,'Lost'),(1,3,'At Risk'),(1,4,'Can''t Lose Them'),(1,5,'Can''t Lose Them');
SELECT is((SELECT count(*) FROM generate_series(1,5) r CROSS JOIN generate_series(1,5) f CROSS JOIN generate_series(1,5) m
           JOIN grid g ON g.r = r.r AND g.fm = (f + m + 1) / 2 WHERE rfm_segment(r.r, f, m) IS DISTINCT FROM g.seg), 0::bigint,
          'all 125 score combinations follow the documented grid');
SELECT is((SELECT count(DISTINCT rfm_segment(r, f, m)) FROM generate_series(1,5) r, generate_series(1,5) f, generate_series(1,5) m),
          11::bigint, 'all 11 segments are reachable');

INSERT INTO rfm_segment_maps VALUES ('t3', 3);
INSERT INTO rfm_segment_rules (map_name, segment, priority, r_min, f_min, m_min) VALUES
  ('t3', 'top', 1, 3, 3, 3), ('t3', 'rest', 2, 1, 1, 1);
SELECT is(rfm_segment(3, 3, 3, 't3'), 'top', 'user map: first rule by priority wins');
SELECT is(rfm_segment(3, 3, 2, 't3'), 'rest', 'user map: catch-all');
SELECT is((SELECT count(DISTINCT rfm_segment(r, f, m, 't3')) FROM generate_series(1,3) r, generate_series(1,3) f, generate_series(1,3) m),
          2::bigint, 'user map applies over a whole query (cached compile)');

-- ---------------------------------------------------------------- bad input
SELECT throws_ok($$SELECT rfm_agg(ts, amount, NULL) FROM tx$$, '22004', NULL, 'NULL as_of');
SELECT throws_ok($$SELECT rfm_agg(ts, amount, 'infinity') FROM tx$$, '22008', NULL, 'infinite as_of');
SELECT throws_ok($$SELECT rfm_agg(now(), 'NaN'::float8, now())$$, '22023', NULL, 'NaN amount');
SELECT throws_ok($$SELECT rfm_agg(now(), '-Infinity'::float8, now())$$, '22023', NULL, 'infinite amount');
SELECT throws_ok($$SELECT rfm_agg(now(), 'NaN'::numeric, now())$$, '22023', NULL, 'NaN numeric amount');
SELECT throws_ok($$SELECT rfm_agg(ts, 1.0::float8, ts) FROM tx WHERE customer = 5$$, '22023', NULL, 'as_of differing within a group');
SELECT throws_ok($$SELECT rfm_agg(now(), 1e300::float8, now())$$, '22003', NULL, 'amount beyond the exact range');
SELECT throws_ok($$SELECT rfm_breaks(1) WITHIN GROUP (ORDER BY x) FROM heavy$$, '22023', NULL, 'n < 2');
SELECT throws_ok($$SELECT rfm_breaks(2147483647) WITHIN GROUP (ORDER BY x) FROM heavy$$, '22023', NULL, 'absurd n');
SELECT throws_ok($$SELECT rfm_breaks(3) WITHIN GROUP (ORDER BY x) FROM (VALUES (1::float8), ('Infinity')) v(x)$$, '22023', NULL, 'infinite value in breaks input');
SELECT throws_ok($$SELECT rfm_score(1, '{5,4}')$$, '22023', NULL, 'unsorted breaks');
SELECT throws_ok($$SELECT rfm_score(1, '{4,NULL}')$$, '22004', NULL, 'NULL in breaks');
SELECT throws_ok($$SELECT rfm_score('NaN', '{4,5}')$$, '22023', NULL, 'NaN value');
SELECT throws_ok($$SELECT rfm_score(1, '{{1,2}}')$$, '2202E', NULL, '2-D breaks');
SELECT throws_ok($$SELECT rfm_segment(6, 1, 1)$$, '22003', NULL, 'score out of range');
SELECT throws_ok($$SELECT 'rfm1:-:1:0:5:5:1000000:0:x'::rfm_state$$, '22P02', NULL, 'corrupt state text');
SELECT throws_ok($$SELECT 'rfm1:-:-1:0:0:0:0:0:0'::rfm_state$$, '22P02', NULL, 'impossible state');

SELECT * FROM finish();
ROLLBACK;
