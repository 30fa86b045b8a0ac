#!/bin/bash
# k-means beyond memory: one Lloyd iteration (kmeans_step) against a plain
# scan of the same table (SELECT sum(x[1])), kmeans_fit on 1M and 10M
# long-tailed customers x 9 indicators (bench/kmeans_data.sql) with its peak
# backend memory, and its inertia against scikit-learn's KMeans(n_init=10)
# on the 1M set.  Default settings: work_mem 4MB, maintenance_work_mem 64MB,
# max_parallel_workers_per_gather 2 (and 0 for the serial rows); jit off.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DB=${BENCH_DB:-postgres}
export PGOPTIONS="-c client_min_messages=warning -c work_mem=4MB -c maintenance_work_mem=64MB -c jit=off"
P() { psql -qX -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
P -c "CREATE EXTENSION IF NOT EXISTS crm_ext"
for spec in "1000000:km_1m" "10000000:km_10m"; do
    n=${spec%%:*}; t=${spec#*:}
    have=$(P -Atc "SELECT count(*) FROM $t" 2>/dev/null || echo 0)
    [ "$have" = "$n" ] || P -v n="$n" -v tab="$t" -f bench/kmeans_data.sql >/dev/null
    P -Atc "SELECT format('data %s: %s customers x 9 indicators, %s MB', '$t', count(*), pg_relation_size('$t') / 1048576) FROM $t"
done
echo "settings: $(P -Atc "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('work_mem','maintenance_work_mem','max_parallel_workers_per_gather','shared_buffers','jit')")"
echo "the in-memory kmeans on 1M points at the default maintenance_work_mem: $(P -Atc "SELECT kmeans(x, 8) IS NOT NULL FROM km_1m" 2>&1 | head -1)"

# time_w WORKERS SQL -> ms
time_w() {
    psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c "SET max_parallel_workers_per_gather = $1" -c '\timing on' -c "$2" 2>&1 |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
t2() { time_w 2 "$1"; }
t0() { time_w 0 "$1"; }
for t in km_1m km_10m; do
    C=$(P -Atc "SELECT centroids FROM kmeans_fit('$t', 'x', 8, 0, max_iter => 1)")
    time_w 2 "SELECT sum(x[1]) FROM $t" >/dev/null
    compare_with t2 "one Lloyd iteration vs sum(x[1]) scan, $t, 2 workers" \
        "SELECT sum(x[1]) FROM $t" "SELECT kmeans_step_inertia(kmeans_step(x, '$C')) FROM $t" 5
    compare_with t0 "one Lloyd iteration vs sum(x[1]) scan, $t, serial" \
        "SELECT sum(x[1]) FROM $t" "SELECT kmeans_step_inertia(kmeans_step(x, '$C')) FROM $t" 5
done

# kmeans_fit: time, passes, peak memory of the backend and its parallel workers
memwatch() {  # memwatch PID: peak RssAnon (kB) of PID and of the parallel workers serving it
    local pid=$1 peak=0 wpeak=0 a w
    while kill -0 "$pid" 2>/dev/null; do
        a=$(awk '/RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || true)
        [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a
        for w in $(pgrep -f "parallel worker for PID $pid" || true); do
            a=$(awk '/RssAnon/ {print $2}' /proc/$w/status 2>/dev/null || true)
            [ -n "$a" ] && [ "$a" -gt "$wpeak" ] && wpeak=$a
        done
        sleep 0.05
    done
    echo "$peak $wpeak"
}
declare -A fit_ms
for t in km_1m km_10m; do
    ms=()
    for r in 1 2 3; do
        out=$(mktemp)
        psql -qXAt -d "$DB" -c '\timing on' -c "SELECT pg_backend_pid()" \
             -c "SELECT pg_sleep(0.3), iterations, inertia, sample_n FROM kmeans_fit('$t', 'x', 8, 0, 'customer_id')" >"$out" 2>&1 &
        bg=$!
        for i in $(seq 100); do pid=$(head -1 "$out" 2>/dev/null); [ -n "$pid" ] && [ "$pid" -eq "$pid" ] 2>/dev/null && break; sleep 0.02; done
        mem=$(memwatch "$pid")
        wait $bg
        row=$(sed -n 's/^|\(.*\)$/\1/p' "$out" | tail -1)
        t_ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out" | tail -1)
        ms+=("$(awk -v a="$t_ms" 'BEGIN { print a - 300 }')")
        echo "kmeans_fit $t run $r: ${ms[-1]} ms, passes over the data/inertia/sample: $row, peak RssAnon backend $(echo $mem | cut -d' ' -f1) kB, parallel workers $(echo $mem | cut -d' ' -f2) kB"
        rm -f "$out"
    done
    fit_ms[$t]=$(printf '%s\n' "${ms[@]}" | median)
    echo "kmeans_fit $t: median ${fit_ms[$t]} ms"
done
awk -v a="${fit_ms[km_1m]}" -v b="${fit_ms[km_10m]}" 'BEGIN { printf "kmeans_fit growth 1M -> 10M: %.2fx the time for 10x the rows (the number of Lloyd passes can differ)\n", b / a }'

# inertia against scikit-learn on the 1M set
if /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
    sk=$(psql -qXAt -d "$DB" -c "COPY (SELECT array_to_string(x, ',') FROM km_1m) TO STDOUT" | /usr/bin/python3 bench/kmeans_sklearn.py 8)
    ours=$(P -Atc "SELECT inertia FROM kmeans_fit('km_1m', 'x', 8, 0)")
    echo "$sk" | awk -v o="$ours" '{ printf "inertia on km_1m: kmeans_fit %s, scikit-learn KMeans(n_init=10) %s (%.1f s, %s points x %s): ratio %.6f\n", o, $1, $2, $3, $4, o / $1 }'
else
    echo "scikit-learn not installed: inertia comparison skipped (apt-get install python3-sklearn)"
fi
