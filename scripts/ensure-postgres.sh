#!/usr/bin/env bash
# Makes sure the local PostgreSQL answers; starts the machine's own cluster if it is installed but stopped.
set -euo pipefail
HOST="${PGHOST:-127.0.0.1}"; PORT="${PGPORT:-5432}"
pg_isready -q -h "$HOST" -p "$PORT" && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "[postgres] not answering on $HOST:$PORT; starting the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  for _ in $(seq 1 50); do pg_isready -q -h "$HOST" -p "$PORT" && exit 0; sleep 0.2; done
fi
echo "[postgres] ERROR: no PostgreSQL server answers on $HOST:$PORT. Install and start PostgreSQL 15+ (Debian: apt-get install postgresql), or set PGHOST/PGPORT." >&2
exit 1
