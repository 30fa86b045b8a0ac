#!/bin/bash
# Reading a scored view: segments alone against segments and value classes
# (the classification runs on read), for every customer of a long-tailed
# base (BENCH_CUSTOMERS, default 2,000,000).  Default settings, serial plans.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
export PGOPTIONS="-c client_min_messages=warning -c work_mem=4MB -c maintenance_work_mem=64MB"
customers=${BENCH_CUSTOMERS:-2000000}
reps=${BENCH_REPS:-5}
psql -qX -d postgres -c "DROP DATABASE IF EXISTS bench_read" -c "CREATE DATABASE bench_read" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d bench_read -v customers="$customers" -v table=txn -f bench/longtail.sql >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d bench_read >/dev/null <<'SQL'
CREATE EXTENSION crm_ext;
SELECT crm_score_setup('scores', 'txn');
CALL crm_refresh_scores('scores', '2025-01-01');
VACUUM ANALYZE scores_data;
SET maintenance_work_mem = '1GB';  -- the in-memory kmeans holds every point
SELECT count(*) FROM crm_case_base_build('scores', 'read_cb', k => 8);
SQL
psql -qXAt -d bench_read -c "SELECT format('data: %s customers, %s transactions; case base of %s cases; work_mem 4MB, serial plans, jit off',
    (SELECT count(*) FROM scores_data), (SELECT count(*) FROM txn), (SELECT array_length(labels, 1) FROM crm_case_bases))"
export BENCH_DB=bench_read
# every value is consumed (count(DISTINCT) would time a sort instead)
compare "read every customer: segment vs segment + value_class" \
  "SELECT count(*), sum(length(segment)) FROM scores" \
  "SELECT count(*), sum(length(segment)), sum(length(value_class)) FROM scores" "$reps"
compare "  scores and segment vs the same + value_class + similarity" \
  "SELECT count(*), sum(r_score + f_score + m_score), sum(length(segment)) FROM scores" \
  "SELECT count(*), sum(r_score + f_score + m_score), sum(length(segment)), sum(length(value_class)), sum(similarity) FROM scores" "$reps"
psql -qX -d postgres -c "DROP DATABASE bench_read" >/dev/null
