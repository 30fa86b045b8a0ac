-- pgTAP: lifecycle signals against independent SQL references
-- (regr_slope, stddev_samp, window sums) and the action rule table.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS crm_ext;
SET LOCAL timezone = 'UTC';
SELECT plan(32);

-- 500 customers, daily-ish transactions over 2024
CREATE TABLE tx (customer int, ts timestamptz, amount float8);
INSERT INTO tx
SELECT c, '2024-01-01'::timestamptz + (abs(hashint4(c * 7 + k)) % 366) * interval '1 day' + (k % 24) * interval '1 hour',
       round(((abs(hashint4(k * 13 + c)) % 20000) / 100.0 - 20)::numeric, 2)
FROM generate_series(1, 500) c, generate_series(1, 5 + c % 60) k;
ANALYZE tx;

-- reference buckets: month k of the last 6 before 2025-01-01 (oldest first)
CREATE TABLE ref AS
SELECT c.customer, array_agg(coalesce(s.spend, 0)::float8 ORDER BY m.k) AS spend
FROM (SELECT DISTINCT customer FROM tx) c
CROSS JOIN generate_series(1, 6) m(k)
LEFT JOIN LATERAL (SELECT sum(amount::numeric) AS spend FROM tx
                   WHERE tx.customer = c.customer
                     AND ts >  '2025-01-01'::timestamptz - (7 - m.k) * interval '1 month'
                     AND ts <= '2025-01-01'::timestamptz - (6 - m.k) * interval '1 month') s ON true
GROUP BY c.customer;
CREATE TABLE got AS
SELECT customer, spend_by_period(ts, amount, '2025-01-01', '1 month', 6) AS spend FROM tx GROUP BY customer;

SELECT is((SELECT count(*) FROM got JOIN ref USING (customer) WHERE got.spend = ref.spend), 500::bigint,
          'spend_by_period equals month-window sums from plain SQL (calendar months)');
SELECT is((SELECT spend_by_period(ts, amount, '2024-04-01', '1 month', 3)
           FROM (VALUES ('2024-01-15'::timestamptz, 10.0::float8), ('2024-03-01', 5), ('2024-03-02', 7),
                        ('2024-04-01', 1), ('2024-04-02', 100), ('2024-01-01', 1000), (NULL, 1), ('2024-03-03', NULL)) v(ts, amount)),
          '{10,5,8}'::float8[], 'period boundaries: (start, end], rows after as_of or before the window or with NULLs ignored');
SELECT is((SELECT spend_by_period(ts, amount, '2024-12-31', '7 days', 52) FROM tx WHERE customer = 3),
          (SELECT array_agg(coalesce(s, 0)::float8 ORDER BY k) FROM generate_series(1, 52) k
           LEFT JOIN LATERAL (SELECT sum(amount::numeric) s FROM tx WHERE customer = 3
                              AND ts > '2024-12-31'::timestamptz - (53 - k) * interval '7 days'
                              AND ts <= '2024-12-31'::timestamptz - (52 - k) * interval '7 days') x ON true),
          'weekly periods');

-- parallel plan gives the same buckets
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
SELECT is((SELECT spend_by_period(ts, amount, '2025-01-01', '1 month', 6) FROM tx),
          (SELECT spend_by_period(ts, amount, '2025-01-01', '1 month', 6) FROM (SELECT * FROM tx ORDER BY random()) s OFFSET 0),
          'whole-table spend_by_period: parallel equals a shuffled serial order, exactly');
RESET max_parallel_workers_per_gather;

-- signals against built-in statistics
CREATE TABLE sig AS SELECT customer, spend, (spend_signals(spend)).* FROM ref;
SELECT is((SELECT count(*) FROM sig s WHERE abs(s.trend - (SELECT regr_slope(v, i) FROM unnest(s.spend) WITH ORDINALITY u(v, i))) > 1e-9),
          0::bigint, 'trend equals regr_slope(spend, period)');
SELECT is((SELECT count(*) FROM sig s WHERE abs(s.total - (SELECT sum(v) FROM unnest(s.spend) v)) > 1e-9
                                        OR abs(s.mean - (SELECT avg(v) FROM unnest(s.spend) v)) > 1e-9),
          0::bigint, 'total and mean');
SELECT is((SELECT count(*) FROM sig s WHERE s.trend_pct IS DISTINCT FROM s.trend / nullif(abs(s.mean), 0)),
          0::bigint, 'trend_pct = trend / |mean|');
SELECT is((SELECT count(*) FROM sig s WHERE s.change_z IS NOT NULL AND
           abs(s.change_z - (s.last - (SELECT avg(v) FROM unnest(s.spend[1:5]) v)) /
                            (SELECT stddev_samp(v) FROM unnest(s.spend[1:5]) v)) > 1e-9),
          0::bigint, 'change_z = (last - mean of earlier) / stddev_samp of earlier');
SELECT is((SELECT count(*) FROM sig s WHERE s.falling_periods <>
           (SELECT coalesce(6 - max(i), 5) FROM generate_series(2, 6) i WHERE NOT s.spend[i] < s.spend[i - 1])),
          0::bigint, 'falling_periods counts the decreases ending at the last period');
SELECT is(ROW(spend_signals('{100,90,80,60}')), ROW(ROW(4, 330, 82.5, 60, -13, -13 / 82.5, 3, -3, -1 / 3.0)::spend_signals),
          'worked example: 100, 90, 80, 60');
SELECT is((spend_signals('{5}')).trend, NULL, 'one period: no trend');
SELECT is((spend_signals('{7,7,7,7}')).change_z, NULL, 'no variation in the history: change_z is NULL');
SELECT is((spend_signals('{0,0,0,0}')).trend_pct, NULL, 'zero mean: trend_pct is NULL');
-- spend near the float8 limit: history {1e308, -1e308, 1e308} has mean 1e308/3 and sd 2e308/sqrt(3),
-- so a last period of 5 is -sqrt(3)/6 sd away; the squares would overflow without rescaling
SELECT cmp_ok(abs((spend_signals('{1e308,-1e308,1e308,5}')).change_z + sqrt(3) / 6), '<', 1e-12::float8,
              'change_z of spend near 1e308 is finite and right');
SELECT cmp_ok(abs((spend_signals('{1e308,-1e308,1e308,5}')).trend / -1e307 - 1), '<', 1e-12::float8,
              'trend of spend near 1e308 is finite and right');

-- actions under the default rule set
SELECT is(lifecycle_action(arrears => 3, falling_periods => 5), 'guard', 'arrears come first');
SELECT is(lifecycle_action(falling_periods => 3), 'retain', 'three falling periods: retain');
SELECT is(lifecycle_action(change_z => -2.5), 'retain', 'sudden drop: retain');
SELECT is(lifecycle_action(overdue_ratio => 2.0), 'retain', 'away twice the usual gap: retain (bounds inclusive)');
SELECT is(lifecycle_action(contract_days_left => 30), 'retain', 'contract about to expire: retain');
SELECT is(lifecycle_action(trend_pct => 0.08, value_score => 5), 'upsell', 'growing high-value: upsell');
SELECT is(lifecycle_action(trend_pct => 0.08, value_score => 2), 'develop', 'growing low-value: develop');
SELECT is(lifecycle_action(), 'maintain', 'nothing known: maintain');

-- a user rule set overrides the defaults
INSERT INTO lifecycle_rules (rule_set, priority, action, min_falling_periods) VALUES ('strict', 1, 'call now', 2);
INSERT INTO lifecycle_rules (rule_set, priority, action) VALUES ('strict', 2, 'wait');
SELECT is(lifecycle_action(falling_periods => 2, rule_set => 'strict'), 'call now', 'user rule set');
SELECT is(lifecycle_action(falling_periods => 1, rule_set => 'strict'), 'wait', 'user rule set catch-all');

-- bad input
SELECT throws_ok($$SELECT lifecycle_action(rule_set => 'nope')$$, '42704', NULL, 'unknown rule set');
SELECT throws_ok($$SELECT spend_signals('{1,NULL}')$$, '22004', NULL, 'NULL period');
SELECT throws_ok($$SELECT spend_signals('{1,NaN}')$$, '22023', NULL, 'NaN period');
SELECT throws_ok($$SELECT spend_signals('{1e308,1e308,1e308,1e308}')$$, '22003', NULL, 'a total beyond float8 is an error, not NaN');
SELECT throws_ok($$SELECT spend_signals('{1e-200,1e150}')$$, '22003', NULL, 'a ratio beyond float8 is an error, not Infinity');
SELECT cmp_ok(abs((spend_signals('{1,2,3,1e308}')).change_z / 1e308 - 1), '<', 1e-12::float8,
              'a huge last period after small ones: change_z = (1e308 - 2) / 1, not NULL');
SELECT throws_ok($$SELECT spend_by_period(ts, amount, '2025-01-01', '-1 month', 6) FROM tx$$, '22023', NULL, 'negative period');

SELECT * FROM finish();
ROLLBACK;
