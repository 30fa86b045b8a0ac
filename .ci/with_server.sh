#!/bin/bash
# Build and install crm_ext, then run "$@" against a throwaway cluster of the
# PostgreSQL that $PG_CONFIG names (default: Debian's 15): Debian's packaged
# servers through pg_virtualenv, any other build (a source install, say) by
# initdb + pg_ctl in a temporary directory. PGHOST/PGPORT/PGUSER/PGDATABASE
# are set for it either way.
set -euo pipefail
# One build+install+server at a time on this machine: the install goes to the
# system's extension directory, so concurrent runs from several checkouts
# would test each other's builds.
if [ -z "${CRM_EXT_LOCKED:-}" ]; then
    export CRM_EXT_LOCKED=1
    exec flock /tmp/crm_ext.build.lock "$0" "$@"
fi
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_MAJOR=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
PG_BINDIR=$("$PG_CONFIG" --bindir)
export PG_MAJOR PG_BINDIR
make -s PG_CONFIG=$PG_CONFIG >/dev/null
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO make -s install PG_CONFIG=$PG_CONFIG >/dev/null
# pg_cron (when installed) runs jobs in background workers of the database
# postgres, so scheduled commands need no password.
cron=()
if [ -f "$("$PG_CONFIG" --sharedir)/extension/pg_cron.control" ]; then
    cron=(-o "shared_preload_libraries=pg_cron" -o "cron.database_name=postgres"
          -o "cron.use_background_workers=on")
fi
# Settings for a small machine; parallel-query tests force their own plans.
settings=(-o "max_worker_processes=16" -o "max_parallel_workers=4"
    -o "shared_buffers=256MB" -o "work_mem=64MB" -o "fsync=off"
    -o "synchronous_commit=off" -o "full_page_writes=off" -o "jit=off")
if [ "$PG_BINDIR" = "/usr/lib/postgresql/$PG_MAJOR/bin" ] && command -v pg_virtualenv >/dev/null; then
    exec pg_virtualenv -v "$PG_MAJOR" "${cron[@]}" "${settings[@]}" "$@"
fi
# Not a Debian package: a cluster of our own, run by the invoking user (or
# by "postgres" when that is root, as initdb refuses root).
dir=$(mktemp -d); run=(); [ "$(id -u)" = 0 ] && { chown postgres "$dir"; run=(runuser -u postgres --); }
port=$(( 20000 + RANDOM % 20000 ))
opts=""; for ((i = 1; i < ${#settings[@]}; i += 2)); do opts="$opts -c ${settings[i]}"; done
for ((i = 1; i < ${#cron[@]}; i += 2)); do opts="$opts -c ${cron[i]}"; done
"${run[@]}" "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
"${run[@]}" "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses='' $opts" start >/dev/null
trap '"${run[@]}" "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
export PATH="$PG_BINDIR:$PATH"
"$@"
