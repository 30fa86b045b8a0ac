#!/bin/bash
# TAP: the order-independent Lloyd state of kmeans_step (src/core/kmeans_step.c)
# built and run without PostgreSQL: shuffled and regrouped partial states are
# bit-identical, sums are exact, the vectorized nearest-centroid search gives
# the scalar loop's bits, empty clusters are relocated.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..1"
if gcc -O2 -Isrc test/t/kmeans_step_check.c src/core/kmeans_step.c src/core/kmeans.c -lm -o "$tmp/ks" 2>"$tmp/err" && "$tmp/ks" >"$tmp/out"; then
    echo "ok 1 - kmeans_step core: $(cat "$tmp/out")"
else
    echo "not ok 1 - kmeans_step core"; sed 's/^/# /' "$tmp/err" "$tmp/out"; exit 1
fi
