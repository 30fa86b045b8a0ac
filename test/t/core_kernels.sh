#!/bin/bash
# TAP: the header-free numeric core builds and runs without PostgreSQL, and
# both matrix-multiplication kernels (run-time dispatched SIMD and the
# portable baseline) match a naive triple loop for n = 1..41, and the radix
# sort behind rfm_breaks orders awkward doubles exactly as qsort does, and the
# compact RFM accumulator widens at its limits without losing anything.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..4"
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
n=$((n + 1))
if gcc -O2 -fno-strict-aliasing -Isrc test/t/sort_check.c src/core/sort_doubles.c -lm -o "$tmp/sc" 2>"$tmp/err" && "$tmp/sc" >"$tmp/out"; then
    echo "ok $n - sort_doubles: $(cat "$tmp/out")"
else
    echo "not ok $n - sort_doubles"; sed 's/^/# /' "$tmp/err" "$tmp/out"; fails=$((fails + 1))
fi
n=$((n + 1))
if gcc -O2 -Isrc test/t/rfm_compact_check.c src/core/rfm_accum.c -lm -o "$tmp/rc" 2>"$tmp/err" && "$tmp/rc" >"$tmp/out"; then
    echo "ok $n - rfm_compact: $(cat "$tmp/out")"
else
    echo "not ok $n - rfm_compact"; sed 's/^/# /' "$tmp/err" "$tmp/out"; fails=$((fails + 1))
fi
exit $fails
