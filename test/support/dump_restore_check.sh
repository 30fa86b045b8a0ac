#!/bin/bash
# Checks that users' ANP models survive pg_dump / restore (the anp_* tables are
# extension configuration tables).  Run on a throwaway server:
#   bash .ci/with_server.sh bash test/support/dump_restore_check.sh
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; dropdb --if-exists crm_dump1; dropdb --if-exists crm_dump2' EXIT
createdb crm_dump1
psql -qX -d crm_dump1 -c "CREATE EXTENSION crm_ext" -c "SELECT anp_load_example()" \
     -c "UPDATE anp_node_judgments SET judgment = 5 WHERE model = 'rfm_weights' AND wrt = 'goal' AND row_node = 'F' AND col_node = 'R'" >/dev/null
pg_dump crm_dump1 > "$tmp/dump.sql"
createdb crm_dump2
psql -qX -d crm_dump2 -v ON_ERROR_STOP=1 -f "$tmp/dump.sql" >/dev/null
a=$(psql -qAtX -d crm_dump1 -c "SELECT string_agg(node || '=' || round(global_weight::numeric, 6), ',' ORDER BY node) FROM anp_solve('rfm_weights')")
b=$(psql -qAtX -d crm_dump2 -c "SELECT string_agg(node || '=' || round(global_weight::numeric, 6), ',' ORDER BY node) FROM anp_solve('rfm_weights')")
[ "$a" = "$b" ] && echo "dump/restore ok: edited model restored and solves identically" || { echo "MISMATCH: $a vs $b"; exit 1; }
