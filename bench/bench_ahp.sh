#!/bin/bash
# AHP/ANP benchmark: crm_ext from SQL next to numpy (Debian python3-numpy,
# which links the reference BLAS on this machine) on the same matrices in the
# same run, alternating, 5 rounds; medians and ratios (>1 = crm_ext faster).
#   AHP:   9x9 judgment matrix, ahp_priorities + ahp_consistency per call,
#          N calls in one SQL statement vs numpy.linalg.eig in a Python loop.
#   ANP:   limit supermatrix of random positive column-stochastic matrices of
#          20, 100, 300 nodes; SQL time includes passing the array in and out.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
psql -qX -c "CREATE EXTENSION IF NOT EXISTS crm_ext" >/dev/null
psql -qX -c "SET jit = off" >/dev/null

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# one random 9x9 reciprocal matrix (Saaty scale, fixed seed)
$PY - "$tmp" <<'PYEOF'
import sys, numpy as np
rng = np.random.default_rng(7)
scale = [1/9,1/7,1/5,1/3,1,3,5,7,9]
def lit(m): return "{" + ",".join("{" + ",".join(repr(float(x)) for x in r) + "}" for r in m) + "}"
a = np.ones((9, 9))
for i in range(9):
    for j in range(i + 1, 9):
        a[i, j] = scale[rng.integers(9)]; a[j, i] = 1 / a[i, j]
open(sys.argv[1] + "/ahp9.txt", "w").write(lit(a))
for n in (20, 100, 300):
    w = rng.random((n, n)) + 0.01
    w /= w.sum(axis=0)
    open(f"{sys.argv[1]}/w{n}.txt", "w").write(lit(w))
PYEOF

sql_time() {  # $1 = SQL to time (run once for warm-up); prints seconds
    local f="$tmp/q.sql"
    { echo "SET jit = off; SET max_parallel_workers_per_gather = 0; SET work_mem = '64MB';"; echo "$1"; echo '\timing on'; echo "$1"; } > "$f"
    psql -qX -f "$f" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1 | awk '{print $1/1000}'
}

echo "AHP 9x9 (eigenvector + consistency per call)"
A=$(cat "$tmp/ahp9.txt")
N=20000
for r in 1 2 3 4 5; do
    s=$(sql_time "SELECT sum((ahp_priorities(m))[1] + (ahp_consistency(m)).cr) FROM (SELECT '$A'::float8[] || ARRAY[]::float8[] AS m FROM generate_series(1, $N)) t;")
    echo "$s" >> "$tmp/ahp_sql"
    $PY bench/ahp_numpy.py ahp "$tmp/ahp9.txt" $N >> "$tmp/ahp_np"
done
sq=$(median < "$tmp/ahp_sql"); np_=$(median < "$tmp/ahp_np")
awk -v s="$sq" -v n="$N" -v p="$np_" 'BEGIN { printf "  crm_ext: %.0f calls/s   numpy: %.0f calls/s   ratio %.2fx\n", n/s, 1/p, (n/s)/(1/p) }'

echo "ANP limit supermatrix (repeated squaring, tolerance 1e-12)"
for n in 20 100 300; do
    reps=$(( n == 20 ? 2000 : (n == 100 ? 100 : 10) ))
    rm -f "$tmp/l_sql" "$tmp/l_np"
    { echo "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_w;"
      echo "CREATE TABLE bench_w AS SELECT '$(cat "$tmp/w$n.txt")'::float8[] AS w;"; } > "$tmp/load.sql"
    psql -qX -f "$tmp/load.sql" >/dev/null
    for r in 1 2 3 4 5; do
        s=$(sql_time "SELECT sum((anp_limit_supermatrix(w))[1][1]) FROM bench_w, generate_series(1, $reps);")
        awk -v s="$s" -v k="$reps" 'BEGIN { print s / k }' >> "$tmp/l_sql"
        $PY bench/ahp_numpy.py limit "$tmp/w$n.txt" "$reps" >> "$tmp/l_np"
    done
    sq=$(median < "$tmp/l_sql"); np_=$(median < "$tmp/l_np")
    awk -v n="$n" -v s="$sq" -v p="$np_" 'BEGIN { printf "  n = %3d: crm_ext %.3f ms   numpy %.3f ms   ratio %.2fx\n", n, s*1000, p*1000, p/s }'
done
psql -qX -c "DROP TABLE IF EXISTS bench_w" >/dev/null
