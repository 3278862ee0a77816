#!/usr/bin/env bash
# Creates one PostgreSQL database per service (idempotent). Each service owns its database; no service
# reads another's tables. Connection: PGHOST/PGPORT/PGUSER/PGPASSWORD (default 127.0.0.1:5432, postgres).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
say() { printf '[postgres] %s\n' "$*"; }
command -v psql >/dev/null 2>&1 || { echo "[postgres] ERROR: psql is not installed (apt-get install -y postgresql-client)." >&2; exit 1; }
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null && ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  echo "[postgres] ERROR: no PostgreSQL server answers on $PGHOST:$PGPORT. Start it (Debian: pg_ctlcluster 15 main start) or set PGHOST/PGPORT." >&2
  exit 1
fi
while read -r db; do
  [ -z "$db" ] || [[ "$db" == \#* ]] && continue
  if [ "$(psql -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'")" = "1" ]; then
    say "database $db exists"
  else
    psql -d postgres -qc "CREATE DATABASE \"$db\"" && say "database $db created"
  fi
done <"$HERE/databases.txt"
