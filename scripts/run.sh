#!/usr/bin/env bash
# README command 1: installs what is needed, starts Kafka and the databases, builds, migrates, and runs the
# system in the foreground with its activity in the terminal. Ctrl-C stops the services (Kafka keeps
# running: `pnpm infra:down` stops it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/ensure-postgres.sh
bash infra/up.sh
pnpm turbo run build --output-logs=errors-only
export DATABASE_URL="${DEMO_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/backbone_demo}"
export DEMO_ORDERS_PER_SECOND="${DEMO_ORDERS_PER_SECOND:-5}"
pnpm --filter @seller-bridge/backbone-demo migrate
# The two sandboxes of the outside world, each with its admin API behind a token kept in .local/:
# the Mirakl sandbox (seller API of two demo marketplaces, buyers ordering against demo offers) and the
# back-office sandbox (ERP / WMS / PIM: products, stock, sales orders, a warehouse that ships).
mkdir -p .local
for name in sandbox-admin-token backoffice-admin-token; do
  [ -s ".local/$name" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >".local/$name"
done
export SANDBOX_ADMIN_TOKEN="$(cat .local/sandbox-admin-token)"
export SANDBOX_PORT="${SANDBOX_PORT:-4100}"
export BACKOFFICE_ADMIN_TOKEN="$(cat .local/backoffice-admin-token)"
export BACKOFFICE_PORT="${BACKOFFICE_PORT:-4200}"
# Other sales channels (web shop, stores) sell from the same stock, so stale marketplace stock can oversell.
export BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE="${BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE:-6}"
# The Mirakl sandbox reads the back office's stock to flag sales beyond real stock (admin …/sales).
export SANDBOX_REAL_STOCK_URL="http://127.0.0.1:${BACKOFFICE_PORT}/api"
export SANDBOX_REAL_STOCK_API_KEY="${BACKOFFICE_API_KEY:-demo-backoffice-key}"
node apps/mirakl-sandbox/dist/main.js &
SANDBOX_PID=$!
node apps/backoffice-sandbox/dist/main.js &
BACKOFFICE_PID=$!
trap 'kill "$SANDBOX_PID" "$BACKOFFICE_PID" 2>/dev/null || true' EXIT INT TERM
echo
echo "Mirakl sandbox: http://127.0.0.1:${SANDBOX_PORT}/mp/<marketplace> (admin token in .local/sandbox-admin-token)."
echo "Back-office sandbox: http://127.0.0.1:${BACKOFFICE_PORT}/api (X-Api-Key: demo-backoffice-key unless"
echo "BACKOFFICE_API_KEY is set; admin token in .local/backoffice-admin-token)."
echo "The backbone demo is starting: simulated marketplace orders go out through the outbox, over Kafka, and back"
echo "through the inbox. Watch the 'activity' lines; metrics: http://127.0.0.1:3100/metrics,"
echo "health: http://127.0.0.1:3100/health/ready. Later services join this command as they are built."
echo
node apps/backbone-demo/dist/main.js
