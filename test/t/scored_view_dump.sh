#!/bin/bash
# TAP: pg_dump and restore of a database with scored views give identical
# views, and the restored views keep loading exactly once: rows pending at
# dump time (committed after the last refresh, or dated after its as_of) and
# rows written after the restore are each counted once by the next refresh.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$@"; }
source "$(dirname "$0")/tap_lib.bash"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..8"
q postgres -c "DROP DATABASE IF EXISTS crm_sdump_src" -c "DROP DATABASE IF EXISTS crm_sdump_dst" \
           -c "CREATE DATABASE crm_sdump_src" -c "CREATE DATABASE crm_sdump_dst" >/dev/null
q postgres -c "DROP ROLE IF EXISTS crm_sdump_team" -c "CREATE ROLE crm_sdump_team" >/dev/null
q crm_sdump_src >/dev/null <<'SQL'
CREATE EXTENSION crm_ext;
CREATE SCHEMA team AUTHORIZATION crm_sdump_team;
SET ROLE crm_sdump_team;
CREATE TABLE team.txn (customer_id int, txn_time timestamp, amount numeric);
INSERT INTO team.txn SELECT c, '2024-01-01'::timestamp + (c * 11 + k * 5) % 300 * interval '1 day', (c * k) % 50 + 1.5
FROM generate_series(1, 200) c, generate_series(1, 1 + c % 5) k;
SELECT crm_score_setup('team.scores', 'team.txn', time_zone => 'Europe/Berlin');
CALL crm_refresh_scores('team.scores', '2024-12-01');
SELECT count(*) FROM crm_case_base_build('team.scores', 'team_cb', k => 4);
INSERT INTO team.scores_overrides (customer_id, segment, reason) VALUES (7, 'VIP', 'by hand');
-- pending at dump time: committed after the refresh, dated before and after its as_of, and an update
INSERT INTO team.txn VALUES (1, '2024-11-30', 100), (2, '2024-12-20', 50), (500, '2024-11-01', 10);
UPDATE team.txn SET amount = amount + 1 WHERE customer_id = 3;
SQL
# every column but refreshed_at (a refresh's clock time)
view="SELECT md5(string_agg(row(customer_id, recency_days, frequency, monetary, first_txn, last_txn, tenure_days, mean_gap_days,
        avg_amount, purchases_per_30d, overdue_ratio, r_score, f_score, m_score, rfm_code, segment, computed_segment,
        segment_overridden, value_class, similarity, as_of)::text, ',' ORDER BY customer_id)) || ':' || count(*) FROM team.scores s"
before=$(q crm_sdump_src -c "$view")
pg_dump -d crm_sdump_src > "$tmp/dump.sql" 2>"$tmp/dump.err"
check "pg_dump of a database with a scored view succeeds" "0" "$?"
psql -qX -v ON_ERROR_STOP=1 -d crm_sdump_dst -f "$tmp/dump.sql" >"$tmp/restore.log" 2>&1
check "restore succeeds" "0" "$?"
check "the restored view is identical, rows, scores, value classes and the override included" "$before" "$(q crm_sdump_dst -c "$view")"
check "and not empty" "yes" "$([ "${before##*:}" -ge 200 ] && echo yes)"
check "its job, pending rows and capture triggers (enabled as they were) came back" "crm_sdump_team|4|A1,O3,R3" \
    "$(q crm_sdump_dst -c "SELECT owner FROM crm_score_jobs")|$(q crm_sdump_dst -c "SELECT count(*) FROM team.scores_pending")|$(q crm_sdump_dst -c "SELECT string_agg(e || c, ',' ORDER BY e) FROM (SELECT tgenabled::text e, count(*) c FROM pg_trigger WHERE tgrelid = 'team.txn'::regclass::oid GROUP BY 1) x")"
# both sides go on: the same new row, the same refresh
for d in crm_sdump_src crm_sdump_dst; do
    q $d -c "SET ROLE crm_sdump_team" -c "INSERT INTO team.txn VALUES (4, '2024-12-02', 9), (600, '2024-12-02', 3)" \
         -c "DELETE FROM team.txn WHERE customer_id = 5" -c "CALL crm_refresh_scores('team.scores', '2024-12-10')" >/dev/null
done
check "after the same writes and refresh, source and restored view are still identical" \
    "$(q crm_sdump_src -c "$view")" "$(q crm_sdump_dst -c "$view")"
ref="SELECT count(*) FROM ((SELECT customer_id, frequency, monetary, recency_days FROM team.scores
       EXCEPT SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id,
              rfm_agg(txn_time AT TIME ZONE 'Europe/Berlin', amount, '2024-12-10') r FROM team.txn GROUP BY 1) s WHERE (r).frequency IS NOT NULL)
      UNION ALL (SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id,
              rfm_agg(txn_time AT TIME ZONE 'Europe/Berlin', amount, '2024-12-10') r FROM team.txn GROUP BY 1) s WHERE (r).frequency IS NOT NULL
       EXCEPT SELECT customer_id, frequency, monetary, recency_days FROM team.scores)) d"
check "and the restored view equals rfm_agg over its source: pending rows counted once" "0" "$(q crm_sdump_dst -c "$ref")"
check "with every customer" "$(q crm_sdump_dst -c "SELECT count(DISTINCT customer_id) FROM team.txn WHERE amount > 0 AND txn_time <= '2024-12-10 00:00'::timestamp + interval '1 hour'")" \
    "$(q crm_sdump_dst -c "SELECT count(*) FROM team.scores")"
q postgres -c "DROP DATABASE crm_sdump_src" -c "DROP DATABASE crm_sdump_dst" -c "DROP ROLE crm_sdump_team" >/dev/null
exit $fails
