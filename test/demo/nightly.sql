-- make demo, part 4: the nightly job.  A scored view is set up as of a week
-- ago, then refreshed incrementally with the last week's transactions, as
-- pg_cron would run it every night; the report shows what it cost and who
-- moved between segments.
\pset footer off
SELECT count(crm_score_drop(name)) AS dropped FROM crm_scored_views WHERE name = 'demo_scores' \gset
SELECT crm_score_setup('demo_scores', 'transactions') \gset
CALL crm_refresh_scores('demo_scores', :'as_of'::timestamptz - interval '7 days');
CREATE TEMP TABLE demo_last_week AS SELECT customer_id, computed_segment AS segment FROM demo_scores;
-- a relationship manager pins one customer; the pin survives every refresh
INSERT INTO demo_scores_overrides (customer_id, segment, reason)
SELECT customer_id, 'VIP (pinned)', 'private banking client' FROM demo_scores ORDER BY monetary DESC LIMIT 1;

\echo
\echo '== Nightly job: CALL crm_refresh_scores(''demo_scores'') after a week of new transactions'
\echo '   (scheduled with pg_cron: SELECT cron.schedule(''crm-nightly'', ''30 2 * * *'', $$CALL crm_refresh_scores(''demo_scores'')$$);)'
CALL crm_refresh_scores('demo_scores', :'as_of');
SELECT last_changed_customers AS "customers with new transactions", last_customers AS "customers scored",
       round(extract(epoch FROM last_duration) * 1000) AS "refresh ms", loaded_through AS "loaded through"
FROM crm_score_jobs WHERE target = 'demo_scores'::regclass;

\echo
\echo '== Segment moves over the week (scores are quintiles of the whole base, so a quiet week moves people too)'
SELECT w.segment AS "last week", s.computed_segment AS "now", count(*) AS customers,
       round(sum(s.monetary)::numeric, 0) AS "their revenue"
FROM demo_scores s JOIN demo_last_week w USING (customer_id)
WHERE w.segment <> s.computed_segment
GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 8;

\echo
\echo '== Champions last week who are no longer Champions: who to call first (overdue x spend)'
SELECT s.customer_id, s.computed_segment AS "now", s.recency_days::int AS "days since purchase",
       round(s.mean_gap_days::numeric, 1) AS "usual gap", round(s.overdue_ratio::numeric, 1) AS overdue,
       round(s.monetary::numeric, 0) AS monetary
FROM demo_scores s JOIN demo_last_week w USING (customer_id)
WHERE w.segment = 'Champions' AND s.computed_segment <> 'Champions' AND NOT s.segment_overridden
ORDER BY s.overdue_ratio * s.monetary DESC NULLS LAST LIMIT 5;

\echo
\echo '== Pinned by hand (demo_scores_overrides): the pin wins, the computed segment stays visible'
SELECT customer_id, segment, computed_segment, rfm_code, round(monetary::numeric, 0) AS monetary
FROM demo_scores WHERE segment_overridden;
