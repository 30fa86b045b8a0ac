-- pgTAP: k-means beyond memory (kmeans_step, kmeans_typical, kmeans_fit,
-- kmeans_fit_query): the same bits whatever the plan or row order, exact
-- sums against numeric arithmetic, the driver against the in-memory kmeans,
-- the caller's rights, bad input.
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SELECT plan(42);

CREATE FUNCTION pg_temp.plan_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; o text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP o := o || r || E'\n'; END LOOP;
    RETURN o;
END $$;

-- 60,000 points in 5 loose groups, long-tailed third coordinate; the same rows in another physical order
CREATE TABLE ks_pts AS
    SELECT i AS id, ARRAY[(i % 5) * 3 + sin(i * 1.7), (i % 5) * -2 + cos(i * 0.3),
                          exp(((i * 7919) % 1000) / 250.0) / 50]::float8[] AS x
    FROM generate_series(1, 60000) i;
CREATE TABLE ks_rev AS SELECT * FROM ks_pts ORDER BY (id::bigint * 48271) % 60013 DESC;
ANALYZE ks_pts;
ANALYZE ks_rev;
CREATE TEMP TABLE ks_c AS SELECT '{{0,0,0},{3,-2,1},{6,-4,0},{9,-6,2},{12,-8,1}}'::float8[] AS c;

-- ---- kmeans_step: exact, order- and plan-independent -----------------------------
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE ks_serial AS
    SELECT (SELECT kmeans_step(x, c) FROM ks_pts) AS s, (SELECT kmeans_step(x, c) FROM ks_rev) AS s_rev,
           (SELECT kmeans_typical(id::text, x, c) FROM ks_pts)::text AS t,
           (SELECT kmeans_typical(id::text, x, c) FROM ks_rev)::text AS t_rev
    FROM ks_c;
SELECT ok(s IS NOT NULL AND array_length(s, 1) = 4 + 5 * (2 + 3 + 7 * 4), 'kmeans_step state holds O(k x d) values (4 + k(2 + d + 7(d+1)))') FROM ks_serial;
SELECT is(s_rev, s, 'kmeans_step: another row order gives the same state, bit for bit') FROM ks_serial;
SELECT is(t_rev, t, 'kmeans_typical: another row order gives the same typical points') FROM ks_serial;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
SELECT matches(pg_temp.plan_text('SELECT kmeans_step(x, ''{{0,0,0}}'') FROM ks_pts'), 'Partial Aggregate', 'kmeans_step runs as a parallel partial aggregate');
SELECT matches(pg_temp.plan_text('SELECT kmeans_typical(id::text, x, ''{{0,0,0}}'') FROM ks_pts'), 'Partial Aggregate', 'kmeans_typical runs as a parallel partial aggregate');
SELECT is((SELECT kmeans_step(x, c) FROM ks_pts, ks_c), (SELECT s FROM ks_serial), 'kmeans_step: parallel equals serial, bit for bit');
SELECT is((SELECT kmeans_step(x, c) FROM ks_rev, ks_c), (SELECT s FROM ks_serial), 'kmeans_step: parallel over the other order equals serial');
SELECT is((SELECT kmeans_typical(id::text, x, c)::text FROM ks_pts, ks_c), (SELECT t FROM ks_serial), 'kmeans_typical: parallel equals serial');
-- partitions (partitionwise aggregation combines partial states too)
CREATE TABLE ks_part (id int, x float8[]) PARTITION BY RANGE (id);
CREATE TABLE ks_part1 PARTITION OF ks_part FOR VALUES FROM (1) TO (20001);
CREATE TABLE ks_part2 PARTITION OF ks_part FOR VALUES FROM (20001) TO (40001);
CREATE TABLE ks_part3 PARTITION OF ks_part FOR VALUES FROM (40001) TO (60001);
INSERT INTO ks_part SELECT * FROM ks_rev;
ANALYZE ks_part;
SET LOCAL enable_partitionwise_aggregate = on;
SELECT is((SELECT kmeans_step(x, c) FROM ks_part, ks_c), (SELECT s FROM ks_serial), 'kmeans_step: partitionwise aggregation equals serial');
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- against exact numeric arithmetic
CREATE TEMP TABLE ks_exact AS
    SELECT kmeans_assign(x, c) AS cl, count(*) AS n, avg(x[1]::numeric) AS m1, avg(x[2]::numeric) AS m2, avg(x[3]::numeric) AS m3
    FROM ks_pts, ks_c GROUP BY 1;
SELECT is(kmeans_step_sizes(s), (SELECT array_agg(n ORDER BY cl) FROM ks_exact), 'kmeans_step sizes = count(*) per kmeans_assign cluster') FROM ks_serial;
SELECT ok((SELECT count(*) = 15 AND bool_and(abs(a::numeric - b) <= 1e-13 * greatest(1, abs(b)))
           FROM unnest(kmeans_step_centroids(s, c), (SELECT array_agg(v ORDER BY cl, j) FROM ks_exact, LATERAL (VALUES (1, m1), (2, m2), (3, m3)) u(j, v))) z(a, b)),
          'kmeans_step centroids = numeric means (1e-13: float8 to numeric keeps 15 digits)') FROM ks_serial, ks_c;
SELECT ok(abs(kmeans_step_inertia(s)::numeric - (SELECT sum(((x[1] - c[cl][1])::numeric) ^ 2 + ((x[2] - c[cl][2])::numeric) ^ 2 + ((x[3] - c[cl][3])::numeric) ^ 2)
                                                FROM ks_pts, LATERAL (SELECT kmeans_assign(x, c) AS cl) a))
          <= 1e-9, 'kmeans_step inertia = the numeric sum of squared distances') FROM ks_serial, ks_c;
-- sums that double arithmetic gets wrong in some orders
SELECT is(kmeans_step_centroids(kmeans_step(x, '{{0}}'), '{{0}}'), '{{0.5}}'::float8[], '2^60 + 1 - 2^60 + 1 over 4 points: mean exactly 0.5')
FROM (VALUES ('{1152921504606846976}'::float8[]), ('{1}'), ('{-1152921504606846976}'), ('{1}')) v(x);
SELECT is(kmeans_step_centroids(kmeans_step(x, '{{0}}'), '{{0}}'), '{{0.1}}'::float8[], '0.1 added 10,000 times: mean exactly 0.1')
FROM (SELECT '{0.1}'::float8[] AS x FROM generate_series(1, 10000)) v;
-- the typical point: nearest, ties to the smallest id in byte order
SELECT is((SELECT (kmeans_typical(id, x, '{{0,0},{10,10}}')).ids FROM (VALUES ('b', '{1,0}'::float8[]), ('a', '{0,1}'), ('c', '{9,9}'), ('d', '{3,3}')) v(id, x)),
          '{a,c}'::text[], 'kmeans_typical: nearest point, equal distances go to the smaller id');
SELECT is((SELECT (kmeans_typical(NULL, x, '{{0,0},{10,10}}')).features FROM (VALUES ('{1,0}'::float8[]), ('{0,1}')) v(x)),
          '{{0,1},{NULL,NULL}}'::float8[], 'kmeans_typical: without ids the smaller point wins a tie; an empty cluster is NULL');
-- an empty cluster moves to the farthest point
SELECT is(kmeans_step_centroids(kmeans_step(x, '{{0},{10},{1000}}'), '{{0},{10},{1000}}'), '{{0},{9},{14}}'::float8[],
          'an empty cluster takes the farthest point of another cluster (which leaves it out)')
FROM (VALUES ('{-1}'::float8[]), ('{0}'), ('{1}'), ('{9}'), ('{14}')) v(x);
SELECT is(kmeans_step(x, '{{0}}'), NULL, 'kmeans_step over no rows is NULL') FROM ks_pts WHERE false;

-- ---- kmeans_fit ----------------------------------------------------------------
-- all points fit the sample: exactly the in-memory kmeans
SELECT is((SELECT centroids FROM kmeans_fit('ks_pts', 'x', 5, 3)), (SELECT kmeans(x, 5, 3) FROM ks_pts),
          'kmeans_fit with every point in the sample = the kmeans aggregate');
CREATE TEMP TABLE ks_fit AS SELECT * FROM kmeans_fit('ks_pts', 'x', 5, 3, 'id', sample_size => 2000);
SELECT ok(iterations >= 1 AND converged AND n = 60000 AND sample_n BETWEEN 1800 AND 2200,
          format('kmeans_fit with a 2000-point sample: %s Lloyd passes, converged, %s points, sample %s', iterations, n, sample_n)) FROM ks_fit;
SELECT is((SELECT array_agg(v) FROM unnest(sizes) v), (SELECT array_agg(n ORDER BY cl) FROM (SELECT kmeans_assign(x, f.centroids) cl, count(*) n FROM ks_pts, ks_fit f GROUP BY 1) s),
          'kmeans_fit sizes = points per nearest centroid') FROM ks_fit;
SELECT ok(abs(inertia / (SELECT sum((SELECT sum((u.a - u.b) ^ 2) FROM unnest(x, ARRAY(SELECT unnest(f.centroids[cl:cl][:]))) u(a, b)))
                         FROM ks_pts, LATERAL (SELECT kmeans_assign(x, f.centroids) AS cl) a) - 1) < 1e-12,
          'kmeans_fit inertia = the sum of squared distances to the final centroids') FROM ks_fit f;
SELECT is(typical_ids, (SELECT array_agg(id::text ORDER BY cl) FROM (
              SELECT DISTINCT ON (cl) cl, id FROM ks_pts, LATERAL (SELECT kmeans_assign(x, f.centroids) AS cl) a
              ORDER BY cl, (SELECT sum((u.a - u.b) ^ 2) FROM unnest(x, ARRAY(SELECT unnest(f.centroids[cl:cl][:]))) u(a, b)), id::text COLLATE "C") s),
          'typical_ids: the member nearest each final centroid') FROM ks_fit f;
SELECT is(typical_features, (SELECT array_agg(x ORDER BY array_position(f.typical_ids, id::text)) FROM ks_pts WHERE id::text = ANY (f.typical_ids)),
          'typical_features are those members'' points') FROM ks_fit f;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT is((SELECT row(f.*)::text FROM kmeans_fit('ks_rev', 'x', 5, 3, 'id', sample_size => 2000) f), (SELECT row(f.*)::text FROM ks_fit f),
          'kmeans_fit over other row order in parallel plans: the same result');
SELECT is((SELECT row(f.*)::text FROM kmeans_fit_query('SELECT x, id FROM public.ks_pts WHERE id > 0', 5, 3, 2000) f), (SELECT row(f.*)::text FROM ks_fit f),
          'kmeans_fit_query over the same rows: the same result');
RESET max_parallel_workers_per_gather;
SELECT is((SELECT typical_ids FROM kmeans_fit_query('SELECT x FROM public.ks_pts', 5, 3, 2000)), NULL, 'kmeans_fit_query without an id column: no typical ids');
SELECT is((SELECT typical_features FROM kmeans_fit_query('SELECT x FROM public.ks_pts', 5, 3, 2000)), (SELECT typical_features FROM ks_fit),
          'kmeans_fit_query without an id column: typical features all the same');
CREATE TABLE ks_empty (x float8[]);
SELECT is((SELECT row(n, centroids, sizes) FROM kmeans_fit('ks_empty', 'x', 3)), row(0::bigint, NULL::float8[], NULL::bigint[]), 'no rows: n = 0, NULL centroids');
SELECT is((SELECT n FROM kmeans_fit('ks_pts', 'x', 5, NULL)), NULL, 'a NULL argument gives NULL');

-- ---- errors and rights --------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM kmeans_fit('ks_pts', 'nope', 3)$$, '42703', NULL, 'unknown column: 42703');
SELECT throws_ok($$SELECT * FROM kmeans_fit('ks_pts', 'id', 3)$$, '42804', NULL, 'a column that is not float8[]: 42804');
SELECT throws_ok($$SELECT * FROM kmeans_fit('ks_pts', 'x', 0)$$, '22023', NULL, 'k = 0: 22023');
SELECT throws_ok($$SELECT * FROM kmeans_fit('ks_pts', 'x', 3, sample_size => 2)$$, '22023', NULL, 'sample smaller than k: 22023');
SELECT throws_ok($$SELECT * FROM kmeans_fit_query('SELECT id FROM public.ks_pts', 3)$$, '42804', NULL, 'a query whose first column is not float8[]: 42804');
SELECT throws_ok($$SELECT * FROM kmeans_fit_query('SELECT x FROM ks_pts', 3)$$, '42P01', NULL,
                 'the query runs with search_path = pg_catalog, pg_temp: unqualified tables are not found');
SELECT throws_ok($$SELECT * FROM kmeans_fit_query('SELECT x FROM public.ks_pts; DELETE FROM public.ks_pts', 3)$$, '42601', NULL,
                 'a second statement is a syntax error, never run');
SELECT throws_ok($$SELECT kmeans_step_sizes('{1,2,3}')$$, '22000', NULL, 'malformed kmeans_step state: 22000');
SELECT throws_ok($$SELECT kmeans_step(x, c) FROM (VALUES ('{1,2}'::float8[], '{{0,0}}'::float8[]), ('{1,2}', '{{0,0},{1,1}}')) v(x, c)$$,
                 '22023', NULL, 'centroids changing shape between rows: 22023');
SELECT throws_ok($$SELECT kmeans_step('{1e200}', '{{0}}')$$, '22003', NULL, 'coordinates beyond 1e150: 22003');
CREATE ROLE ks_nobody;
GRANT USAGE ON SCHEMA public TO ks_nobody;
SET LOCAL ROLE ks_nobody;
SELECT throws_ok($$SELECT * FROM kmeans_fit('ks_pts', 'x', 3)$$, '42501', NULL, 'kmeans_fit reads with the caller''s rights: no SELECT, no clustering');
SELECT throws_ok($$SELECT * FROM kmeans_fit_query('SELECT x FROM public.ks_pts', 3)$$, '42501', NULL, 'kmeans_fit_query too');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
