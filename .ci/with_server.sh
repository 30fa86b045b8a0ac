#!/bin/bash
# Build and install crm_ext, then run "$@" against a throwaway PostgreSQL 15
# cluster made by pg_virtualenv (PGHOST/PGPORT/PGUSER/PGDATABASE are set for it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
make -s PG_CONFIG=$PG_CONFIG >/dev/null
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO make -s install PG_CONFIG=$PG_CONFIG >/dev/null
# Settings for a small machine; parallel-query tests force their own plans.
exec pg_virtualenv -v 15 \
    -o "max_worker_processes=8" -o "max_parallel_workers=4" \
    -o "shared_buffers=256MB" -o "work_mem=64MB" -o "fsync=off" \
    -o "synchronous_commit=off" -o "full_page_writes=off" -o "jit=off" \
    "$@"
