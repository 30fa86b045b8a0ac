#!/bin/bash
# make bench: cbr_classify on 1,000,000 customers against reading the same
# arrays and against a plain PL/pgSQL version of the same maths, and the
# kmeans aggregate on 1,000,000 x 9 (k = 8) against scikit-learn, in the same
# run.  Runs inside the throwaway server of .ci/with_server.sh (PG* set).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/bench_grey.py "$@"
