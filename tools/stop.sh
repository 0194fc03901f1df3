#!/usr/bin/env bash
# Stop the private PostgreSQL cluster that setup starts when no server answers.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$ROOT/.pgdata/postmaster.pid" ]; then
    BIN=$(pg_config --bindir 2>/dev/null || true)
    for d in "$BIN" /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { PGBIN=$d; break; }; done
    "$PGBIN/pg_ctl" -D "$ROOT/.pgdata" -m fast stop
else
    echo "[stop] no private PostgreSQL is running (a shared server is left alone)"
fi
