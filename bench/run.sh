#!/bin/bash
# make bench: runs every bench/bench_*.sh in name order against the
# throwaway server (see .ci/with_server.sh).  Each prints its own ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/bench_*.sh; do
    echo "== $b"
    bash "$b"
done
