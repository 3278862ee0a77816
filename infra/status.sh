#!/usr/bin/env bash
# Reports the local infrastructure: Kafka broker and PostgreSQL.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$HERE/kafka/kafka.sh" status; k=$?
if pg_isready -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}"; then echo "[postgres] answering on ${PGHOST:-127.0.0.1}:${PGPORT:-5432}"; p=0; else echo "[postgres] not answering"; p=1; fi
[ $k -eq 0 ] && [ $p -eq 0 ]
