#!/bin/bash
# TAP: long loops over user-sized inputs react to a cancel within 0.5 s.
# Each case builds its inputs in a subquery (constants folded by the planner:
# PostgreSQL's own array_fill, which does not check for cancels, stays out of
# the measurement) whose last column raises a NOTICE, then calls the function
# on them; once the NOTICE arrives and the call has run for a while,
# pg_cancel_backend() is sent and the time until the statement ends is
# measured.  A case whose call finishes before the cancel
# fails (it would prove nothing).  Inputs: arrays of 1e8 elements (800 MB),
# k = 10000 centroids, 10000 x 10000 case bases.  Timings (not pass/fail
# limits elsewhere) are printed.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/t/tap_lib.bash
export PGOPTIONS="-c client_min_messages=notice"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
q() { psql -qXAt -d "${PGDATABASE:-postgres}" "$@"; }
q -c "CREATE EXTENSION IF NOT EXISTS crm_ext" >/dev/null 2>&1

LIMIT_MS=500
WAIT_MS=${CRM_CANCEL_WAIT_MS:-400}   # how long the call runs before the cancel

# cancel_case NAME INPUTS CALL [WAIT_MS]: SELECT CALL FROM (SELECT INPUTS, notice) s
cancel_case() {
    local name=$1 inputs=$2 call=$3 WAIT_MS=${4:-$WAIT_MS} app="crm_cancel_$RANDOM$RANDOM" log="$tmp/case.log" pid="" i t0 t1 ms sent
    : >"$log"
    PGAPPNAME=$app psql -qX -d "${PGDATABASE:-postgres}" \
        -c "CREATE FUNCTION pg_temp.built() RETURNS int LANGUAGE plpgsql VOLATILE AS \$f\$ BEGIN RAISE NOTICE 'inputs built'; RETURN 0; END \$f\$" \
        -c "SELECT $call IS NULL FROM (SELECT $inputs, pg_temp.built() AS z OFFSET 0) s" -c "SELECT 'call finished'" >"$log" 2>&1 &
    local bg=$!
    for ((i = 0; i < 1200; i++)); do
        grep -q 'inputs built' "$log" && break
        kill -0 $bg 2>/dev/null || break
        sleep 0.05
    done
    sleep "$(awk -v m="$WAIT_MS" 'BEGIN { print m / 1000 }')"
    pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND state = 'active'")
    if [ -z "$pid" ] || grep -q 'call finished' "$log"; then
        wait $bg
        check "$name: still running ${WAIT_MS} ms into the call, so a cancel can be measured" "running" "finished: $(tr '\n' ' ' <"$log" | head -c 200)"
        return
    fi
    t0=$(date +%s%N)
    sent=$(q -c "SELECT pg_cancel_backend($pid)" 2>/dev/null)
    wait $bg
    if [ "$sent" != "t" ]; then
        check "$name: still running when the cancel was sent" "running" "finished first: $(tr '\n' ' ' <"$log" | head -c 200)"
        return
    fi
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    echo "# $name: canceled ${WAIT_MS} ms into the call, ended ${ms} ms after the cancel"
    check "$name: ends within ${LIMIT_MS} ms of a cancel" "canceled within limit" \
        "$(grep -q 'canceling statement due to user request' "$log" && echo canceled) $([ "$ms" -le $LIMIT_MS ] && echo within limit || echo "after ${ms} ms")"
}

echo "1..9"
cancel_case "grey_relational_grade over 1e8 positions" \
    "array_fill(0.5::float8, ARRAY[100000000]) a, array_fill(0.25::float8, ARRAY[100000000]) b" \
    "grey_relational_grade(a, b)"
cancel_case "grey_relational_grade with weights over 1e8 positions" \
    "array_fill(0.5::float8, ARRAY[100000000]) a, array_fill(0.25::float8, ARRAY[100000000]) b" \
    "grey_relational_grade(a, b, a)"
cancel_case "grey_relational_coefficients over 1e8 positions" \
    "array_fill(0.5::float8, ARRAY[100000000]) a, array_fill(0.25::float8, ARRAY[100000000]) b" \
    "grey_relational_coefficients(a, b)"
cancel_case "grey_relational_grades, 10000 cases x 10000 positions" \
    "array_fill(0.5::float8, ARRAY[10000]) r, array_fill(0.25::float8, ARRAY[10000, 10000]) c" \
    "grey_relational_grades(r, c)"
cancel_case "grey_multilayer_grades per group, 1 case x 1e8 positions" \
    "array_fill(0.5::float8, ARRAY[100000000]) r, array_fill(0.25::float8, ARRAY[1, 100000000]) c" \
    "grey_multilayer_grades(r, c, NULL, NULL, NULL, 0.5, 'group')"
cancel_case "cbr_classify against 10000 cases x 10000 positions" \
    "array_fill(0.5::float8, ARRAY[10000]) r, array_fill(0.25::float8, ARRAY[10000, 10000]) c, array_fill('x'::text, ARRAY[10000]) l" \
    "cbr_classify(r, c, l, NULL, NULL, NULL)"
cancel_case "kmeans_assign with k = 10000 centroids of 10000 dimensions" \
    "array_fill(0.5::float8, ARRAY[10000]) x, array_fill(0.25::float8, ARRAY[10000, 10000]) c" \
    "kmeans_assign(x, c)" 150
cancel_case "kmeans (in memory) with k = 10000 over 200,000 points" \
    "1 AS one" \
    "(SELECT kmeans(ARRAY[(g * 0.618034) % 1, (g * 0.414214) % 1]::float8[], 10000) FROM generate_series(1, 200000 + 0 * s.z) g)"
cancel_case "kmeans_step with k = 10000 over 2,000,000 points" \
    "(SELECT array_agg(ARRAY[(g * 0.7548776) % 1, (g * 0.5698403) % 1]) FROM generate_series(1, 10000) g) c" \
    "(SELECT kmeans_step(ARRAY[(g * 0.618034) % 1, (g * 0.414214) % 1]::float8[], s.c) FROM generate_series(1, 2000000 + 0 * s.z) g)"
exit $fails
