#!/bin/bash
# Build and install crm_ext, then run "$@" against a throwaway PostgreSQL 15
# cluster made by pg_virtualenv (PGHOST/PGPORT/PGUSER/PGDATABASE are set for it).
set -euo pipefail
# One build+install+server at a time on this machine: the install goes to the
# system's extension directory, so concurrent runs from several checkouts
# would test each other's builds.
if [ -z "${CRM_EXT_LOCKED:-}" ]; then
    export CRM_EXT_LOCKED=1
    exec flock /tmp/crm_ext.build.lock "$0" "$@"
fi
cd "$(dirname "$0")/.."
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
make -s PG_CONFIG=$PG_CONFIG >/dev/null
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO make -s install PG_CONFIG=$PG_CONFIG >/dev/null
# pg_cron (when installed) runs jobs in background workers of the database
# postgres, so scheduled commands need no password.
cron=()
if [ -f /usr/share/postgresql/15/extension/pg_cron.control ]; then
    cron=(-o "shared_preload_libraries=pg_cron" -o "cron.database_name=postgres"
          -o "cron.use_background_workers=on")
fi
# Settings for a small machine; parallel-query tests force their own plans.
exec pg_virtualenv -v 15 "${cron[@]}" \
    -o "max_worker_processes=16" -o "max_parallel_workers=4" \
    -o "shared_buffers=256MB" -o "work_mem=64MB" -o "fsync=off" \
    -o "synchronous_commit=off" -o "full_page_writes=off" -o "jit=off" \
    "$@"
