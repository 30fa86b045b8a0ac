-- Grey relational analysis, normalization, k-means and case-based
-- classification: worked examples (the README's examples come from here).
\pset null '(null)'

-- Worked example, checked by hand with exact fractions (Deng's definitions,
-- J. Grey System 1(1), 1989): reference (1, 1, 1), two compared sequences.
--   case 1 = (1, 0.8, 0.5): deltas 0, 0.2, 0.5
--   case 2 = (0.9, 1, 0.4): deltas 0.1, 0, 0.6
-- One pair (case 1): dmin = 0, dmax = 0.5, rho*dmax = 0.25
--   xi = 0.25/0.25, 0.25/0.45, 0.25/0.75 = 1, 5/9, 1/3; mean = 17/27
SELECT grey_relational_coefficients('{1,1,1}', '{1,0.8,0.5}');
SELECT grey_relational_grade('{1,1,1}', '{1,0.8,0.5}'), 17/27.0 AS by_hand;
-- Both cases, global dmin = 0, dmax = 0.6, rho*dmax = 0.3:
--   case 1: 0.3/0.3, 0.3/0.5, 0.3/0.8 -> (1 + 0.6 + 0.375)/3 = 0.658333...
--   case 2: 0.3/0.4, 0.3/0.3, 0.3/0.9 -> (0.75 + 1 + 1/3)/3 = 0.694444...
SELECT grey_relational_grades('{1,1,1}', '{{1,0.8,0.5},{0.9,1,0.4}}');
-- weights (0.5, 0.25, 0.25): case 1 = 0.5 + 0.15 + 0.09375 = 0.74375
SELECT grey_relational_grades('{1,1,1}', '{{1,0.8,0.5},{0.9,1,0.4}}', '{0.5,0.25,0.25}');
-- weights are normalized: (2, 1, 1) gives the same
SELECT grey_relational_grades('{1,1,1}', '{{1,0.8,0.5},{0.9,1,0.4}}', '{2,1,1}');
-- dmax = 0: identical sequences have grade 1
SELECT grey_relational_grade('{3,4}', '{3,4}');

-- Two-level grade: groups (2, 1), inner weights (0.6, 0.4 | 1), group
-- weights (0.7, 0.3); global extremes:
--   case 1: 0.7*(0.6*1 + 0.4*0.6) + 0.3*0.375  = 0.7005
--   case 2: 0.7*(0.6*0.75 + 0.4*1) + 0.3*(1/3) = 0.695
SELECT grey_multilayer_grades('{1,1,1}', '{{1,0.8,0.5},{0.9,1,0.4}}', '{2,1}', '{0.6,0.4,1}', '{0.7,0.3}');
-- per-group extremes ('group'): group 1 has dmax 0.2, group 2 dmin 0.5, dmax 0.6
SELECT grey_multilayer_grades('{1,1,1}', '{{1,0.8,0.5},{0.9,1,0.4}}', '{2,1}', '{0.6,0.4,1}', '{0.7,0.3}', 0.5, 'group');

-- The source study's structure: 9 indicators in groups R(4), F(3), M(2),
-- published ANP weights; three cases.
SELECT (c).* FROM (
  SELECT cbr_classify('{0.9,0.8,0.7,0.9, 0.2,0.3,0.1, 0.2,0.1}',
                      '{{0.9,0.9,0.8,0.9, 0.9,0.8,0.9, 0.9,0.8},
                        {0.5,0.5,0.5,0.5, 0.5,0.5,0.5, 0.5,0.5},
                        {0.8,0.8,0.8,0.8, 0.1,0.2,0.1, 0.1,0.2}}',
                      '{high,medium,low}', '{4,3,2}',
                      '{0.3281,0.1872,0.2244,0.2603, 0.3414,0.4238,0.2347, 0.5,0.5}',
                      '{0.1312,0.7928,0.0760}') AS c) s;

-- Normalization
CREATE TABLE grey_raw (id int, x float8[]);
INSERT INTO grey_raw VALUES (1, '{10, 200, 5}'), (2, '{30, 100, 5}'), (3, '{20, 400, 5}');
SELECT (s).* FROM (SELECT feature_stats(x) AS s FROM grey_raw) q;
-- position 1 smaller-is-better (cost), position 3 is constant (0.5 / 0)
SELECT id, normalize_features(x, s, '{t,f,f}') AS minmax,
       normalize_features(x, s, '{t,f,f}', 'zscore') AS zscore
FROM grey_raw, (SELECT feature_stats(x) AS s FROM grey_raw) q ORDER BY id;

-- k-means: two obvious clusters; centroids sorted for a stable display
SELECT array_agg(round(c::numeric, 6) ORDER BY c) AS centroid_coords
FROM unnest((SELECT kmeans(x, 2, 1) FROM (VALUES ('{0,0}'::float8[]), ('{0,1}'), ('{1,0}'),
                                                 ('{10,10}'), ('{10,11}'), ('{11,10}')) v(x))) c;
SELECT kmeans_assign('{9,9}', '{{0.3333,0.3333},{10.3333,10.3333}}');

-- Errors, with their messages
SELECT grey_relational_grade('{1,2}', '{1,2,3}');
SELECT grey_relational_grade('{1,2}', '{1,3}', '{-1,1}');
SELECT grey_relational_grade('{1,2}', '{1,3}', rho => 0);
SELECT grey_multilayer_grades('{1,2,3}', '{{1,2,3}}', '{2,2}', NULL, NULL);
SELECT cbr_classify('{1,2}', '{{1,2},{3,4}}', '{a}', NULL, NULL, NULL);
SELECT kmeans(x, 3) FROM (VALUES ('{1}'::float8[]), ('{1}'), ('{2}')) v(x);
DROP TABLE grey_raw;
