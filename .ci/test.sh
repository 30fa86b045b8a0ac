#!/bin/bash
# make test: pg_regress (test/sql vs expected/) and every pgTAP suite
# (test/pgtap/*.sql via pg_prove) on a throwaway server; ends with
# "N passed, N failed" counting regression tests and pgTAP assertions.
set -uo pipefail
cd "$(dirname "$0")/.."
exec bash .ci/with_server.sh bash .ci/suite.sh
