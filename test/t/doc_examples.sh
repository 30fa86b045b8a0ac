#!/bin/bash
# TAP: every ```sql example of README.md and doc/*.md runs, in order, in one
# fresh database (later examples use tables made by earlier ones; the doc
# files run in the order of test/t/doc_order, then any others by name), and
# where an example is followed by a plain ``` block, that block must be
# exactly what psql prints for it (aligned, no row-count footer; trailing
# blanks ignored), so the docs cannot drift from what the functions return.
# Examples that need pg_cron's scheduler database or Citus are reported as
# skipped; test/t/cron.sh and test/t/citus.sh cover them.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/t/tap_lib.bash
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
db=crm_docs
files=(README.md)
while read -r f; do [ -n "$f" ] && [ -f "$f" ] && files+=("$f"); done < test/t/doc_order
for f in doc/*.md; do
    printf '%s\n' "${files[@]}" | grep -qxF "$f" || files+=("$f")
done
# split every file into numbered blocks: NNNN.sql and, when one follows, NNNN.out
k=0
for f in "${files[@]}"; do
    k=$(awk -v dir="$tmp" -v k="$k" -v file="$f" '
        /^```sql/ { f = 1; k++; sql = sprintf("%s/%05d.sql", dir, k); printf "%s\n", file > (sql ".file"); close(sql ".file"); printf "" > sql; pend = 0; next }
        /^```$/ && f { f = 0; pend = 1; next }
        /^```$/ && pend == 1 { o = 1; pend = 0; printf "" > sprintf("%s/%05d.out", dir, k); next }
        /^```$/ && o { o = 0; next }
        f { print > sql; next }
        o { print > sprintf("%s/%05d.out", dir, k); next }
        /^[[:space:]]*$/ { next }
        { pend = 0 }
        END { print k }' "$f")
done
shopt -s nullglob
blocks=("$tmp"/*.sql)
outs=("$tmp"/*.out)
echo "1..$(( ${#blocks[@]} + ${#outs[@]} ))"
if [ ${#blocks[@]} -lt 20 ]; then
    echo "# only ${#blocks[@]} sql examples found"; exit 1
fi
if ! psql -qXAt -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null ||
   ! psql -qXAt -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION crm_ext" >/dev/null; then
    echo "# could not create the database $db with crm_ext"; exit 1
fi
for b in "${blocks[@]}"; do
    file=$(cat "$b.file")
    first=$(grep -m1 -v '^\s*--' "$b" | cut -c1-60)
    out=${b%.sql}.out
    if grep -qE 'cron\.|citus|create_distributed_table' "$b"; then
        check "$file: $first # SKIP needs pg_cron's database or Citus" "" ""
        [ -f "$out" ] && check "$file: it shows what it returns # SKIP" "" ""
        continue
    fi
    if got=$( { echo "SET timezone = 'UTC';"; cat "$b"; } | psql -qX -P footer=off -v ON_ERROR_STOP=1 -d $db 2>&1 ); then
        check "$file: $first" "" ""
    else
        check "$file: $first" "runs" "$(echo "$got" | grep -m3 -E 'ERROR|DETAIL')"
    fi
    if [ -f "$out" ]; then
        norm() { sed 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
        exp=$(norm < "$out"); act=$(echo "$got" | grep -v '^SET$' | norm)
        if [ "$exp" = "$act" ]; then
            check "$file: it shows what it returns" "" ""
        else
            check "$file: it shows what it returns ($first)" "the shown block" "a different result"
            diff <(echo "$exp") <(echo "$act") | head -20 | sed 's/^/#   /'
        fi
    fi
done
psql -qXAt -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
exit $fails
