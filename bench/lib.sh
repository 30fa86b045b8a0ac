# Shared helpers for bench/bench_*.sh (sourced).  Timings are read from
# psql's \timing for the query alone; each query runs `reps` times,
# alternating with its baseline, and the median is reported.

# time_query SQL -> prints milliseconds of one run
time_query() {
    psql -qX -v ON_ERROR_STOP=1 -d "${BENCH_DB:-postgres}" \
        -c "SET max_parallel_workers_per_gather = ${BENCH_WORKERS:-0}" \
        -c "SET jit = off" -c "SET work_mem = '256MB'" \
        -c '\timing on' -c "$1" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# compare NAME BASELINE_SQL CANDIDATE_SQL [reps]: warm caches, then compare_with time_query
compare() {
    time_query "$2" >/dev/null; time_query "$3" >/dev/null
    compare_with time_query "$@"
}

# ensure_data CUSTOMERS: the generated data set (test/demo/generate.sql) of
# that many customers, reused when a previous bench already made it.
ensure_data() {
    local have
    have=$(psql -qXAt -d "${BENCH_DB:-postgres}" -c "SELECT count(*) FROM customers" 2>/dev/null || echo 0)
    if [ "$have" != "$1" ]; then
        psql -qX -v ON_ERROR_STOP=1 -d "${BENCH_DB:-postgres}" -v customers="$1" -v as_of='2025-01-01' \
            -f test/demo/generate.sql >/dev/null
    fi
}

# time_in_rollback SQL -> milliseconds of SQL (all its statements, summed)
# run inside BEGIN ... ROLLBACK, so it can be repeated on the same data.
# $BENCH_UNTIMED (e.g. a VACUUM of the tables the last run left dead rows
# in, as autovacuum would between nightly jobs) runs first, untimed.
time_in_rollback() {
    printf '%s\nSET max_parallel_workers_per_gather = %s;\nSET jit = off;\nBEGIN;\n\\timing on\n%s;\n\\timing off\nROLLBACK;\n' \
        "${BENCH_UNTIMED:-}" "${BENCH_WORKERS:-0}" "$1" |
        psql -qX -v ON_ERROR_STOP=1 -d "${BENCH_DB:-postgres}" 2>&1 |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ t += $1 } END { print t }'
}

# compare_with FUNC NAME BASELINE CANDIDATE [reps]: alternate runs timed with
# FUNC, print medians, crm_ext/baseline and its inverse (how many times faster)
compare_with() {
    local fn=$1 name=$2 base=$3 cand=$4 reps=${5:-5} b=() c=() i
    for ((i = 0; i < reps; i++)); do
        b+=("$($fn "$base")"); c+=("$($fn "$cand")")
    done
    local mb mc
    mb=$(printf '%s\n' "${b[@]}" | median); mc=$(printf '%s\n' "${c[@]}" | median)
    awk -v n="$name" -v b="$mb" -v c="$mc" -v r="$reps" \
        'BEGIN { printf "%-58s baseline %9.1f ms  crm_ext %9.1f ms  ratio %.2fx (%.1fx faster)  (median of %d)\n", n, b, c, c / b, b / c, r }'
}
