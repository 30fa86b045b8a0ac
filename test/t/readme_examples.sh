#!/bin/bash
# TAP: every ```sql example of README.md runs, in order, in a fresh database
# (later examples use tables made by earlier ones, as the README says), so
# the reference cannot drift from the API.  Examples that need pg_cron's
# scheduler database or Citus are reported as skipped; they are covered by
# test/t/cron.sh and test/t/citus.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/t/tap_lib.bash
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '/^```sql/ { f = 1; k++; next } /^```/ { f = 0 } f { print > (dir "/" sprintf("%03d", k) ".sql") }' README.md
shopt -s nullglob
blocks=("$tmp"/*.sql)
if [ ${#blocks[@]} -eq 0 ]; then
    echo "1..1"; echo "not ok 1 - README.md has sql examples"; exit 1
fi
echo "1..${#blocks[@]}"
if ! psql -qXAt -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS crm_readme" -c "CREATE DATABASE crm_readme" >/dev/null ||
   ! psql -qXAt -v ON_ERROR_STOP=1 -d crm_readme -c "CREATE EXTENSION crm_ext" >/dev/null; then
    echo "# could not create the database crm_readme with crm_ext"; exit 1
fi
for b in "${blocks[@]}"; do
    n=$((n + 1))
    first=$(grep -m1 -v '^\s*--' "$b" | cut -c1-60)
    if grep -qE 'cron\.|citus' "$b"; then
        echo "ok $n - README example $n: $first # SKIP needs pg_cron's database or Citus"
        continue
    fi
    if out=$( { echo "SET timezone = 'UTC';"; cat "$b"; } | psql -qXAt -v ON_ERROR_STOP=1 -d crm_readme 2>&1 >/dev/null); then
        echo "ok $n - README example $n: $first"
    else
        echo "not ok $n - README example $n: $first"; echo "$out" | sed 's/^/#   /'; fails=$((fails + 1))
    fi
done
psql -qXAt -d postgres -c "DROP DATABASE IF EXISTS crm_readme" >/dev/null
exit $((fails > 0))
