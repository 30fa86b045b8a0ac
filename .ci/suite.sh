#!/bin/bash
# Runs inside pg_virtualenv (see with_server.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
out=$(mktemp -d)
passed=0; failed=0

echo "== pg_regress"
make -s installcheck PG_CONFIG=$PG_CONFIG >"$out/regress.log" 2>&1
r_rc=$?
cat "$out/regress.log"
# PG15 prints "test NAME ... ok" / "... FAILED"; 16+ print TAP lines
# "ok 1 - NAME" / "not ok 1 - NAME". Count both; a failing exit status with
# nothing counted as failed still counts as one failure.
r_ok=$(grep -Ec '^(test| ) +[a-z0-9_]+ +\.\.\. ok|^ok [0-9]+ +[-+] ' "$out/regress.log")
r_bad=$(grep -Ec '\.\.\. FAILED|^not ok [0-9]+ ' "$out/regress.log")
[ "$r_rc" -ne 0 ] && [ "$r_bad" -eq 0 ] && r_bad=1
[ "$r_ok" -eq 0 ] && [ "$r_bad" -eq 0 ] && r_bad=1
passed=$((passed + r_ok)); failed=$((failed + r_bad))
[ -f regression.diffs ] && [ "$r_bad" -gt 0 ] && head -200 regression.diffs

# count_tap LOG: add a TAP runner's assertions to the totals; a suite that
# died before planning or ran off its plan counts as one failure
t_ok=0; t_bad=0; skipped=0
count_tap() {  # LOG [RUNNER_EXIT_STATUS]
    grep -Ev '^ok [0-9]+ ' "$1" | sed -n '1,400p'
    local ok bad dubious
    ok=$(grep -E '^ok [0-9]+' "$1" | grep -vic '# SKIP')
    bad=$(grep -Ec '^not ok [0-9]+' "$1")
    dubious=$(grep -Ec 'Dubious|Parse errors|No plan found|Bad plan' "$1")
    # whole scripts skipped, and single assertions marked "# SKIP"
    skipped=$((skipped + $(grep -Ec '\.\. skipped' "$1") + $(grep -Eic '^ok [0-9]+.*# SKIP' "$1")))
    # a runner that failed with no failing assertion counted (a crashed
    # script, a wrong plan the patterns above missed) is one failure
    if [ "${2:-0}" -ne 0 ] && [ "$bad" -eq 0 ] && [ "$dubious" -eq 0 ]; then dubious=1; fi
    t_ok=$((t_ok + ok)); t_bad=$((t_bad + bad))
    passed=$((passed + ok)); failed=$((failed + bad + dubious))
}
shopt -s nullglob

echo "== pgTAP"
psql -qX -d postgres -c "DROP DATABASE IF EXISTS crm_tap" -c "CREATE DATABASE crm_tap" >/dev/null
psql -qX -d crm_tap -c "CREATE EXTENSION pgtap" >/dev/null
files=(test/pgtap/*.sql)
if [ ${#files[@]} -gt 0 ]; then
    pg_prove -v -d crm_tap "${files[@]}" >"$out/tap.log" 2>&1
    count_tap "$out/tap.log" $?
fi

echo "== TAP scripts (test/t)"
files=(test/t/*.sh)
if [ ${#files[@]} -gt 0 ]; then
    prove -v -e bash "${files[@]}" >"$out/t.log" 2>&1
    count_tap "$out/t.log" $?
fi

echo "pg_regress: $r_ok passed, $r_bad failed; pgTAP and TAP: $t_ok assertions passed, $t_bad failed"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ -n "${CRM_RESULT_FILE:-}" ] && echo "$summary" > "$CRM_RESULT_FILE"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
