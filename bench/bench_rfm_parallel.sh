#!/bin/bash
# rfm_agg under a 2-worker parallel plan with many groups and the default
# work_mem (4MB), against the built-in count/sum/max on the same rows: the
# speedup of each from serial to 2 workers, and their ratio.  Data: about
# 10 rows per customer (half the customers buy once, the rest a long
# exponential tail), lognormal amounts, rows in time order; 500k and 200k
# customers (5M and 2M rows).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DB=${BENCH_DB:-postgres}
export PGOPTIONS="-c client_min_messages=warning -c work_mem=4MB -c jit=off"
P() { psql -qX -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
P -c "CREATE EXTENSION IF NOT EXISTS crm_ext"
REPS=${BENCH_REPS:-5}
AS_OF="'2025-01-01'::timestamptz"
for customers in 500000 200000; do
    t=rp_txn_$customers
    if [ "$(P -Atc "SELECT count(DISTINCT customer_id) FROM $t" 2>/dev/null || echo 0)" != "$customers" ]; then
        P >/dev/null <<SQL
SELECT setseed(0.31);
DROP TABLE IF EXISTS $t;
CREATE TABLE $t AS
WITH c AS (SELECT g AS customer_id,
                  CASE WHEN random() < 0.5 THEN 1 ELSE 2 + floor(-ln(1 - random()) * 17)::int END AS n
           FROM generate_series(1, $customers) g)
SELECT customer_id, '2023-01-01'::timestamptz + random() * interval '730 days' AS txn_time,
       round((exp(3.6 + 0.9 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::numeric, 2)::float8 AS amount
FROM c, generate_series(1, c.n)
ORDER BY 2;
VACUUM ANALYZE $t;
SQL
    fi
    P -Atc "SELECT format('data %s: %s rows, %s customers, %s MB, rows in time order; work_mem %s', '$t', count(*), count(DISTINCT customer_id),
                          pg_relation_size('$t') / 1048576, current_setting('work_mem')) FROM $t"
    base="SELECT sum(f) + sum(m) + sum(extract(epoch FROM $AS_OF - l)) FROM (
            SELECT count(*) FILTER (WHERE amount > 0) f, sum(amount) m, max(txn_time) FILTER (WHERE amount > 0) l
            FROM $t WHERE txn_time <= $AS_OF GROUP BY customer_id) s"
    cand="SELECT sum((r).frequency) + sum((r).monetary) + sum((r).recency_days * 86400) FROM (
            SELECT rfm_agg(txn_time, amount, $AS_OF) r FROM $t GROUP BY customer_id) s"
    tw() {  # tw WORKERS SQL -> ms
        psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c "SET max_parallel_workers_per_gather = $1" -c '\timing on' -c "$2" 2>&1 |
            sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
    }
    tw 2 "$base" >/dev/null; tw 2 "$cand" >/dev/null
    b0=(); b2=(); c0=(); c2=()
    for ((i = 0; i < REPS; i++)); do
        b0+=("$(tw 0 "$base")"); c0+=("$(tw 0 "$cand")"); b2+=("$(tw 2 "$base")"); c2+=("$(tw 2 "$cand")")
    done
    mb0=$(printf '%s\n' "${b0[@]}" | median); mb2=$(printf '%s\n' "${b2[@]}" | median)
    mc0=$(printf '%s\n' "${c0[@]}" | median); mc2=$(printf '%s\n' "${c2[@]}" | median)
    awk -v c="$customers" -v b0="$mb0" -v b2="$mb2" -v c0="$mc0" -v c2="$mc2" -v r="$REPS" 'BEGIN {
        printf "%d customers: built-ins serial %.0f ms, 2 workers %.0f ms (speedup %.2fx); rfm_agg serial %.0f ms, 2 workers %.0f ms (speedup %.2fx)\n", c, b0, b2, b0 / b2, c0, c2, c0 / c2
        printf "%d customers: rfm_agg speedup / built-ins speedup %.2f; serial rfm_agg / built-ins %.2fx; 2 workers %.2fx (medians of %d, alternating)\n", c, (c0 / c2) / (b0 / b2), c0 / b0, c2 / b2, r }'
    P -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $cand" | grep -E "Aggregate|Batches|Sort Method|Workers" | sed 's/^/#   /'
done
