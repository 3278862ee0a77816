#!/usr/bin/env bash
# Stops the local Kafka broker (PostgreSQL is the machine's own server and keeps running).
set -euo pipefail
bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka/kafka.sh" stop
