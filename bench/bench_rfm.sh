#!/bin/bash
# rfm_agg against the built-in aggregates and against plain SQL for the
# extended indicators, on >= 2M transactions of 200,000 customers.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
CUSTOMERS=${BENCH_CUSTOMERS:-200000}
export PGOPTIONS="-c client_min_messages=warning"
psql -qX -d postgres -c "CREATE EXTENSION IF NOT EXISTS crm_ext"
ensure_data "$CUSTOMERS"
psql -qX -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL'
DROP TABLE IF EXISTS bench_txn, bench_txn_shuffled, bench_txn_clustered;
CREATE TABLE bench_txn AS SELECT customer_id, txn_time, amount::float8 AS amount, amount AS amount_num FROM transactions;
-- the same rows in random order: customers' rows then arrive in the order
-- their states were created, which suits any hash aggregate's caches
SELECT setseed(0.5);
CREATE TABLE bench_txn_shuffled AS SELECT * FROM bench_txn ORDER BY random();
CREATE TABLE bench_txn_clustered AS SELECT * FROM bench_txn ORDER BY customer_id, txn_time;
VACUUM ANALYZE bench_txn_clustered;
VACUUM ANALYZE bench_txn;
VACUUM ANALYZE bench_txn_shuffled;
SQL
psql -qXAt -d postgres -c "SELECT format('data: %s transactions, %s customers, %s MB; plan: serial (max_parallel_workers_per_gather=0), jit off',
  count(*), count(DISTINCT customer_id), pg_relation_size('bench_txn') / 1048576) FROM bench_txn"

AS_OF="'2025-01-01'::timestamptz"
for variant in "time order:bench_txn" "shuffled:bench_txn_shuffled" "clustered by customer:bench_txn_clustered"; do
    t=${variant#*:}
    compare "R,F,M: rfm_agg vs count/sum/max, rows ${variant%%:*}" \
      "SELECT sum(f) + sum(m) + sum(extract(epoch FROM $AS_OF - l)) FROM (
         SELECT count(*) FILTER (WHERE amount > 0) f, sum(amount) m, max(txn_time) FILTER (WHERE amount > 0) l
         FROM $t WHERE txn_time <= $AS_OF GROUP BY customer_id) s" \
      "SELECT sum((r).frequency) + sum((r).monetary) + sum((r).recency_days * 86400) FROM (
         SELECT rfm_agg(txn_time, amount, $AS_OF) r FROM $t GROUP BY customer_id) s"
done

compare "R,F,M, numeric amounts: rfm_agg vs count/sum/max" \
  "SELECT sum(f) + sum(m) + sum(extract(epoch FROM $AS_OF - l)) FROM (
     SELECT count(*) FILTER (WHERE amount_num > 0) f, sum(amount_num) m, max(txn_time) FILTER (WHERE amount_num > 0) l
     FROM bench_txn WHERE txn_time <= $AS_OF GROUP BY customer_id) s" \
  "SELECT sum((r).frequency) + sum((r).monetary) + sum((r).recency_days * 86400) FROM (
     SELECT rfm_agg(txn_time, amount_num, $AS_OF) r FROM bench_txn GROUP BY customer_id) s" 3

compare "extended indicators: rfm_agg vs plain SQL with LAG()" \
  "SELECT sum(f) + sum(m) + sum(extract(epoch FROM $AS_OF - l)) + sum(extract(epoch FROM $AS_OF - fi))
        + sum(g) + sum(mx) + sum(rc) + sum(ra) FROM (
     SELECT customer_id, count(*) FILTER (WHERE amount > 0) f, sum(amount) m,
            max(txn_time) FILTER (WHERE amount > 0) l, min(txn_time) FILTER (WHERE amount > 0) fi,
            avg(extract(epoch FROM gap)) FILTER (WHERE amount > 0) g, max(amount) mx,
            count(*) FILTER (WHERE amount < 0) rc, sum(amount) FILTER (WHERE amount < 0) ra
     FROM (SELECT customer_id, txn_time, amount,
                  CASE WHEN amount > 0 THEN txn_time - lag(txn_time) OVER w END AS gap
           FROM bench_txn WHERE txn_time <= $AS_OF
           WINDOW w AS (PARTITION BY customer_id, amount > 0 ORDER BY txn_time)) t
     GROUP BY customer_id) s" \
  "SELECT sum((r).frequency) + sum((r).monetary) + sum((r).recency_days) + sum((r).tenure_days)
        + sum((r).mean_gap_days) + sum((r).max_amount) + sum((r).refunds) + sum((r).refund_amount) FROM (
     SELECT rfm_agg(txn_time, amount, $AS_OF) r FROM bench_txn GROUP BY customer_id) s" 3
