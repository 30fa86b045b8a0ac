#!/bin/bash
# TAP: the header-free numeric core builds and runs without PostgreSQL, and
# both matrix-multiplication kernels (run-time dispatched SIMD and the
# portable baseline) match a naive triple loop for n = 1..41.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..2"
n=0; fails=0
for variant in "" "-DCRM_LINALG_BASELINE_ONLY"; do
    n=$((n + 1))
    name="linalg_matmul ${variant:-dispatched} kernel"
    if gcc -O2 $variant -Isrc test/t/linalg_check.c src/core/linalg.c -lm -o "$tmp/lc" 2>"$tmp/err" && "$tmp/lc" >"$tmp/out"; then
        echo "ok $n - $name: $(cat "$tmp/out")"
    else
        echo "not ok $n - $name"; sed 's/^/# /' "$tmp/err" "$tmp/out"; fails=$((fails + 1))
    fi
done
exit $fails
