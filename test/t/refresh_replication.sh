#!/bin/bash
# TAP: rows that logical replication applies to a scored view's source (in
# an apply worker, with session_replication_role = replica) are captured and
# counted exactly once; with capture triggers that would not fire there, the
# refresh refuses instead of losing rows.  Starts its own small cluster with
# wal_level = logical (a publisher and a subscriber database in it).
set -uo pipefail
BIN=$("${PG_CONFIG:-pg_config}" --bindir)
tmp=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
port=${CRM_REPL_PORT:-5751}
cleanup() { as_pg "$BIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
as_pg "$BIN/initdb" -D "$tmp/data" -A trust -U postgres >/dev/null 2>&1 || { echo "Bail out! initdb failed"; exit 1; }
as_pg "$BIN/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w -o "-p $port -k $tmp -c listen_addresses='' -c wal_level=logical -c fsync=off" start >/dev/null ||
    { echo "Bail out! could not start the cluster"; cat "$tmp/log"; exit 1; }
export PGHOST=$tmp PGPORT=$port PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$@"; }
source "$(dirname "$0")/tap_lib.bash"
echo "1..5"
q postgres -c "CREATE DATABASE crm_pub" -c "CREATE DATABASE crm_sub" >/dev/null
q crm_pub >/dev/null <<'SQL'
CREATE TABLE txn (id bigint PRIMARY KEY, customer_id int, txn_time timestamptz, amount numeric);
INSERT INTO txn SELECT g, g % 50, '2024-01-01'::timestamptz + g * interval '1 day', g % 17 + 1 FROM generate_series(1, 300) g;
CREATE PUBLICATION crm_pub FOR TABLE txn;
SELECT pg_create_logical_replication_slot('crm_sub', 'pgoutput');
SQL
q crm_sub >/dev/null <<SQL
CREATE EXTENSION crm_ext;
CREATE TABLE txn (id bigint PRIMARY KEY, customer_id int, txn_time timestamptz, amount numeric);
SELECT crm_score_setup('scores', 'txn');
CALL crm_refresh_scores('scores', '2024-06-01');
CREATE SUBSCRIPTION crm_sub CONNECTION 'host=$tmp port=$port dbname=crm_pub user=postgres'
    PUBLICATION crm_pub WITH (create_slot = false, slot_name = 'crm_sub');
SQL
wait_rows() {  # wait_rows N: until the subscriber has N source rows
    for i in $(seq 1 60); do
        [ "$(q crm_sub -c "SELECT count(*) FROM txn")" = "$1" ] && return 0; sleep 0.5
    done; return 1
}
wait_rows 300
check "the initial copy arrived through the subscription" "300" "$(q crm_sub -c "SELECT count(*) FROM txn")"
q crm_pub -c "INSERT INTO txn SELECT g, g % 60, '2024-03-01'::timestamptz + g * interval '1 hour', 5 FROM generate_series(301, 400) g" \
          -c "UPDATE txn SET amount = amount + 1 WHERE customer_id = 3" -c "DELETE FROM txn WHERE customer_id = 4" >/dev/null
wait_rows $(q crm_pub -c "SELECT count(*) FROM txn")
sleep 1
q crm_sub -c "CALL crm_refresh_scores('scores', '2025-06-01')" >/dev/null
ref="SELECT (SELECT count(*) FROM scores) || '/' || count(*) || ' customers, ' || (SELECT count(*) FROM (
        (SELECT customer_id, frequency, monetary, recency_days FROM scores
         EXCEPT SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2025-06-01') r FROM txn GROUP BY 1) s)
        UNION ALL
        (SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2025-06-01') r FROM txn GROUP BY 1) s
         EXCEPT SELECT customer_id, frequency, monetary, recency_days FROM scores)) d) || ' differ'
     FROM (SELECT DISTINCT customer_id FROM txn WHERE amount > 0) c"
want=$(q crm_sub -c "SELECT count(DISTINCT customer_id) FROM txn WHERE amount > 0")
check "rows copied, inserted, updated and deleted by the apply worker are each counted once" "$want/$want customers, 0 differ" "$(q crm_sub -c "$ref")"
check "the row-level capture triggers are enabled for replica sessions only, TRUNCATE's always" "3|1" \
    "$(q crm_sub -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'txn'::regclass::oid AND tgenabled = 'R'")|$(q crm_sub -c "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'txn'::regclass::oid AND tgenabled = 'A'")"
# all triggers made ordinary (as ENABLE TRIGGER ALL does): the row-level
# ones would count twice and not fire in the apply worker; the refresh refuses
q crm_sub -c "ALTER TABLE txn ENABLE TRIGGER ALL" >/dev/null
check "with the triggers made ordinary on a subscribed source the refresh refuses" "55000" \
    "$(psql -qXAt -v VERBOSITY=verbose -d crm_sub -c "CALL crm_refresh_scores('scores', '2025-06-01')" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p')"
q crm_pub -c "INSERT INTO txn VALUES (1000, 70, '2024-05-01', 3)" >/dev/null
wait_rows $(q crm_pub -c "SELECT count(*) FROM txn")
want=$(q crm_sub -c "SELECT count(DISTINCT customer_id) FROM txn WHERE amount > 0")
q crm_sub -c "CALL crm_refresh_scores('scores', '2025-06-01', full_rebuild => true)" >/dev/null
check "a full rebuild by the owner puts the triggers right and is exact again" "$want/$want customers, 0 differ" "$(q crm_sub -c "$ref")"
q crm_sub -c "DROP SUBSCRIPTION crm_sub" >/dev/null 2>&1
exit $fails
