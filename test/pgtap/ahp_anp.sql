-- pgTAP: AHP/ANP properties, SQLSTATEs and catalog declarations.
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SELECT plan(41);

-- declarations: pure maths IMMUTABLE, table readers STABLE, all PARALLEL SAFE
SELECT is((SELECT provolatile::text || proparallel::text || proisstrict::text FROM pg_proc WHERE proname = 'ahp_priorities'), 'istrue', 'ahp_priorities is IMMUTABLE, PARALLEL SAFE, STRICT');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc WHERE proname = 'ahp_consistency'), 'is', 'ahp_consistency is IMMUTABLE, PARALLEL SAFE');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc WHERE proname = 'ahp_most_inconsistent'), 'is', 'ahp_most_inconsistent is IMMUTABLE, PARALLEL SAFE');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc WHERE proname = 'anp_weighted_supermatrix'), 'is', 'anp_weighted_supermatrix is IMMUTABLE, PARALLEL SAFE');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc WHERE proname = 'anp_limit_supermatrix'), 'is', 'anp_limit_supermatrix is IMMUTABLE, PARALLEL SAFE');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc WHERE proname = 'anp_solve'), 'ss', 'anp_solve is STABLE, PARALLEL SAFE');
SELECT is((SELECT provolatile::text FROM pg_proc WHERE proname = 'anp_load_example'), 'v', 'anp_load_example is VOLATILE');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'crm_ext'
           WHERE (p.proname LIKE 'ahp\_%' OR p.proname LIKE 'anp\_%') AND obj_description(p.oid, 'pg_proc') IS NULL), 0,
          'every ahp_/anp_ function has a COMMENT');
SELECT is((SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'crm_ext' AND c::regclass::text LIKE 'anp\_%'),
          ARRAY['anp_cluster_judgments','anp_clusters','anp_influences','anp_models','anp_node_judgments','anp_nodes'],
          'ANP model tables are extension configuration tables (pg_dump keeps their rows)');

-- SQLSTATEs
SELECT throws_ok($$SELECT ahp_priorities('{{1,2,3},{0.5,1,2}}')$$, '2202E', NULL, 'non-square: array_subscript_error');
SELECT throws_ok($$SELECT ahp_priorities('{1,2}')$$, '2202E', NULL, 'not 2-D: array_subscript_error');
SELECT throws_ok($$SELECT ahp_priorities('{}')$$, '2202E', NULL, 'empty: array_subscript_error');
SELECT throws_ok($$SELECT ahp_priorities('{{1,-3},{-0.33,1}}')$$, '22023', 'judgments must be positive', 'negative judgment');
SELECT throws_ok($$SELECT ahp_priorities('{{1,NaN},{1,1}}')$$, '22023', 'judgments must be finite', 'NaN judgment');
SELECT throws_ok($$SELECT ahp_priorities('{{1,-Infinity},{1,1}}')$$, '22023', 'judgments must be finite', '-Infinity judgment');
SELECT throws_ok($$SELECT ahp_priorities('{{1,3},{3,1}}')$$, '22023', 'judgments are not reciprocal at (1,2) and (2,1)', 'non-reciprocal pair named');
SELECT throws_ok($$SELECT ahp_priorities('{{1,3},{0.3333333333333333,0.5}}')$$, '22023', 'diagonal of judgments must be 1', 'diagonal not 1');
SELECT throws_ok($$SELECT ahp_priorities('{{1,NULL,NULL},{NULL,1,2},{NULL,0.5,1}}')$$, '22023', 'known judgments do not connect all elements', 'disconnected judgments');
SELECT throws_ok($$SELECT anp_weighted_supermatrix('{{1,0},{0,1}}', '{1,2}', '{{1,1},{1,1}}')$$, '22023', 'cluster sizes do not add up to the order of the supermatrix', 'cluster sizes not adding up');
SELECT throws_ok($$SELECT anp_weighted_supermatrix('{{1,0},{0,1}}', '{1,1}', '{{1,-0.5},{1,1}}')$$, '22023', 'cluster weights must not be negative', 'negative cluster weight');
SELECT throws_ok($$SELECT anp_limit_supermatrix('{{0.7,0.5},{0.2,0.5}}')$$, '22023', 'weighted is not column stochastic', 'column not summing to 1');
SELECT throws_ok($$SELECT anp_limit_supermatrix('{{0.5,NULL},{0.5,1}}')$$, '22004', NULL, 'NULL inside a supermatrix');
SELECT throws_ok($$SELECT anp_limit_supermatrix('{{0.9999,0.0001},{0.0001,0.9999}}', 1e-12, 2)$$, '22000', 'limit supermatrix did not converge', 'non-convergence is an error, not a silent answer');
SELECT throws_ok($$SELECT * FROM anp_solve('nope')$$, '42704', 'ANP model "nope" does not exist', 'unknown model');
SET LOCAL work_mem = '1MB';
SELECT throws_ok($$SELECT anp_limit_supermatrix(array_fill(0.005::float8, ARRAY[200, 200]))$$, '54000', NULL, 'too large for work_mem: refused up front');
RESET work_mem;

-- properties
SELECT is((SELECT round(sum(x)::numeric, 12) FROM unnest(ahp_priorities('{{1,3,5,NULL},{NULL,1,2,4},{NULL,NULL,1,3},{NULL,NULL,NULL,1}}')) x), 1.000000000000, 'priorities sum to 1 (upper triangle input)');
SELECT ok((SELECT bool_and(abs(s - 1) < 1e-12 OR s = 0) FROM (
    SELECT j, sum(m[i][j]) s FROM (SELECT anp_weighted_supermatrix('{{0.2,0.5,0.3},{0.8,0.5,0.7},{1,0,0}}', '{2,1}', '{{0.3,1},{0.9,0}}') m) q,
    generate_series(1,3) i, generate_series(1,3) j GROUP BY j) t), 'weighted supermatrix columns sum to 1');
SELECT is(anp_limit_supermatrix('{{0,1},{1,0}}'), '{{0.5,0.5},{0.5,0.5}}'::float8[], '[[0,1],[1,0]] gives all 0.5 (Cesaro)');
SELECT ok((SELECT max(abs(x - 0.25)) < 1e-12 FROM unnest(anp_limit_supermatrix('{{0,0,0,1},{1,0,0,0},{0,1,0,0},{0,0,1,0}}')) x), '4-cycle gives all 0.25');
SELECT ok((SELECT max(abs(x - y)) < 1e-12 FROM unnest(anp_limit_supermatrix(anp_limit_supermatrix('{{0.1,0.6,0.3},{0.6,0.1,0.3},{0.3,0.3,0.4}}')),
                                                     anp_limit_supermatrix('{{0.1,0.6,0.3},{0.6,0.1,0.3},{0.3,0.3,0.4}}')) t(x, y)), 'the limit is idempotent');
SELECT is((SELECT array_agg(round(priority::numeric, 6) ORDER BY node) FROM anp_limit_priorities('{{0,0,0},{0.5,1,0},{0.5,0,1}}', start => 1)),
          ARRAY[0, 0.5, 0.5]::numeric[], 'two sinks share the source''s weight');
SELECT is((SELECT array_agg(round(w::numeric, 4)) FROM unnest(ahp_priorities('{{1,0.142857142857143,2},{7,1,9},{0.5,0.111111111111111,1}}')) w),
          ARRAY[0.1312, 0.7928, 0.0760], 'study criteria weights (R, F, M) reproduced');
SELECT is((SELECT ("row", col) FROM ahp_most_inconsistent('{{1,2,4,8},{0.5,1,2,4},{0.25,0.5,1,9},{0.125,0.25,0.1111111111111111,1}}')),
          ROW(3, 4), 'the planted bad judgment (3,4) is found');
SELECT cmp_ok((SELECT suggested FROM ahp_most_inconsistent('{{1,2,4,8},{0.5,1,2,4},{0.25,0.5,1,9},{0.125,0.25,0.1111111111111111,1}}')), '<', 5::float8,
          'and the suggested value moves from 9 toward the consistent 2');
SELECT ok((SELECT cr IS NULL AND ri IS NULL FROM ahp_consistency(array_fill(1::float8, ARRAY[16,16]))), 'beyond the RI table CR is NULL');
SELECT is((SELECT cr FROM ahp_consistency('{{1,9},{0.1111111111111111,1}}')), 0::float8, 'CR = 0 for n = 2');

-- the worked example model
SELECT is(anp_load_example(), 'rfm_weights', 'example loads');
SELECT is((SELECT array_agg(round(local_weight::numeric, 4) ORDER BY node) FROM anp_solve('rfm_weights') WHERE cluster = 'Criteria'),
          ARRAY[0.7928, 0.0760, 0.1312], 'criteria local weights F, M, R');
SELECT ok((SELECT abs(sum(global_weight) - 1) < 1e-12 FROM anp_solve('rfm_weights') WHERE cluster IN ('R','F','M')), 'sub-indicator global weights sum to 1');
SELECT ok((SELECT bool_and(abs(s - 1) < 1e-12) FROM (SELECT sum(local_weight) s FROM anp_solve('rfm_weights') GROUP BY cluster) t), 'local weights sum to 1 in every cluster');
SELECT is((SELECT count(*)::int FROM anp_consistency('rfm_weights') WHERE cr > 0.1), 0, 'example judgments are all acceptably consistent');

SELECT * FROM finish();
ROLLBACK;
