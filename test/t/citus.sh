#!/bin/bash
# TAP: distributed results equal local ones on a Citus cluster (coordinator
# + 2 workers started here), for a table distributed by customer.  Aggregates
# not grouped by the distribution column must run as partial aggregates on
# the workers: citus.coordinator_aggregation_strategy = 'disabled' turns any
# fallback to pulling rows to the coordinator into an error.
# Skipped when the citus extension is not installed (it is not a Debian
# package; install it yourself to run this test).
set -uo pipefail
if [ ! -f "$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --sharedir)/extension/citus.control" ]; then
    echo "1..0 # SKIP citus is not installed"
    exit 0
fi
BIN=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir)
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
echo "1..28"
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

# Scored views over the distributed table and over the local copy: the
# same setup, refreshes, writes (new rows, an update, a delete, a TRUNCATE;
# Citus does not let an UPDATE move a row to another customer) and reads must give the same rows, and not zero of them.
# The state, override and pending tables are colocated with the source, the
# meta table a reference table (README: Parallel query and Citus).
sv() {  # sv SQL: run it for both views; %s is the table, %v the view
    local t
    for t in txn txn_local; do
        c -c "$(echo "$1" | sed "s/%v/${t}_scores/g; s/%s/$t/g")" >/dev/null || return 1
    done
}
view_rows="SELECT customer_id, recency_days, frequency, monetary, first_txn, last_txn, mean_gap_days, r_score, f_score, m_score,
                  segment, value_class, round(similarity::numeric, 12) FROM %s_scores ORDER BY customer_id"
same_views() {  # same_views NAME: distributed and local scored views have the same rows, and some
    local d l
    d=$(c -c "$(printf "$view_rows" txn)" 2>&1); l=$(c -c "$(printf "$view_rows" txn_local)" 2>&1)
    check "$1 ($(echo "$l" | grep -c .) customers)" "$(echo "$l" | md5sum) yes" \
          "$(echo "$d" | md5sum) $([ "$(echo "$l" | grep -c .)" -ge 100 ] && echo yes)"
}
sv "SELECT crm_score_setup('%v', '%s')" &&
sv "CALL crm_refresh_scores('%v', '2024-10-01')"
check "crm_score_setup and a first refresh over the distributed table succeed" "0" "$?"
check "its state and pending tables are colocated with the source, the meta table is a reference table" "2|t" \
    "$(c -c "SELECT count(*) FROM citus_tables WHERE table_name::text IN ('txn_scores_data', 'txn_scores_pending')
             AND colocation_id = (SELECT colocation_id FROM citus_tables WHERE table_name = 'txn'::regclass)")|$(c -c "SELECT citus_table_type = 'reference' FROM citus_tables WHERE table_name = 'txn_scores_meta'::regclass")"
same_views "the first refresh gives the local view's rows"
sv "INSERT INTO %s SELECT c, '2024-12-01'::timestamptz + c * interval '1 minute', c % 13 + 1.5, NULL FROM generate_series(1, 2500, 3) c" &&
sv "UPDATE %s SET amount = amount + 1 WHERE customer_id IN (7, 8)" &&
sv "DELETE FROM %s WHERE customer_id = 9" &&
sv "CALL crm_refresh_scores('%v', '2025-01-01')"
check "incremental refresh after new rows, updates and a delete succeeds" "0" "$?"
same_views "the incremental refresh gives the local view's rows"
check "and they equal rfm_agg over the distributed source" "0" \
    "$(c -c "SELECT count(*) FROM ((SELECT customer_id, frequency, monetary, recency_days FROM txn_scores
             EXCEPT SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2025-01-01') r FROM txn GROUP BY 1) s)
             UNION ALL (SELECT customer_id, (r).frequency, (r).monetary, (r).recency_days FROM (SELECT customer_id, rfm_agg(txn_time, amount, '2025-01-01') r FROM txn GROUP BY 1) s
             WHERE (r).frequency IS NOT NULL EXCEPT SELECT customer_id, frequency, monetary, recency_days FROM txn_scores)) d")"
# a writer keeps inserting while refreshes run: nothing lost or doubled
( for i in $(seq 1 40); do c -c "INSERT INTO txn SELECT c, '2024-12-20'::timestamptz + $i * interval '1 hour', $i, NULL FROM generate_series($i, 2000, 97) c" >/dev/null; done ) &
for i in 1 2 3 4 5; do c -c "CALL crm_refresh_scores('txn_scores', '2025-01-01')" >/dev/null; done
wait
c -c "INSERT INTO txn_local SELECT * FROM txn EXCEPT ALL SELECT * FROM txn_local" >/dev/null
sv "CALL crm_refresh_scores('%v', '2025-01-01')"
same_views "refreshes while a writer inserts count every row once"
sv "SELECT count(*) FROM crm_case_base_build('%v', 'cb_%s', k => 4, labels => '{a,b,c,d}')" &&
sv "CALL crm_refresh_scores('%v', '2025-01-01', full_rebuild => true)"
same_views "a case base build and a full rebuild give the local view's rows, value classes included"
sv "TRUNCATE %s" && sv "INSERT INTO %s VALUES (1, '2024-12-31', 5, NULL)" && sv "CALL crm_refresh_scores('%v', '2025-01-01')"
check "after TRUNCATE of the distributed source the view holds only what came after" "1" "$(c -c "SELECT count(*) FROM txn_scores")"
sv "SELECT crm_score_drop('%v')"
check "crm_score_drop removes it all, on the workers too" "0|0" \
    "$(c -c "SELECT count(*) FROM pg_class WHERE relname LIKE 'txn\_scores%'")|$(c -c "SELECT sum(result::int) FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'crm_capture%'\$\$)")"

# ---- k-means beyond memory (kmeans_step, kmeans_typical, kmeans_fit) ----
# Lloyd steps are partial aggregates on the workers: each shard ships one
# O(k x d) state per iteration, not its points, and the coordinator's
# exact combine gives the local result bit for bit.
c >"$tmp/km.log" 2>&1 <<'SQL' || { echo "Bail out! k-means setup failed"; sed 's/^/# /' "$tmp/km.log"; exit 1; }
CREATE TABLE km_local AS
    SELECT g AS id, ARRAY[(g % 5) * 3 + sin(g * 1.7), (g % 5) * -2 + cos(g * 0.3), exp(((g * 7919) % 1000) / 250.0) / 50]::float8[] AS x
    FROM generate_series(1, 30000) g;
CREATE TABLE km_dist (LIKE km_local);
SELECT create_distributed_table('km_dist', 'id', shard_count => 8);
INSERT INTO km_dist SELECT * FROM km_local;
SQL
KC="'{{0,0,0},{3,-2,1},{6,-4,0},{9,-6,2},{12,-8,1}}'"
l=$(c -c "SELECT kmeans_step_sizes(kmeans_step(x, $KC)) FROM km_local")
check "kmeans_step over the local table gives sizes for 5 clusters adding up to 30000 (non-empty)" "5 30000" \
    "$(c -c "SELECT array_length(s, 1), (SELECT sum(v) FROM unnest(s) v) FROM (SELECT kmeans_step_sizes(kmeans_step(x, $KC)) s FROM km_local) q" | tr '|' ' ')"
same_km() {  # same_km NAME QUERY: as same, over km_dist / km_local
    local d l
    d=$(c -c "SET citus.coordinator_aggregation_strategy = 'disabled'" -c "$(printf "$2" km_dist)" 2>&1) || d="ERROR: $d"
    l=$(c -c "$(printf "$2" km_local)" 2>&1) || l="ERROR: $l"
    [ -n "$l" ] || l="(no rows)"
    check "$1" "$(echo "$l" | md5sum) $(echo "$l" | head -c 60)" "$(echo "$d" | md5sum) $(echo "$d" | head -c 60)"
}
same_km "kmeans_step over the distributed table (partial states on the workers) equals local, bit for bit" \
    "SELECT kmeans_step(x, $KC)::text FROM %s"
same_km "kmeans_typical over the distributed table equals local" \
    "SELECT kmeans_typical(id::text, x, $KC)::text FROM %s"
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT kmeans_step(x, $KC) FROM km_dist")
echo "$plan" | grep -E "worker_partial_agg|coord_combine_agg" | head -2 | cut -c1-160 | sed 's/^/# /'
check "EXPLAIN VERBOSE shows kmeans_step as worker_partial_agg on the workers, coord_combine_agg on the coordinator" "yes" \
    "$(echo "$plan" | grep -q 'worker_partial_agg(.*kmeans_step' && echo "$plan" | grep -q 'coord_combine_agg' && echo yes || echo no)"
# what one iteration ships: each shard's partial state in text form (what Citus sends)
bytes=$(c -c "SELECT sum(result::bigint) FROM run_command_on_shards('km_dist', \$\$SELECT length(public.kmeans_step(x, $KC)::text) FROM %s\$\$)")
points=$(c -c "SELECT sum(length(x::text)) FROM km_local")
echo "# one Lloyd iteration ships ${bytes} bytes from 8 shards (k = 5, d = 3); the points themselves are ${points} bytes of text"
check "bytes per iteration are O(shards x k x d): under 8 x 4 kB, whatever the rows" "yes" \
    "$([ -n "$bytes" ] && [ "$bytes" -gt 0 ] && [ "$bytes" -lt 32768 ] && echo yes || echo "no ($bytes)")"
check "kmeans_fit over the local table clusters all 30000 rows (non-empty)" "30000 5" \
    "$(c -c "SELECT n, array_length(typical_ids, 1) FROM kmeans_fit('km_local', 'x', 5, 7, 'id', sample_size => 2000)" | tr '|' ' ')"
same_km "kmeans_fit over the distributed table (count, sample, Lloyd passes, typical rows) equals local" \
    "SELECT row(f.*)::text FROM kmeans_fit('%s', 'x', 5, 7, 'id', sample_size => 2000) f"
exit $fails
