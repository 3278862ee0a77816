#!/usr/bin/env bash
# Starts the local infrastructure: a real Kafka broker and the service databases on the local PostgreSQL.
# Safe to run twice.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$HERE/kafka/kafka.sh" start
bash "$HERE/postgres/create-databases.sh"
