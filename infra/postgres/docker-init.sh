#!/usr/bin/env bash
# Docker only (docker-compose.yml mounts it into /docker-entrypoint-initdb.d/): creates one database per line
# of the mounted databases.txt when the postgres container initialises an empty data volume. Without Docker,
# infra/postgres/create-databases.sh does the same against the local server.
#
# The image's entrypoint runs this once, on first start. A database added to databases.txt later is created
# by running it again (it is idempotent):
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-seller-bridge-databases.sh
#
# No `set -u` and no `exit`: the entrypoint sources *.sh files that are not executable, and either would
# leak into its own shell.
set -eo pipefail

create_seller_bridge_databases() {
  local list="${SELLER_BRIDGE_DATABASES_FILE:-/seller-bridge/databases.txt}"
  local user="${POSTGRES_USER:-postgres}"
  local db exists
  if [ ! -r "$list" ]; then
    echo "[postgres-init] ERROR: $list is not mounted; see the postgres service in docker-compose.yml." >&2
    return 1
  fi
  while IFS= read -r db || [ -n "$db" ]; do
    db="${db%%#*}"
    db="$(printf '%s' "$db" | tr -d '[:space:]')"
    [ -n "$db" ] || continue
    # Names go into SQL unquoted-safe only if they are plain identifiers; refuse anything else loudly.
    if ! [[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]]; then
      echo "[postgres-init] ERROR: \"$db\" in databases.txt is not a lower-case identifier." >&2
      return 1
    fi
    exists="$(psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'")"
    if [ "$exists" = "1" ]; then
      echo "[postgres-init] database $db exists"
    else
      psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -qc "CREATE DATABASE \"$db\""
      echo "[postgres-init] database $db created"
    fi
  done <"$list"
}

create_seller_bridge_databases
