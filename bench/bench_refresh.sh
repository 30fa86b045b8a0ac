#!/bin/bash
# The nightly refresh of crm_ext 1.2 (capture triggers, pending table)
# against 1.1's (time watermark) on the same long-tailed data, in two
# databases of one server, alternating: the incremental refresh after 1% of
# new transactions, a full rebuild, and what the capture triggers cost the
# writers of those new rows.  Default settings (work_mem 4MB), serial plans.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
export PGOPTIONS="-c client_min_messages=warning -c work_mem=4MB -c maintenance_work_mem=64MB"
customers=${BENCH_CUSTOMERS:-1000000}
reps=${BENCH_REPS:-5}
T0='2024-12-29'; T1='2025-01-01'
for v in 11 12; do
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS bench_r$v" -c "CREATE DATABASE bench_r$v" >/dev/null
    psql -qX -v ON_ERROR_STOP=1 -d bench_r$v -v customers="$customers" -v table=all_txn -f bench/longtail.sql >/dev/null
done
psql -qX -v ON_ERROR_STOP=1 -d bench_r11 >/dev/null <<SQL
CREATE EXTENSION crm_ext VERSION '1.1';
CREATE TABLE txn AS SELECT * FROM all_txn WHERE txn_time <= '$T0';
-- 1.1 reads (loaded_through, as_of] from the source: it needs the time index
CREATE INDEX ON txn (txn_time);
SELECT crm_score_setup('scores', 'txn');
CALL crm_refresh_scores('scores', '$T0');
INSERT INTO txn SELECT * FROM all_txn WHERE txn_time > '$T0';
VACUUM ANALYZE txn, scores_data;
SQL
psql -qX -v ON_ERROR_STOP=1 -d bench_r12 >/dev/null <<SQL
CREATE EXTENSION crm_ext;
CREATE TABLE txn AS SELECT * FROM all_txn WHERE txn_time <= '$T0';
-- 1.2 reads new rows from its pending table; the customer index serves
-- recomputations after updates and deletes
CREATE INDEX ON txn (customer_id);
SELECT crm_score_setup('scores', 'txn');
CALL crm_refresh_scores('scores', '$T0');
INSERT INTO txn SELECT * FROM all_txn WHERE txn_time > '$T0';
VACUUM ANALYZE txn, scores_data, scores_pending;
SQL
psql -qXAt -d bench_r12 -c "SELECT format('data: %s customers (%s%% one-time buyers), %s transactions of which %s new (%s%%) for the incremental refresh; work_mem 4MB, serial plans, jit off',
    count(DISTINCT customer_id), (SELECT round(100.0 * count(*) FILTER (WHERE n = 1) / count(*)) FROM (SELECT count(*) n FROM all_txn GROUP BY customer_id) x),
    count(*), count(*) FILTER (WHERE txn_time > '$T0'), round(100.0 * count(*) FILTER (WHERE txn_time > '$T0') / count(*), 2)) FROM all_txn"

# in_db DB SQL: milliseconds of SQL in BEGIN ... ROLLBACK in DB (after an untimed VACUUM)
in_db() { BENCH_DB=$1 BENCH_UNTIMED="VACUUM scores_data;" time_in_rollback "$2"; }
pair() {  # pair NAME SQL11 SQL12
    local a=() b=() i
    in_db bench_r11 "$2" >/dev/null; in_db bench_r12 "$3" >/dev/null
    for ((i = 0; i < reps; i++)); do a+=("$(in_db bench_r11 "$2")"); b+=("$(in_db bench_r12 "$3")"); done
    local ma mb
    ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
    awk -v n="$1" -v a="$ma" -v b="$mb" -v r="$reps" \
        'BEGIN { printf "%-52s 1.1 %9.1f ms  1.2 %9.1f ms  1.2/1.1 %.2fx  (median of %d)\n", n, a, b, b / a, r }'
}
pair "incremental refresh after those new transactions" \
     "CALL crm_refresh_scores('scores', '$T1')" "CALL crm_refresh_scores('scores', '$T1')"
pair "full rebuild" \
     "CALL crm_refresh_scores('scores', '$T1', full_rebuild => true)" "CALL crm_refresh_scores('scores', '$T1', full_rebuild => true)"
# what the writers pay: the new rows inserted again, with 1.2's capture
# triggers against 1.1's plain table (both with their one index)
pair "writers: INSERT of those new rows (one statement)" \
     "INSERT INTO txn SELECT * FROM all_txn WHERE txn_time > '$T0'" "INSERT INTO txn SELECT * FROM all_txn WHERE txn_time > '$T0'"
pair "writers: 2,000 single-row INSERT statements" \
     "DO \$\$BEGIN FOR i IN 1..2000 LOOP INSERT INTO txn VALUES (i, '2024-12-31', 9.99); END LOOP; END\$\$" \
     "DO \$\$BEGIN FOR i IN 1..2000 LOOP INSERT INTO txn VALUES (i, '2024-12-31', 9.99); END LOOP; END\$\$"
for v in 11 12; do psql -qX -d postgres -c "DROP DATABASE bench_r$v" >/dev/null; done
