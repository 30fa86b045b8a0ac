-- pgTAP: a published grey relational analysis worked example, reproduced with
-- crm_ext's normalization and global-extremes grades.
-- Source: the grey() example of JMcDM (Julia multiple-criteria decision
-- making package, documentation of grey()), taken from B. F. Yildirim and
-- E. Onder (eds.), "Cok Kriterli Karar Verme Yontemleri", Dora, 2nd ed., 2015:
-- 5 candidates x 6 criteria, criteria 1, 3, 6 minimized, weights
-- (0.05, 0.20, 0.10, 0.15, 0.10, 0.40), min-max normalization, the ideal
-- (all ones) as reference, Deng's dmin/dmax over the whole table, rho 0.5.
-- Printed scores: 0.525, 0.7007142857142857, 0.5464285714285715,
-- 0.5762820512820512, 0.650952380952381; best candidate 2.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SELECT plan(3);

CREATE TABLE candidates (i int, x float8[]);
INSERT INTO candidates VALUES
  (1, '{105000,105,10,4,300,10}'), (2, '{120000,110,15,4,500,8}'), (3, '{150000,120,12,3,550,12}'),
  (4, '{115000,105,20,4,600,9}'), (5, '{135000,115,15,5,400,9}');
CREATE TABLE normalized AS
SELECT c.i, normalize_features(c.x, s.st, '{t,f,t,f,f,t}') AS n
FROM candidates c, (SELECT feature_stats(x) AS st FROM candidates) s;
CREATE TABLE grades AS
SELECT grey_relational_grades(array_fill(1::float8, ARRAY[6]), (SELECT array_agg(n ORDER BY i) FROM normalized),
                              '{0.05,0.20,0.10,0.15,0.10,0.40}') AS g;

SELECT is((SELECT max(abs(g[k] - p[k])) < 1e-12 FROM grades,
                  (SELECT '{0.525,0.7007142857142857,0.5464285714285715,0.5762820512820512,0.650952380952381}'::float8[] p) q,
                  generate_series(1, 5) k), true, 'grades equal the published scores to 1e-12');
SELECT is((SELECT k FROM grades, generate_series(1, 5) k ORDER BY g[k] DESC LIMIT 1), 2, 'candidate 2 is the best, as published');
SELECT is((SELECT array_agg(round(g[k]::numeric, 4) ORDER BY k) FROM grades, generate_series(1, 5) k),
          '{0.5250,0.7007,0.5464,0.5763,0.6510}'::numeric[], 'rounded to four places');

SELECT * FROM finish();
ROLLBACK;
