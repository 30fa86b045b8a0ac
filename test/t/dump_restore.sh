#!/bin/bash
# TAP: a database using crm_ext survives pg_dump and restore: rfm_state
# values, users' segment maps and lifecycle rules come back, the built-in
# lifecycle rules are not duplicated.  Runs inside the throwaway server.
set -uo pipefail
export PGOPTIONS="-c client_min_messages=warning"
q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$@"; }
source "$(dirname "$0")/tap_lib.bash"
echo "1..6"
q postgres -c "DROP DATABASE IF EXISTS crm_dump_src" -c "DROP DATABASE IF EXISTS crm_dump_dst" \
           -c "CREATE DATABASE crm_dump_src" -c "CREATE DATABASE crm_dump_dst"
q crm_dump_src >/dev/null <<'SQL'
CREATE EXTENSION crm_ext;
CREATE TABLE states AS
  SELECT c AS customer, rfm_state_agg('2024-01-01'::timestamptz + k * interval '1 day', (c * k % 97) - 5.25) AS st
  FROM generate_series(1, 50) c, generate_series(1, 20) k GROUP BY c;
INSERT INTO rfm_segment_maps VALUES ('tiers', 2);
INSERT INTO rfm_segment_rules (map_name, segment, priority) VALUES ('tiers', 'all', 1);
INSERT INTO lifecycle_rules (rule_set, priority, action) VALUES ('mine', 1, 'call');
SELECT anp_load_example();
UPDATE anp_node_judgments SET judgment = 5
 WHERE model = 'rfm_weights' AND wrt = 'goal' AND row_node = 'F' AND col_node = 'R';
SQL
before=$(q crm_dump_src -c "SELECT md5(string_agg(st::text, ',' ORDER BY customer)) FROM states")
dumpdir=$(mktemp -d); trap 'rm -rf "$dumpdir"' EXIT
pg_dump -d crm_dump_src > "$dumpdir/dump.sql" 2>"$dumpdir/dump.err"
check "pg_dump succeeds" 0 $?
psql -qX -v ON_ERROR_STOP=1 -d crm_dump_dst -f "$dumpdir/dump.sql" >"$dumpdir/restore.log" 2>&1
check "restore succeeds" 0 $?
check "rfm_state values restored exactly" "$before" \
    "$(q crm_dump_dst -c "SELECT md5(string_agg(st::text, ',' ORDER BY customer)) FROM states")"
check "user segment map restored and usable" "all" "$(q crm_dump_dst -c "SELECT rfm_segment(2, 1, 2, 'tiers')")"
check "user lifecycle rules restored, built-in ones not duplicated" "1|11" \
    "$(q crm_dump_dst -c "SELECT count(*) FILTER (WHERE rule_set = 'mine') || '|' || count(*) FILTER (WHERE builtin) FROM lifecycle_rules")"
anp="SELECT string_agg(node || '=' || round(global_weight::numeric, 6), ',' ORDER BY node) FROM anp_solve('rfm_weights')"
check "an edited ANP model is restored and solves identically" "$(q crm_dump_src -c "$anp")" "$(q crm_dump_dst -c "$anp")"
q postgres -c "DROP DATABASE crm_dump_src" -c "DROP DATABASE crm_dump_dst"
exit $fails
