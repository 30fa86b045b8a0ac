#!/bin/bash
# TAP: distributed results equal local ones on a Citus cluster (coordinator
# + 2 workers started here), for a table distributed by customer.  Aggregates
# not grouped by the distribution column must run as partial aggregates on
# the workers: citus.coordinator_aggregation_strategy = 'disabled' turns any
# fallback to pulling rows to the coordinator into an error.
# Skipped when the citus extension is not installed (it is not a Debian
# package; install it yourself to run this test).
set -uo pipefail
if [ ! -f "$(/usr/lib/postgresql/15/bin/pg_config --sharedir)/extension/citus.control" ]; then
    echo "1..0 # SKIP citus is not installed"
    exit 0
fi
BIN=/usr/lib/postgresql/15/bin
tmp=$(mktemp -d /tmp/crm_citus.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
ports=(${CRM_CITUS_PORTS:-5741 5742 5743})
cleanup() {
    for p in "${ports[@]}"; do as_pg $BIN/pg_ctl -D "$tmp/n$p" -m immediate stop >/dev/null 2>&1; done
    rm -rf "$tmp"
}
trap cleanup EXIT
for p in "${ports[@]}"; do
    as_pg $BIN/initdb -D "$tmp/n$p" -A trust -U postgres >/dev/null 2>&1 || { echo "Bail out! initdb failed"; exit 1; }
    as_pg $BIN/pg_ctl -D "$tmp/n$p" -l "$tmp/n$p.log" -w -o "-p $p -k $tmp -c listen_addresses=localhost \
        -c shared_preload_libraries=citus -c max_worker_processes=16 -c fsync=off \
        -c citus.node_conninfo=sslmode=disable" start >/dev/null ||
        { echo "Bail out! could not start node on port $p"; cat "$tmp/n$p.log"; exit 1; }
done
c() { psql -qXAt -v ON_ERROR_STOP=1 -h "$tmp" -p "${ports[0]}" -U postgres -d postgres "$@"; }
source "$(dirname "$0")/tap_lib.bash"
echo "1..12"
export PGOPTIONS="-c client_min_messages=warning"
for p in "${ports[@]:1}"; do
    psql -qXAt -h "$tmp" -p "$p" -U postgres -d postgres -c "CREATE EXTENSION citus" >/dev/null ||
        { echo "Bail out! CREATE EXTENSION citus failed on port $p"; exit 1; }
done
c >"$tmp/setup.log" 2>&1 <<SQL || { echo "Bail out! cluster setup failed"; sed 's/^/# /' "$tmp/setup.log"; exit 1; }
CREATE EXTENSION citus;
SELECT citus_set_coordinator_host('localhost', ${ports[0]});
SELECT citus_add_node('localhost', ${ports[1]});
SELECT citus_add_node('localhost', ${ports[2]});
CREATE EXTENSION crm_ext;
CREATE TABLE txn_local (customer_id int, txn_time timestamptz, amount float8, features float8[]);
INSERT INTO txn_local
SELECT c, '2024-01-01'::timestamptz + (abs(hashint4(c * 1000 + k)) % 360) * interval '1 day' + k * interval '1 second',
       CASE WHEN k % 11 = 0 THEN -3.25 ELSE (abs(hashint4(k * 31 + c)) % 100000) / 100.0 END,
       ARRAY[(c % 5) * 10 + (k % 3), (c % 5) * -7 + (k % 2), (c % 5) * 3.0]::float8[]
FROM generate_series(1, 2000) c, generate_series(1, 1 + c % 40) k;
CREATE TABLE txn (LIKE txn_local);
SELECT create_distributed_table('txn', 'customer_id', shard_count => 8);
INSERT INTO txn SELECT * FROM txn_local;
SQL
check "crm_ext is installed on every worker" "2" \
    "$(c -c "SELECT count(*) FROM run_command_on_workers(\$\$SELECT extversion FROM pg_extension WHERE extname = 'crm_ext'\$\$) WHERE success AND result <> ''")"

same() {  # same NAME QUERY: the distributed and the local table give identical rows
    local d l
    d=$(c -c "SET citus.coordinator_aggregation_strategy = 'disabled'" -c "$(printf "$2" txn)" 2>&1) || d="ERROR: $d"
    l=$(c -c "$(printf "$2" txn_local)" 2>&1) || l="ERROR: $l"
    [ -n "$l" ] || l="(no rows)"
    check "$1" "$(echo "$l" | md5sum) $(echo "$l" | head -c 60)" "$(echo "$d" | md5sum) $(echo "$d" | head -c 60)"
}
same "rfm_agg grouped by the distribution column equals local" \
    "SELECT customer_id, rfm_agg(txn_time, amount, '2025-01-01')::text FROM %s GROUP BY 1 ORDER BY 1"
same "rfm_agg over the whole table (partial on workers) equals local, bit for bit" \
    "SELECT rfm_agg(txn_time, amount, '2025-01-01')::text FROM %s"
same "rfm_agg grouped by another column (partial on workers) equals local" \
    "SELECT customer_id %% 7, rfm_agg(txn_time, amount, '2025-01-01')::text FROM %s GROUP BY 1 ORDER BY 1"
same "rfm_state_agg over the whole table equals local" \
    "SELECT rfm_state_agg(txn_time, amount)::text FROM %s"
same "spend_by_period over the whole table equals local" \
    "SELECT spend_by_period(txn_time, amount, '2025-01-01', '1 month', 12)::text FROM %s"
same "kmeans over the whole table (partial states combined) equals local" \
    "SELECT kmeans(features, 5, 7)::text FROM %s"
same "kmeans_assign per row equals local" \
    "SELECT customer_id, sum(kmeans_assign(features, '{{0,0,0},{10,-7,3},{20,-14,6},{30,-21,9},{40,-28,12}}')) FROM %s GROUP BY 1 ORDER BY 1"
d=$(c -c "SET citus.coordinator_aggregation_strategy = 'disabled'" -c "SELECT (s).n, (SELECT array_agg(round(x::numeric, 9)) FROM unnest((s).mean) x) FROM (SELECT feature_stats(features) s FROM txn) q" 2>&1) || d="ERROR: $d"
l=$(c -c "SELECT (s).n, (SELECT array_agg(round(x::numeric, 9)) FROM unnest((s).mean) x) FROM (SELECT feature_stats(features) s FROM txn_local) q" 2>&1) || l="ERROR: $l"
check "feature_stats over the whole table equals local (to 1e-9)" "$l" "$d"

plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT rfm_agg(txn_time, amount, '2025-01-01') FROM txn")
echo "$plan" | grep -E "worker_partial_agg|coord_combine_agg" | head -3 | sed 's/^/# /'
check "EXPLAIN shows rfm_agg as partial aggregates on the workers" "yes" \
    "$(echo "$plan" | grep -q 'worker_partial_agg' && echo "$plan" | grep -q 'coord_combine_agg' && echo yes || echo no)"
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT kmeans(features, 5, 7) FROM txn")
echo "$plan" | grep -E "worker_partial_agg|coord_combine_agg" | head -3 | sed 's/^/# /'
check "EXPLAIN shows kmeans' partial step on the workers" "yes" \
    "$(echo "$plan" | grep -q 'worker_partial_agg' && echo yes || echo no)"

# a scored view kept fresh over the distributed table
c >/dev/null 2>&1 <<'SQL'
SELECT crm_score_setup('dist_scores', 'txn');
CALL crm_refresh_scores('dist_scores', '2025-01-01');
SQL
check "crm_refresh_scores over a distributed transactions table equals rfm_agg" "0" \
    "$(c -c "SELECT count(*) FROM (SELECT customer_id, frequency, monetary FROM dist_scores
             EXCEPT SELECT customer_id, (r).frequency, (r).monetary
             FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2025-01-01') r FROM txn_local GROUP BY 1) s) d")"
exit $fails
