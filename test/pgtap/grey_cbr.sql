-- pgTAP: grey relational analysis, normalization, k-means and case-based
-- classification: NULL semantics, bad input (SQLSTATE), dmax = 0, the
-- fn_extra cache, parallel plans and determinism.
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SELECT plan(105);

-- ---- definitions ---------------------------------------------------------
-- dmax = 0: identical reference and cases give coefficient and grade 1
SELECT is(grey_relational_coefficients('{1,2,3}', '{1,2,3}'), '{1,1,1}'::float8[], 'identical pair: coefficients 1');
SELECT is(grey_relational_grade('{1,2,3}', '{1,2,3}', '{1,2,3}'), 1::float8, 'identical pair: grade 1');
SELECT is(grey_relational_grades('{1,2}', '{{1,2},{1,2}}'), '{1,1}'::float8[], 'all cases identical: grades 1');
SELECT is(grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,1}', NULL, NULL, 0.5, 'group'), '{1}'::float8[], 'multi-layer, identical: 1');
SELECT is(grey_multilayer_grades('{1,2,9}', '{{1,2,3},{1,2,5}}', '{2,1}', '{1,1,1}', '{1,1}', 0.5, 'group'),
          '{0.8888888888888888,1}'::float8[], 'per-group extremes: a group with dmax = 0 contributes its full weight');
-- the case with the largest grade is the nearest
SELECT is((cbr_classify('{0,0}', '{{5,5},{1,1},{3,3}}', '{far,near,mid}', NULL, NULL, NULL)).label, 'near', 'cbr_classify takes the most similar case');
-- ties go to the lowest case number
SELECT is((cbr_classify('{0,0}', '{{1,1},{1,1}}', '{a,b}', NULL, NULL, NULL)).case_no, 1, 'ties go to the lowest case number');
SELECT is((cbr_classify('{1,1}', '{{1,1},{1,1}}', '{a,b}', '{1,1}', NULL, NULL)).similarity, 1::float8, 'identical case base: similarity 1');

-- extreme magnitudes: subnormal deltas, deltas beyond DBL_MAX (|1e308 - -1e308|), tiny rho
SELECT ok((SELECT bool_and(abs(g - w) < 1e-9) FROM unnest(grey_relational_grades('{0,0}', '{{1e-310,0},{0,3e-310}}'), '{0.8,0.6666666666666666}'::float8[]) u(g, w)),
          'subnormal deltas: (0.6 + 1)/2 and (1 + 1/3)/2');
SELECT is(grey_relational_grades('{-1e308,1e308}', '{{1e308,-1e308},{0,0}}'), grey_relational_grades('{-1,1}', '{{1,-1},{0,0}}'), 'deltas that overflow float8 are rescaled (coefficients depend on ratios only)');
SELECT is(grey_relational_coefficients('{-1e308,0}', '{1e308,0}'), grey_relational_coefficients('{-1,0}', '{1,0}'), 'one pair: overflowing delta rescaled');
SELECT is(grey_multilayer_grades('{-1e308,1e308,0}', '{{1e308,-1e308,0},{0,0,1e308}}', '{2,1}', NULL, NULL, 0.5, 'group'),
          grey_multilayer_grades('{-1,1,0}', '{{1,-1,0},{0,0,1}}', '{2,1}', NULL, NULL, 0.5, 'group'), 'per-group extremes: overflowing deltas rescaled');
SELECT ok((SELECT bool_and(g > 0 AND g <= 1) FROM unnest(grey_relational_grades('{0,1}', '{{1,0},{0,0.5}}', rho => 1e-70)) g), 'tiny rho stays in (0, 1]');

-- weights are normalized: scaling them changes nothing
SELECT is(grey_relational_grade('{0,0,0}', '{1,2,3}', '{1,2,3}'), grey_relational_grade('{0,0,0}', '{1,2,3}', '{10,20,30}'), 'weights are normalized (scale invariant)');
SELECT is(grey_relational_grades('{0,0,0}', '{{1,2,3}}', NULL), grey_relational_grades('{0,0,0}', '{{1,2,3}}', '{5,5,5}'), 'NULL weights = equal weights');
SELECT is(grey_multilayer_grades('{0,0,0}', '{{1,2,3},{3,1,0}}', '{2,1}', '{1,3,1}', '{1,3}'),
          grey_multilayer_grades('{0,0,0}', '{{1,2,3},{3,1,0}}', '{2,1}', '{4,12,8}', '{2,6}'), 'multi-layer weights are normalized (inner within each group)');
SELECT ok((SELECT bool_and(abs(a - b) < 1e-15) FROM unnest(grey_multilayer_grades('{0,0,0}', '{{1,2,3},{3,1,0}}', NULL, '{1,1,2}', NULL),
          grey_relational_grades('{0,0,0}', '{{1,2,3},{3,1,0}}', '{1,1,2}')) u(a, b)), 'NULL group_sizes = one group = single-layer grade');
SELECT ok((SELECT bool_and(abs(a - b) < 1e-15) FROM unnest(grey_multilayer_grades('{0,0,0}', '{{1,2,3},{3,1,0}}', '{2,1}', '{1,1,1}', '{2,1}'),
          grey_relational_grades('{0,0,0}', '{{1,2,3},{3,1,0}}', '{1,1,1}')) u(a, b)), 'global extremes: the two-level grade is the grade with product weights');

-- ---- NULL semantics ----------------------------------------------------------
SELECT is(grey_relational_coefficients(NULL, '{1}'), NULL, 'coefficients: NULL in, NULL out');
SELECT is(grey_relational_grade('{1}', NULL), NULL, 'grade: NULL compared gives NULL');
SELECT is(grey_relational_grade('{1}', '{1}', NULL, NULL), NULL, 'grade: NULL rho gives NULL');
SELECT is(grey_relational_grades(NULL, '{{1}}'), NULL, 'grades: NULL reference gives NULL');
SELECT is(grey_multilayer_grades('{1}', NULL, NULL, NULL, NULL), NULL, 'multi-layer: NULL cases gives NULL');
SELECT is(cbr_classify(NULL, '{{1}}', '{a}', NULL, NULL, NULL), NULL, 'cbr_classify: NULL features gives NULL');
SELECT is(normalize_features(NULL, NULL), NULL, 'normalize_features: NULL gives NULL');
SELECT is(kmeans_assign(NULL, '{{1}}'), NULL, 'kmeans_assign: NULL gives NULL');
SELECT is((SELECT kmeans(x, 2) FROM (VALUES (NULL::float8[])) v(x)), NULL, 'kmeans over no non-NULL rows is NULL');
SELECT is((SELECT feature_stats(x) FROM (VALUES (NULL::float8[])) v(x)), NULL, 'feature_stats over no rows is NULL');
SELECT is((SELECT (feature_stats(x)).stddev FROM (VALUES ('{1,2}'::float8[])) v(x)), NULL, 'stddev is NULL for a single row');

-- ---- bad input -----------------------------------------------------------------
SELECT throws_ok($$SELECT grey_relational_coefficients('{1,2}', '{1,2,3}')$$, '2202E', NULL, 'lengths differ');
SELECT throws_ok($$SELECT grey_relational_grades('{1,2}', '{{1,2,3}}')$$, '2202E', NULL, 'case length differs');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', '{1,2,3}')$$, '2202E', NULL, 'weights length differs');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', '{-1,2}')$$, '22023', NULL, 'negative weight');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', '{0,0}')$$, '22023', NULL, 'all-zero weights');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', '{NaN,1}')$$, '22000', NULL, 'NaN weight');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', rho => 0)$$, '22023', NULL, 'rho = 0');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', rho => 1.5)$$, '22023', NULL, 'rho > 1');
SELECT throws_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', rho => 'NaN')$$, '22023', NULL, 'rho NaN');
SELECT lives_ok($$SELECT grey_relational_grade('{1,2}', '{1,3}', rho => 1)$$, 'rho = 1 is allowed');
SELECT throws_ok($$SELECT grey_relational_coefficients('{1,NaN}', '{1,2}')$$, '22000', NULL, 'NaN in reference');
SELECT throws_ok($$SELECT grey_relational_coefficients('{1,2}', '{1,Infinity}')$$, '22000', NULL, 'Infinity in compared');
SELECT throws_ok($$SELECT grey_relational_grades('{1,2}', '{{1,-Infinity}}')$$, '22000', NULL, '-Infinity in cases');
SELECT throws_ok($$SELECT grey_relational_coefficients('{1,NULL}', '{1,2}')$$, '22004', NULL, 'NULL element in reference');
SELECT throws_ok($$SELECT grey_relational_grades('{1,2}', '{{1,NULL}}')$$, '22004', NULL, 'NULL element in cases');
SELECT throws_ok($$SELECT grey_relational_coefficients('{}', '{}')$$, '2202E', NULL, 'empty reference');
SELECT throws_ok($$SELECT grey_relational_coefficients('{{1,2}}', '{1,2}')$$, '2202E', NULL, 'two-dimensional reference');
SELECT throws_ok($$SELECT grey_relational_grades('{1,2}', '{1,2}')$$, '2202E', NULL, 'one-dimensional case base');
SELECT throws_ok($$SELECT grey_relational_grades('{1,2}', '{}')$$, '2202E', NULL, 'empty case base');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,2}', NULL, NULL)$$, '22023', NULL, 'group sizes do not add up');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{3,0}', NULL, NULL)$$, '22023', NULL, 'group size zero');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,NULL}', NULL, NULL)$$, '22004', NULL, 'NULL group size');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,1}', '{1,1}', NULL)$$, '2202E', NULL, 'inner weights length');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,1}', '{0,0,1}', NULL)$$, '22023', NULL, 'inner weights all zero within a group');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,1}', NULL, '{1,2,3}')$$, '2202E', NULL, 'group weights length');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,1}', NULL, '{1,-2}')$$, '22023', NULL, 'negative group weight');
SELECT throws_ok($$SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,1}', NULL, NULL, 0.5, 'local')$$, '22023', NULL, 'unknown extremes option');
SELECT throws_ok($$SELECT cbr_classify('{1,2}', '{{1,2},{3,4}}', '{a}', NULL, NULL, NULL)$$, '2202E', NULL, 'labels count does not match cases');
SELECT throws_ok($$SELECT cbr_classify('{1,2}', '{{1,2},{3,4}}', '{a,NULL}', NULL, NULL, NULL)$$, '22004', NULL, 'NULL label');
SELECT throws_ok($$SELECT cbr_classify('{1,2,3}', '{{1,2},{3,4}}', '{a,b}', NULL, NULL, NULL)$$, '2202E', NULL, 'features length differs from cases');
SELECT throws_ok($$SELECT cbr_classify('{1,2}', '{}', '{}', NULL, NULL, NULL)$$, '2202E', NULL, 'empty case base in cbr_classify');
SELECT throws_ok($$SELECT cbr_classify('{1,2}', '{{1,2}}', '{a}', NULL, NULL, NULL, 2)$$, '22023', NULL, 'cbr_classify: rho outside (0,1]');
SELECT throws_ok($$SELECT kmeans_assign('{1,2}', '{{1,2,3}}')$$, '2202E', NULL, 'kmeans_assign: lengths differ');
SELECT throws_ok($$SELECT kmeans(x, 0) FROM (VALUES ('{1}'::float8[])) v(x)$$, '22023', NULL, 'k = 0');
SELECT throws_ok($$SELECT kmeans(x, 3) FROM (VALUES ('{1}'::float8[]), ('{2}'), ('{1}'), ('{2}')) v(x)$$, '22023',
                 'k is larger than the number of distinct points', 'k larger than the distinct points');
SELECT throws_ok($$SELECT kmeans(x, 1) FROM (VALUES ('{1}'::float8[]), ('{2,3}')) v(x)$$, '2202E', NULL, 'kmeans: lengths differ');
SELECT throws_ok($$SELECT kmeans(x, 1) FROM (VALUES ('{1,NaN}'::float8[])) v(x)$$, '22000', NULL, 'kmeans: NaN');
SELECT throws_ok($$SELECT kmeans(x, 1) FROM (VALUES ('{1e200}'::float8[])) v(x)$$, '22003', NULL, 'kmeans: values whose squares overflow');
SELECT throws_ok($$SELECT kmeans_assign('{1}', '{{-1e200}}')$$, '22003', NULL, 'kmeans_assign: values whose squares overflow');
SELECT throws_ok($$SELECT kmeans(x, k) FROM (VALUES ('{1}'::float8[], 1), ('{2}', 2)) v(x, k)$$, '22023', NULL, 'kmeans: k changes between rows');
SELECT throws_ok($$SELECT feature_stats(x) FROM (VALUES ('{1}'::float8[]), ('{2,3}')) v(x)$$, '2202E', NULL, 'feature_stats: lengths differ');
SELECT throws_ok($$SELECT feature_stats_final('{1,2,3}')$$, '22000', NULL, 'feature_stats: malformed state');
SELECT throws_ok($$SELECT feature_stats_combine(feature_stats_accum('{}', '{1}'), feature_stats_accum('{}', '{1,2}'))$$, '2202E', NULL, 'feature_stats: combining unlike states');
SELECT throws_ok($$SELECT feature_stats(x) FROM (VALUES ('{-1e308}'::float8[]), ('{1e308}')) v(x)$$, '22003', NULL,
                 'feature_stats: a spread beyond float8 is an out-of-range error, not a corrupt state');
SELECT throws_ok($$SELECT feature_stats(x) FROM (VALUES ('{3}'::float8[]), ('{-1e308}')) v(x)$$, '22003', NULL,
                 'feature_stats: a variance beyond float8 is an error, not an infinite stddev');
SELECT cmp_ok((SELECT abs((feature_stats(x)).stddev[1] / (sqrt(2::float8) * 1e150) - 1) FROM (VALUES ('{1e150}'::float8[]), ('{-1e150}')) v(x)),
              '<', 1e-14::float8, 'feature_stats: a spread of 2e150 still has its stddev');
SELECT cmp_ok(abs((feature_stats_final(feature_stats_combine(feature_stats_accum('{}', '{8e153}'), feature_stats_accum('{}', '{-9e153}')))).stddev[1]
                   / (SELECT (feature_stats(x)).stddev[1] FROM (VALUES ('{8e153}'::float8[]), ('{-9e153}')) v(x)) - 1),
              '<', 1e-14::float8, 'feature_stats: combining partial states overflows no sooner than the serial path');
SELECT throws_ok($$SELECT kmeans_final('{1,2,3,4,5,6}')$$, '22000', NULL, 'kmeans: malformed state');
SELECT throws_ok($$SELECT kmeans_combine(kmeans_accum('{}', '{1}', 2), kmeans_accum('{}', '{1}', 3))$$, '22023', NULL, 'kmeans: combining states with different k');
SELECT throws_ok($$SELECT normalize_features('{1,2}', ROW(1, '{0,0}', '{1,1}', NULL, NULL)::feature_summary, method => 'zscore')$$, '22004', NULL, 'zscore needs a stddev');
SELECT throws_ok($$SELECT normalize_features('{1,2}', ROW(1, '{0,0}', '{1,1}', NULL, NULL)::feature_summary, method => 'rank')$$, '22023', NULL, 'unknown method');
SELECT throws_ok($$SELECT normalize_features('{1,2,3}', ROW(1, '{0,0}', '{1,1}', NULL, NULL)::feature_summary)$$, '2202E', NULL, 'normalize: lengths differ');
SELECT throws_ok($$SELECT normalize_features('{1,2}', ROW(1, '{0,0}', '{1,1}', NULL, NULL)::feature_summary, '{t}')$$, '2202E', NULL, 'normalize: cost length');
SELECT throws_ok($$SELECT normalize_features('{1,2}', ROW(1, '{2,0}', '{1,1}', NULL, NULL)::feature_summary)$$, '22023', NULL, 'normalize: min > max');
SELECT is(normalize_features('{5,2}', ROW(1, '{0,0}', '{10,4}', NULL, NULL)::feature_summary, '{f,t}'), '{0.5,0.5}'::float8[], 'user-supplied bounds, benefit and cost');

-- ---- memory limit ------------------------------------------------------------
SET LOCAL maintenance_work_mem = '1MB';
SELECT throws_ok($$SELECT kmeans(ARRAY[i, i % 7, i % 11, 0, 0, 0, 0, 0, 0]::float8[], 8) FROM generate_series(1, 100000) i$$,
                 '54000', 'kmeans needs more than maintenance_work_mem', 'memory need checked against maintenance_work_mem');
RESET maintenance_work_mem;

-- ---- the fn_extra cache follows a case base that changes between rows ------------
SELECT is((SELECT string_agg((cbr_classify('{0,0}', cb, lb, NULL, NULL, NULL)).label, ',' ORDER BY o)
           FROM (VALUES (1, '{{0,0},{5,5}}'::float8[], '{a,b}'::text[]),
                        (2, '{{5,5},{0,0}}', '{c,d}'),
                        (3, '{{5,5},{0,0}}', '{e,f}'),
                        (4, '{{0,0},{5,5}}', '{a,b}')) v(o, cb, lb)),
          'a,d,f,a', 'cbr_classify re-parses when the case base or labels change between rows');
SELECT is((SELECT string_agg(normalize_features('{5}', s)::text, ',' ORDER BY o)
           FROM (VALUES (1, ROW(1, '{0}', '{10}', NULL, NULL)::feature_summary),
                        (2, ROW(1, '{0}', '{20}', NULL, NULL)::feature_summary)) v(o, s)),
          '{0.5},{0.25}', 'normalize_features re-reads stats that change between rows');

-- ---- parallel plans equal serial ones ------------------------------------------------
CREATE TABLE grey_pts AS
    SELECT i AS id, ARRAY[(i % 5) * 10 + sin(i), (i % 3) * 7 + cos(i), (i * 7919 % 1000) / 100.0]::float8[] AS p
    FROM generate_series(1, 40000) i;
ANALYZE grey_pts;
CREATE FUNCTION pg_temp.plan_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; o text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP o := o || r || E'\n'; END LOOP;
    RETURN o;
END $$;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_res AS
    SELECT (SELECT kmeans(p, 5, 7) FROM grey_pts) AS km, (SELECT feature_stats(p) FROM grey_pts) AS fs,
           (SELECT kmeans(p, 5, 7) FROM (SELECT p FROM grey_pts ORDER BY id DESC) s) AS km_rev;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
SELECT matches(pg_temp.plan_text('SELECT kmeans(p, 5, 7) FROM grey_pts'), 'Partial Aggregate', 'kmeans runs as a parallel partial aggregate');
SELECT matches(pg_temp.plan_text('SELECT feature_stats(p) FROM grey_pts'), 'Partial Aggregate', 'feature_stats runs as a parallel partial aggregate');
SELECT is((SELECT kmeans(p, 5, 7) FROM grey_pts), (SELECT km FROM serial_res), 'kmeans: parallel result equals serial result exactly');
SELECT is((SELECT km_rev FROM serial_res), (SELECT km FROM serial_res), 'kmeans: input order does not matter');
SELECT is((SELECT (feature_stats(p)).n FROM grey_pts), 40000::bigint, 'feature_stats: parallel count');
SELECT ok((SELECT bool_and(abs(a - b) <= 1e-9 * greatest(1, abs(b)))
           FROM (SELECT feature_stats(p) AS s FROM grey_pts) q, serial_res,
                unnest((q.s).mean || (q.s).stddev || (q.s).min || (q.s).max,
                       (serial_res.fs).mean || (serial_res.fs).stddev || (serial_res.fs).min || (serial_res.fs).max) u(a, b)),
          'feature_stats: parallel (Chan merge) equals serial within 1e-9');
RESET max_parallel_workers_per_gather;

-- ---- partitionwise aggregation combines partial states of each partition ----------
CREATE TABLE grey_part (id int, p float8[]) PARTITION BY RANGE (id);
CREATE TABLE grey_part_1 PARTITION OF grey_part FOR VALUES FROM (1) TO (15001);
CREATE TABLE grey_part_2 PARTITION OF grey_part FOR VALUES FROM (15001) TO (30001);
CREATE TABLE grey_part_3 PARTITION OF grey_part FOR VALUES FROM (30001) TO (40001);
INSERT INTO grey_part SELECT id, p FROM grey_pts;
ANALYZE grey_part;
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL enable_partitionwise_aggregate = on;
SELECT matches(pg_temp.plan_text('SELECT kmeans(p, 5, 7) FROM grey_part'), 'Partial Aggregate', 'kmeans: partitionwise partial aggregation');
SELECT is((SELECT kmeans(p, 5, 7) FROM grey_part), (SELECT km FROM serial_res), 'kmeans: partitionwise result equals serial result');
SELECT ok((SELECT bool_and(abs(a - b) <= 1e-9 * greatest(1, abs(b)))
           FROM (SELECT feature_stats(p) AS s FROM grey_part) q, serial_res,
                unnest((q.s).mean || (q.s).stddev, (serial_res.fs).mean || (serial_res.fs).stddev) u(a, b)),
          'feature_stats: partitionwise equals serial within 1e-9');
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;

SELECT throws_ok($$SELECT feature_stats_final('{1,NaN,1,1,1}')$$, '22000', NULL, 'feature_stats: state with NaN refused');
SELECT throws_ok($$SELECT kmeans(ARRAY[i]::float8[], 2) OVER () FROM generate_series(1, 3) i$$, '0A000', NULL, 'kmeans is not a window function (its final function sorts the state)');
SELECT is((SELECT array_agg((s).n ORDER BY i) FROM (SELECT i, feature_stats(ARRAY[i]::float8[]) OVER (ORDER BY i) AS s FROM generate_series(1, 3) i) q),
          '{1,2,3}'::bigint[], 'feature_stats works as a window aggregate');

-- a state handed in directly is not modified (the final function sorts a copy)
CREATE TEMP TABLE km_state AS SELECT kmeans_accum(kmeans_accum(kmeans_accum('{}', '{3}', 1), '{1}', 1), '{2}', 1) AS st;
SELECT is((SELECT kmeans_final(st) FROM km_state), '{{2}}'::float8[], 'kmeans_final called directly');
SELECT is((SELECT (st)[6:8] FROM km_state), '{3,1,2}'::float8[], 'kmeans_final called directly leaves its argument (here a table row) unsorted');

-- ---- k-means sanity ---------------------------------------------------------------
SELECT is((SELECT array_dims(kmeans(p, 5)) FROM grey_pts), '[1:5][1:3]', 'kmeans returns k x d centroids');
SELECT is((SELECT count(DISTINCT kmeans_assign(p, c)) FROM grey_pts, (SELECT kmeans(p, 5) c FROM grey_pts) k), 5::bigint, 'every cluster gets points');
SELECT is((SELECT array_agg(c ORDER BY c) FROM unnest((SELECT kmeans(x, 2) FROM (VALUES ('{0}'::float8[]), ('{0}'), ('{10}')) v(x))) c),
          '{0,10}'::float8[], 'k = number of distinct points: the points themselves');
SELECT is(kmeans_assign('{1,1}', '{{0,0},{2,2}}'), 1, 'kmeans_assign: equidistant goes to the lowest number');

SELECT * FROM finish();
ROLLBACK;
