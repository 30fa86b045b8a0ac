#!/bin/bash
# Issue 5 figures: the nightly incremental refresh (1% new transactions on
# ~5M historical rows) against a full recomputation, and rfm_agg's parallel
# speedup with 2 workers.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
export PGOPTIONS="-c client_min_messages=warning"
psql -qX -d postgres -c "CREATE EXTENSION IF NOT EXISTS crm_ext"
ensure_data "${BENCH_CUSTOMERS:-200000}"
# history = all but the newest 1% of transactions
T0=$(psql -qXAt -d postgres -c "SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY txn_time) FROM transactions WHERE txn_time <= '2025-01-01'")
T1="2025-01-01"
psql -qX -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
-- incremental loads read (loaded_through, as_of]: the time column needs an
-- index (btree; BRIN where rows arrive in time order), as it would in production
CREATE INDEX IF NOT EXISTS transactions_txn_time_idx ON transactions (txn_time);
DELETE FROM crm_score_jobs WHERE target::text = 'bench_scores';
DROP VIEW IF EXISTS bench_scores; DROP TABLE IF EXISTS bench_scores_data, bench_scores_overrides, bench_full_scores;
SELECT crm_score_setup('bench_scores', 'transactions');
CALL crm_refresh_scores('bench_scores', '$T0');
-- the baseline's scored table: state, scores and segment of every customer
CREATE TABLE bench_full_scores (customer_id int PRIMARY KEY, state rfm_state, r_score int, f_score int, m_score int, segment text);
VACUUM ANALYZE bench_scores_data;
SQL
psql -qXAt -d postgres -c "SELECT format('data: %s historical + %s new transactions (%s%%), %s customers; serial plans, jit off',
  count(*) FILTER (WHERE txn_time <= '$T0'), count(*) FILTER (WHERE txn_time > '$T0' AND txn_time <= '$T1'),
  round(100.0 * count(*) FILTER (WHERE txn_time > '$T0' AND txn_time <= '$T1') / count(*) FILTER (WHERE txn_time <= '$T1'), 2),
  count(DISTINCT customer_id)) FROM transactions"
# every timed run starts from tables without the dead rows of the previous
# (rolled back) run, as autovacuum would leave them between nightly jobs
export BENCH_UNTIMED="VACUUM bench_scores_data, bench_full_scores;"

# The baseline is a full recomputation written as well as plain SQL allows:
# one pass over all transactions, every customer's row written once.
FULL="DELETE FROM bench_full_scores;
  WITH st AS (SELECT customer_id, rfm_state_agg(txn_time, amount) AS s FROM transactions
              WHERE txn_time <= '$T1' GROUP BY customer_id),
       x AS (SELECT customer_id, s, rfm_final(s, '$T1') AS r FROM st),
       b AS (SELECT rfm_breaks(5) WITHIN GROUP (ORDER BY (r).recency_days) AS br,
                    rfm_breaks(5) WITHIN GROUP (ORDER BY (r).frequency) AS bf,
                    rfm_breaks(5) WITHIN GROUP (ORDER BY (r).monetary) AS bm FROM x WHERE (r).frequency IS NOT NULL),
       sc AS (SELECT customer_id, s, rfm_score((r).recency_days, br, false) AS rs, rfm_score((r).frequency, bf) AS fs,
                     rfm_score((r).monetary, bm) AS ms FROM x, b)
  INSERT INTO bench_full_scores SELECT customer_id, s, rs, fs, ms, rfm_segment(rs, fs, ms) FROM sc"
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "$FULL" -c "VACUUM ANALYZE bench_full_scores" >/dev/null  # kept, for the read comparison
compare_with time_in_rollback "nightly refresh: incremental vs full recomputation" \
  "$FULL" "CALL crm_refresh_scores('bench_scores', '$T1')" 5
compare_with time_in_rollback "  vs crm_ext's own full rebuild (full_rebuild => true)" \
  "CALL crm_refresh_scores('bench_scores', '$T1', full_rebuild => true)" "CALL crm_refresh_scores('bench_scores', '$T1')" 3
compare_with time_in_rollback "  of which state update: merge new rows vs rebuild states" \
  "TRUNCATE bench_full_scores; INSERT INTO bench_full_scores (customer_id, state) SELECT customer_id, rfm_state_agg(txn_time, amount)
     FROM transactions WHERE txn_time <= '$T1' GROUP BY customer_id" \
  "MERGE INTO bench_scores_data s USING (SELECT customer_id, rfm_state_agg(txn_time, amount) AS state FROM transactions
     WHERE txn_time > '$T0' AND txn_time <= '$T1' GROUP BY customer_id) n ON s.customer_id = n.customer_id
     WHEN MATCHED THEN UPDATE SET state = rfm_state_merge(s.state, n.state)
     WHEN NOT MATCHED THEN INSERT VALUES (n.customer_id, n.state)" 5
unset BENCH_UNTIMED
printf '%s\n' "BEGIN; CALL crm_refresh_scores('bench_scores', '$T1');
  SELECT format('incremental refresh: %s customers with new transactions merged, %s scored on read by the view', last_changed_customers, last_customers)
  FROM crm_score_jobs WHERE target = 'bench_scores'::regclass; ROLLBACK;" | psql -qXAt -d postgres
# reading the scored view: what moving scores from the refresh to the read costs
compare "reading the view: stored scores table vs scored view" \
  "SELECT count(*), sum(r_score + f_score + m_score), count(DISTINCT segment) FROM bench_full_scores" \
  "SELECT count(*), sum(r_score + f_score + m_score), count(DISTINCT segment) FROM bench_scores" 3

psql -qX -d postgres -c "ALTER TABLE transactions SET (parallel_workers = 2)"
Q="SELECT sum((r).frequency) + sum((r).monetary) FROM (SELECT rfm_agg(txn_time, amount, '2025-01-01') r FROM transactions GROUP BY customer_id) s"
b=(); c=()
for i in 1 2 3 4 5; do
    b+=("$(BENCH_WORKERS=0 time_query "$Q")"); c+=("$(BENCH_WORKERS=2 time_query "$Q")")
done
mb=$(printf '%s\n' "${b[@]}" | median); mc=$(printf '%s\n' "${c[@]}" | median)
awk -v b="$mb" -v c="$mc" 'BEGIN { printf "%-58s serial %9.1f ms  2 workers %9.1f ms  speedup %.2fx  (median of 5)\n", "rfm_agg GROUP BY customer, parallel", b, c, b / c }'
