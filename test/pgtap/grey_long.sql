-- pgTAP: grey relational grades over long sequences stay within (0, 1] and
-- accurate (compensated summation), and min-max normalization with
-- hand-given statistics whose range overflows float8.
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SELECT plan(12);

-- deltas alternate 0 and 1: dmin 0, dmax 1, coefficients 1 and 0.5/1.5 = 1/3, grade exactly 2/3
CREATE TEMP TABLE gl AS
    SELECT array_fill(0.5::float8, ARRAY[2000000]) AS r,
           (SELECT array_agg(CASE WHEN g % 2 = 0 THEN 0.5 ELSE 1.5 END::float8) FROM generate_series(1, 2000000) g) AS c;
SELECT ok(abs(grey_relational_grade(r, c) - 2.0 / 3) <= 2e-16, format('2e6 positions: grade %s = 2/3 to 2e-16 (a plain sum drifts by ~1e-10)', grey_relational_grade(r, c))) FROM gl;
SELECT ok(abs(grey_relational_grade(r, c, r) - 2.0 / 3) <= 2e-16, '2e6 positions with (equal) given weights: 2/3 to 2e-16') FROM gl;
SELECT ok(abs((grey_relational_grades(r, ARRAY[c, c]))[2] - 2.0 / 3) <= 2e-16, 'grey_relational_grades, 2 cases x 2e6 positions: 2/3 to 2e-16') FROM gl;
SELECT ok(abs((grey_multilayer_grades(r, ARRAY[c], '{1000000,1000000}', NULL, NULL, 0.5, 'group'))[1] - 2.0 / 3) <= 2e-16,
          'grey_multilayer_grades per group over two groups of 1e6: 2/3 to 2e-16') FROM gl;
-- every coefficient 1 (equal deltas): exactly 1 at any length (1e8 gave 1.0000000023 before)
SELECT is(grey_relational_grade(array_fill(0.5::float8, ARRAY[10000000]), array_fill(0.25::float8, ARRAY[10000000])), 1::float8,
          '1e7 equal deltas: grade exactly 1');
SELECT is(grey_relational_grade(array_fill(0.5::float8, ARRAY[10000000]), array_fill(0.25::float8, ARRAY[10000000]),
                                array_fill(0.1::float8, ARRAY[10000000])), 1::float8, '1e7 equal deltas, weights 0.1 each: exactly 1');
SELECT ok((SELECT bool_and(g <= 1 AND g >= 1 - 2e-16) FROM unnest(grey_relational_grades(array_fill(0.5::float8, ARRAY[3000000]), array_fill(0.25::float8, ARRAY[2, 3000000]),
                                  array_fill(0.1::float8, ARRAY[3000000]))) g), 'grey_relational_grades, 3e6 equal deltas: 1 to 2e-16, never above');
SELECT ok((SELECT bool_and(g > 0 AND g <= 1) FROM unnest(grey_relational_grades(r, ARRAY[c, r, c], (SELECT array_agg(random() * 1e6) FROM generate_series(1, 2000000)))) g),
          'random weights over 2e6 positions: grades in (0, 1]') FROM gl;

-- min-max with a range beyond float8
SELECT is(normalize_features('{0}', ROW(2, '{-1e308}', '{1e308}', NULL, NULL)::feature_summary), '{0.5}'::float8[],
          'max - min overflows: the midpoint still maps to 0.5');
SELECT is(normalize_features('{5e307,1e308}', ROW(2, '{-1e308,-1e308}', '{1e308,1e308}', NULL, NULL)::feature_summary, '{f,t}'), '{0.75,0}'::float8[],
          'max - min overflows: 5e307 maps to 0.75, a cost position''s max to 0');
SELECT is(normalize_features('{-1.5e308}', ROW(2, '{1e308}', '{1.7e308}', NULL, NULL)::feature_summary), '{-3.5714285714285716}'::float8[],
          'x - min overflows (x outside the statistics): computed from halves, not clamped');
SELECT throws_ok($$SELECT normalize_features('{1e308}', ROW(2, '{-1e308}', '{0}', '{0}', '{1e-300}')::feature_summary, NULL, 'zscore')$$,
                 '22003', NULL, 'a z-score beyond float8: 22003, not Infinity');

SELECT * FROM finish();
ROLLBACK;
