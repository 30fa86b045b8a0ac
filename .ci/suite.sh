#!/bin/bash
# Runs inside pg_virtualenv (see with_server.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
out=$(mktemp -d)
passed=0; failed=0

echo "== pg_regress"
make -s installcheck PG_CONFIG=$PG_CONFIG >"$out/regress.log" 2>&1
cat "$out/regress.log"
# PG15 prints one line per test: "test NAME ... ok" / "... FAILED".
r_ok=$(grep -Ec '^(test| ) +[a-z0-9_]+ +\.\.\. ok' "$out/regress.log")
r_bad=$(grep -Ec '\.\.\. FAILED' "$out/regress.log")
passed=$((passed + r_ok)); failed=$((failed + r_bad))
[ -f regression.diffs ] && [ "$r_bad" -gt 0 ] && head -200 regression.diffs

echo "== pgTAP"
psql -qX -d postgres -c "DROP DATABASE IF EXISTS crm_tap" -c "CREATE DATABASE crm_tap" >/dev/null
psql -qX -d crm_tap -c "CREATE EXTENSION pgtap" >/dev/null
shopt -s nullglob
files=(test/pgtap/*.sql)
if [ ${#files[@]} -gt 0 ]; then
    pg_prove -v -d crm_tap "${files[@]}" >"$out/tap.log" 2>&1
    grep -Ev '^ok [0-9]+ ' "$out/tap.log" | sed -n '1,400p'
    t_ok=$(grep -Ec '^ok [0-9]+' "$out/tap.log")
    t_bad=$(grep -Ec '^not ok [0-9]+' "$out/tap.log")
    # A suite that died before planning counts as one failure.
    t_dubious=$(grep -Ec 'Dubious|Parse errors|No plan found|Bad plan' "$out/tap.log")
    passed=$((passed + t_ok)); failed=$((failed + t_bad + t_dubious))
fi

echo "== TAP scripts (test/t)"
files=(test/t/*.sh)
if [ ${#files[@]} -gt 0 ]; then
    prove -v -e bash "${files[@]}" >"$out/t.log" 2>&1
    grep -Ev '^ok [0-9]+ ' "$out/t.log" | sed -n '1,200p'
    s_ok=$(grep -Ec '^ok [0-9]+' "$out/t.log")
    s_bad=$(grep -Ec '^not ok [0-9]+' "$out/t.log")
    s_dubious=$(grep -Ec 'Dubious|Parse errors|No plan found|Bad plan' "$out/t.log")
    skipped=$(grep -Ec '\.\. skipped' "$out/t.log")
    t_ok=$((${t_ok:-0} + s_ok)); t_bad=$((${t_bad:-0} + s_bad))
    passed=$((passed + s_ok)); failed=$((failed + s_bad + s_dubious))
fi

echo "pg_regress: $r_ok passed, $r_bad failed; pgTAP and TAP: ${t_ok:-0} assertions passed, ${t_bad:-0} failed"
summary="$passed passed, $failed failed"
[ "${skipped:-0}" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ -n "${CRM_RESULT_FILE:-}" ] && echo "$summary" > "$CRM_RESULT_FILE"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
