#!/bin/bash
# make demo: generate a realistic data set and print an analyst's RFM report.
set -euo pipefail
cd "$(dirname "$0")"
export PGOPTIONS="-c client_min_messages=warning"
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "CREATE EXTENSION IF NOT EXISTS crm_ext"
start=$(date +%s.%N)
psql -qX -v ON_ERROR_STOP=1 -d postgres -v customers=20000 -v as_of='2025-01-01' -f generate.sql
gen=$(date +%s.%N)
psql -qX -v ON_ERROR_STOP=1 -d postgres -v as_of='2025-01-01' -f report.sql
psql -qX -v ON_ERROR_STOP=1 -d postgres -f ahp_anp.sql
psql -qX -v ON_ERROR_STOP=1 -d postgres -v as_of='2025-01-01' -f method.sql
psql -qX -v ON_ERROR_STOP=1 -d postgres -v as_of='2025-01-01' -f nightly.sql
end=$(date +%s.%N)
awk -v a="$start" -v b="$gen" -v c="$end" \
    'BEGIN { printf "\nData generated in %.1f s; scored and reported in %.1f s.\n", b - a, c - b }'
