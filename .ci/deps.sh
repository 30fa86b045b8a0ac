#!/bin/bash
# Install what a fresh Debian 12 machine lacks: PostgreSQL 15 server and
# headers, pgTAP with pg_prove, numpy for the reference checks.
set -euo pipefail
need=()
command -v pg_config >/dev/null 2>&1 && [ -f "$(pg_config --includedir-server 2>/dev/null)/postgres.h" ] || need+=(postgresql-server-dev-15)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v pg_virtualenv >/dev/null 2>&1 || need+=(postgresql-common)
ls /usr/share/postgresql/15/extension/pgtap.control >/dev/null 2>&1 || need+=(postgresql-15-pgtap)
command -v pg_prove >/dev/null 2>&1 || need+=(libtap-parser-sourcehandler-pgtap-perl)
# the scheduled-refresh test runs a real pg_cron
ls /usr/share/postgresql/15/extension/pg_cron.control >/dev/null 2>&1 || need+=(postgresql-15-cron)
/usr/bin/python3 -c "import numpy" >/dev/null 2>&1 || need+=(python3-numpy)
# make bench compares k-means with scikit-learn
if [ "${1:-}" = bench ]; then /usr/bin/python3 -c "import sklearn" >/dev/null 2>&1 || need+=(python3-sklearn); fi
if [ ${#need[@]} -gt 0 ]; then
    echo "deps: installing ${need[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${need[@]}" postgresql-client-15 >/dev/null
fi
