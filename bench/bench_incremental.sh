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
DELETE FROM crm_score_jobs WHERE target::text = 'bench_scores';
DROP TABLE IF EXISTS bench_scores, bench_scores_state, bench_scores_overrides;
SELECT crm_score_setup('bench_scores', 'transactions');
CALL crm_refresh_scores('bench_scores', '$T0');
VACUUM ANALYZE bench_scores_state;
SQL
psql -qXAt -d postgres -c "SELECT format('data: %s historical + %s new transactions (%s%%), %s customers; serial plans, jit off',
  count(*) FILTER (WHERE txn_time <= '$T0'), count(*) FILTER (WHERE txn_time > '$T0' AND txn_time <= '$T1'),
  round(100.0 * count(*) FILTER (WHERE txn_time > '$T0' AND txn_time <= '$T1') / count(*) FILTER (WHERE txn_time <= '$T1'), 2),
  count(DISTINCT customer_id)) FROM transactions"

compare_with time_in_rollback "nightly refresh: incremental vs full recomputation" \
  "CALL crm_refresh_scores('bench_scores', '$T1', full_rebuild => true)" \
  "CALL crm_refresh_scores('bench_scores', '$T1')" 5
compare_with time_in_rollback "  of which state update: merge new rows vs rebuild states" \
  "TRUNCATE bench_scores_state; INSERT INTO bench_scores_state SELECT customer_id, rfm_state_agg(txn_time, amount)
     FROM transactions WHERE txn_time <= '$T1' GROUP BY customer_id" \
  "INSERT INTO bench_scores_state AS s SELECT customer_id, rfm_state_agg(txn_time, amount) FROM transactions
     WHERE txn_time > '$T0' AND txn_time <= '$T1' GROUP BY customer_id
     ON CONFLICT (customer_id) DO UPDATE SET state = rfm_state_merge(s.state, EXCLUDED.state)" 5

psql -qX -d postgres -c "ALTER TABLE transactions SET (parallel_workers = 2)"
Q="SELECT sum((r).frequency) + sum((r).monetary) FROM (SELECT rfm_agg(txn_time, amount, '2025-01-01') r FROM transactions GROUP BY customer_id) s"
b=(); c=()
for i in 1 2 3 4 5; do
    b+=("$(BENCH_WORKERS=0 time_query "$Q")"); c+=("$(BENCH_WORKERS=2 time_query "$Q")")
done
mb=$(printf '%s\n' "${b[@]}" | median); mc=$(printf '%s\n' "${c[@]}" | median)
awk -v b="$mb" -v c="$mc" 'BEGIN { printf "%-58s serial %9.1f ms  2 workers %9.1f ms  speedup %.2fx  (median of 5)\n", "rfm_agg GROUP BY customer, parallel", b, c, b / c }'
