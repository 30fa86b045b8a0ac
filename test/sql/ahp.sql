-- AHP / ANP regression test (exact outputs, rounded for stability).
SET extra_float_digits = 0;
SET work_mem = '64MB';

-- Saaty's "choosing a house" example: T. L. Saaty, "How to make a decision:
-- the analytic hierarchy process", European Journal of Operational Research
-- 48 (1990) 9-26, Table 2: priorities .173 .054 .188 .018 .031 .036 .167 .333,
-- lambda_max = 9.669, CI = .238, CR = .169.
CREATE TEMP TABLE house AS SELECT ARRAY[
  [1,   5,   3,   7,   6,   6,   1/3., 1/4.],
  [1/5.,1,   1/3.,5,   3,   3,   1/5., 1/7.],
  [1/3.,3,   1,   6,   3,   4,   6,    1/5.],
  [1/7.,1/5.,1/6.,1,   1/3.,1/4.,1/7., 1/8.],
  [1/6.,1/3.,1/3.,3,   1,   1/2.,1/5., 1/6.],
  [1/6.,1/3.,1/4.,4,   2,   1,   1/5., 1/6.],
  [3,   5,   1/6.,7,   5,   5,   1,    1/2.],
  [4,   7,   5,   8,   6,   6,   2,    1]]::float8[] AS a;
SELECT round(w::numeric, 3) AS priority FROM house, unnest(ahp_priorities(a)) w;
SELECT round(lambda_max::numeric, 3) AS lambda_max, round(ci::numeric, 3) AS ci, ri,
       round(cr::numeric, 3) AS cr FROM house, ahp_consistency(a);
SELECT "row", col, round(judgment::numeric, 4) AS judgment, round(suggested::numeric, 4) AS suggested
FROM house, ahp_most_inconsistent(a);
-- the geometric mean is an approximation: close, not equal
SELECT round(w::numeric, 3) AS geometric FROM house, unnest(ahp_priorities(a, 'geometric')) w;

-- Saaty's relative consumption of drinks in the US (Saaty 1980; 1990 Table 1):
-- eigenvector .177 .019 .042 .116 .190 .129 .327.
SELECT round(w::numeric, 3) AS drinks FROM unnest(ahp_priorities(ARRAY[
  [1,    9, 5,    2,    1,    1,    1/2.],
  [1/9., 1, 1/3., 1/9., 1/9., 1/9., 1/9.],
  [1/5., 3, 1,    1/3., 1/4., 1/3., 1/9.],
  [1/2., 9, 3,    1,    1/2., 1,    1/3.],
  [1,    9, 4,    2,    1,    2,    1/2.],
  [1,    9, 3,    1,    1/2., 1,    1/3.],
  [2,    9, 9,    3,    2,    3,    1]]::float8[])) w;

-- The source study's criteria matrix (F:R = 7, F:M = 9, R:M = 2) gives its
-- published (0.1312, 0.7928, 0.0760).
SELECT round(w::numeric, 4) AS rfm FROM unnest(ahp_priorities('{{1,0.142857142857143,2},{7,1,9},{0.5,0.111111111111111,1}}')) w;
SELECT round(cr::numeric, 4) AS rfm_cr FROM ahp_consistency('{{1,0.142857142857143,2},{7,1,9},{0.5,0.111111111111111,1}}');

-- small orders: CR is 0, nothing to revisit
SELECT * FROM ahp_consistency('{{1}}');
SELECT * FROM ahp_consistency('{{1,4},{0.25,1}}');
SELECT ahp_priorities('{{1,4},{0.25,1}}');
SELECT * FROM ahp_most_inconsistent('{{1,4},{0.25,1}}');
-- a consistent 16x16 matrix: beyond the RI table, RI and CR are NULL
SELECT round(lambda_max::numeric, 9) AS lambda_max, round(ci::numeric, 9) AS ci, ri, cr
FROM ahp_consistency((SELECT array_agg(r ORDER BY i) FROM (
  SELECT i, array_agg((i::float8 / j) ORDER BY j) r FROM generate_series(1,16) i, generate_series(1,16) j GROUP BY i) s));
SELECT n, ahp_random_index(n) FROM generate_series(1, 16) n;

-- only the upper triangle given: the rest is taken as reciprocals
SELECT round(w::numeric, 4) AS upper_only FROM unnest(ahp_priorities('{{1,2,4},{NULL,1,2},{NULL,NULL,1}}')) w;
-- missing judgments (Harker): a consistent matrix with 1-3 and 2-4 missing
-- still gives its exact weights (4:2:1:0.5)
SELECT round(w::numeric, 6) AS harker FROM unnest(ahp_priorities(
  '{{1,2,NULL,8},{0.5,1,2,NULL},{NULL,0.5,1,2},{0.125,NULL,0.5,1}}')) w;
SELECT round(w::numeric, 6) AS lls FROM unnest(ahp_priorities(
  '{{1,2,NULL,8},{0.5,1,2,NULL},{NULL,0.5,1,2},{0.125,NULL,0.5,1}}', 'geometric')) w;
SELECT round(lambda_max::numeric, 6) AS lambda_max, round(cr::numeric, 6) AS cr
FROM ahp_consistency('{{1,2,NULL,8},{0.5,1,2,NULL},{NULL,0.5,1,2},{0.125,NULL,0.5,1}}');

-- bad input
SELECT ahp_priorities('{{1,2,3},{0.5,1,2}}');
SELECT ahp_priorities('{1,2,3}');
SELECT ahp_priorities('{}');
SELECT ahp_priorities('{{{1}}}');
SELECT ahp_priorities('{{1,-2},{-0.5,1}}');
SELECT ahp_priorities('{{1,0},{0,1}}');
SELECT ahp_priorities('{{1,NaN},{NaN,1}}');
SELECT ahp_priorities('{{1,Infinity},{0,1}}');
SELECT ahp_priorities('{{1,3,5},{0.333,1,2},{0.2,0.5,1}}');
SELECT ahp_priorities('{{2,3},{0.3333333333333333,1}}');
SELECT ahp_priorities('{{NULL,3},{0.3333333333333333,1}}');
SELECT ahp_priorities('{{1,2,NULL,NULL},{0.5,1,NULL,NULL},{NULL,NULL,1,3},{NULL,NULL,0.3333333333333333,1}}');
SELECT ahp_priorities('{{1,2},{0.5,1}}', 'arithmetic');
SELECT ahp_random_index(0);
SELECT ahp_priorities(NULL);

-- ANP ------------------------------------------------------------------
-- weighting: clusters {1,2} and {3}; block (I,J) times cluster_weights[I][J]
SELECT anp_weighted_supermatrix(
  '{{0.5,0.2,1},{0.5,0.8,0},{1,1,0}}', '{2,1}', '{{0.5,1},{0.5,0}}');
-- a zero column stays zero
SELECT anp_weighted_supermatrix('{{0,0.5},{0,0.5}}', '{1,1}', '{{1,1},{1,1}}');
SELECT anp_weighted_supermatrix('{{0.5,0.5},{0.5,0.5}}', '{1,2}', '{{1,1},{1,1}}');
SELECT anp_weighted_supermatrix('{{0.5,0.5},{0.5,0.5}}', '{2,0}', '{{1,1},{1,1}}');
SELECT anp_weighted_supermatrix('{{0.5,0.5},{0.5,0.5}}', '{1,1}', '{{1,-1},{1,1}}');
SELECT anp_weighted_supermatrix('{{0.5,0.5},{0.5,0.5}}', '{1,1}', '{{1,1,1},{1,1,1},{1,1,1}}');
SELECT anp_weighted_supermatrix('{{0.5,NaN},{0.5,0.5}}', '{1,1}', '{{1,1},{1,1}}');
SELECT anp_weighted_supermatrix('{{0.5,-0.5},{0.5,0.5}}', '{1,1}', '{{1,1},{1,1}}');

-- periodic: the Cesaro average of the cycle
SELECT anp_limit_supermatrix('{{0,1},{1,0}}');
SELECT round_m FROM (SELECT array(SELECT round(x::numeric, 9) FROM unnest(anp_limit_supermatrix(
  '{{0,0,1},{1,0,0},{0,1,0}}')) x) AS round_m) s;
-- period 2 with an aperiodic-looking start: bipartite 2+2
SELECT array(SELECT round(x::numeric, 9) FROM unnest(anp_limit_supermatrix(
  '{{0,0,0.5,0.25},{0,0,0.5,0.75},{0.3,0.6,0,0},{0.7,0.4,0,0}}')) x) AS bipartite;
-- reducible, from pyanp's limit matrix tutorial (W. Adams, pyanp.org,
-- "calculus" = SuperDecisions' default): limit rows 0, 0, .2857, .7143
SELECT array(SELECT round(x::numeric, 4) FROM unnest(anp_limit_supermatrix(
  '{{0.5,0.2,0,0},{0.2,0.3,0,0},{0.1,0.3,0.75,0.1},{0.2,0.2,0.25,0.9}}')) x) AS calculus;
SELECT node, cluster, round(priority::numeric, 4) AS priority, round(cluster_priority::numeric, 4) AS cluster_priority
FROM anp_limit_priorities('{{0.5,0.2,0,0},{0.2,0.3,0,0},{0.1,0.3,0.75,0.1},{0.2,0.2,0.25,0.9}}', '{2,2}');
-- a hierarchy (same tutorial): sinks made absorbing, so the goal's column
-- holds the hierarchic composition 0.6*(0.9,0.1) + 0.4*(0.2,0.8) = (0.62, 0.38)
SELECT node, round(priority::numeric, 4) AS priority FROM anp_limit_priorities(
  '{{0,0,0,0,0},{0.6,0,0,0,0},{0.4,0,0,0,0},{0,0.9,0.2,0,0},{0,0.1,0.8,0,0}}', start => 1);
-- errors
SELECT anp_limit_supermatrix('{{0.5,0.5},{0.4,0.5}}');
SELECT anp_limit_supermatrix('{{0.5,1},{0.5,Infinity}}');
SELECT anp_limit_supermatrix('{{0.999,0.001},{0.001,0.999}}', 1e-12, 3);
SELECT anp_limit_supermatrix('{{1}}', 0);
SELECT anp_limit_supermatrix('{{1}}', 1e-12, 0);
SELECT * FROM anp_limit_priorities('{{1}}', '{2}');
SELECT * FROM anp_limit_priorities('{{1}}', start => 2);
-- too big for work_mem: refused up front, not an out-of-memory crash
SELECT anp_limit_supermatrix(array_fill(0.0005::float8, ARRAY[2000, 2000]));
-- a long computation honours statement_timeout (crm_check_interrupts in the
-- kernel): a 1000-cycle is periodic and needs the whole Cesaro phase, seconds
-- of work (pgTAP cannot test this: PL/pgSQL handlers do not catch cancels)
CREATE TEMP TABLE big AS SELECT array_agg(r ORDER BY i) AS m FROM (
    SELECT i, array_agg((CASE WHEN i = (j % 1000) + 1 THEN 1 ELSE 0 END)::float8 ORDER BY j) AS r
    FROM generate_series(1, 1000) i, generate_series(1, 1000) j GROUP BY i) s;
SET statement_timeout = '300ms';
SELECT anp_limit_supermatrix(m) IS NOT NULL FROM big;
RESET statement_timeout;
DROP TABLE big;

-- the ANP model in tables --------------------------------------------------
SELECT anp_load_example();
SELECT node, cluster, round(local_weight::numeric, 4) AS local_weight,
       round(global_weight::numeric, 4) AS global_weight
FROM anp_solve('rfm_weights');
SELECT kind, wrt, cluster, items, given, round(cr::numeric, 4) AS cr, revisit_row, revisit_col
FROM anp_consistency('rfm_weights');
-- an inconsistent revision warns and names the judgment to revisit
UPDATE anp_node_judgments SET judgment = 1.0/9
WHERE model = 'rfm_weights' AND wrt = 'goal' AND row_node = 'R' AND col_node = 'M';
SELECT node, round(local_weight::numeric, 4) AS local_weight FROM anp_solve('rfm_weights') WHERE cluster = 'Criteria';
-- judgments that do not connect the compared nodes
DELETE FROM anp_node_judgments WHERE model = 'rfm_weights' AND wrt = 'R1' AND row_node = 'R2';
SELECT * FROM anp_solve('rfm_weights');
-- a judgment that compares nothing
SELECT anp_load_example(replace => true);
INSERT INTO anp_node_judgments VALUES ('rfm_weights', 'M1', 'R1', 'R2', 3);
SELECT * FROM anp_solve('rfm_weights');
SELECT * FROM anp_solve('no_such_model');
SELECT anp_load_example(replace => true);
SELECT count(*) FROM anp_solve('rfm_weights');

-- cluster weights: two clusters that influence each other and themselves;
-- with respect to A, cluster A counts 3 times as much as B; nothing judged
-- with respect to B (equal cluster weights)
INSERT INTO anp_models VALUES ('two', NULL, 'cluster weights');
INSERT INTO anp_clusters VALUES ('two', 'A', 1), ('two', 'B', 2);
INSERT INTO anp_nodes VALUES ('two', 'a1', 'A', 1), ('two', 'a2', 'A', 2), ('two', 'b1', 'B', 1), ('two', 'b2', 'B', 2);
INSERT INTO anp_influences SELECT 'two', s, t FROM unnest('{a1,a2,b1,b2}'::text[]) s, unnest('{a1,a2,b1,b2}'::text[]) t WHERE s <> t;
INSERT INTO anp_node_judgments VALUES
  ('two', 'a1', 'b1', 'b2', 2), ('two', 'a2', 'b1', 'b2', 0.5),
  ('two', 'b1', 'a1', 'a2', 3), ('two', 'b2', 'a1', 'a2', 1);
INSERT INTO anp_cluster_judgments VALUES ('two', 'A', 'A', 'B', 3);
SELECT kind, wrt, items, given FROM anp_consistency('two') WHERE kind = 'clusters';
SELECT node, cluster, round(local_weight::numeric, 4) AS local_weight, round(global_weight::numeric, 4) AS global_weight
FROM anp_solve('two');
-- the same by hand: the weighted supermatrix and its limit
SELECT node, cluster, round(priority::numeric, 4) AS priority, round(cluster_priority::numeric, 4) AS cluster_priority
FROM anp_limit_priorities(anp_weighted_supermatrix(
  '{{0,1,0.75,0.5},{1,0,0.25,0.5},{0.6666666666666666,0.3333333333333333,0,1},{0.3333333333333333,0.6666666666666666,1,0}}',
  '{2,2}', '{{0.75,0.5},{0.25,0.5}}'), '{2,2}');
