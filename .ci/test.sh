#!/bin/bash
# make test: pg_regress (test/sql vs expected/) and every pgTAP suite
# (test/pgtap/*.sql via pg_prove) on a throwaway server; the last line is
# "N passed, N failed" counting regression tests and pgTAP assertions.
set -uo pipefail
cd "$(dirname "$0")/.."
export CRM_RESULT_FILE=$(mktemp)
bash .ci/with_server.sh bash .ci/suite.sh
rc=$?
summary=$(cat "$CRM_RESULT_FILE" 2>/dev/null)
rm -f "$CRM_RESULT_FILE"
if [ -z "$summary" ]; then
    echo "the test run died before counting (exit $rc)"
    summary="0 passed, 1 failed"
fi
echo "$summary"
case "$summary" in *" 0 failed"|*" 0 failed, "*) [ $rc -eq 0 ] ;; *) false ;; esac
