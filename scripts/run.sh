#!/usr/bin/env bash
# README command 1: installs what is needed, starts Kafka and the databases, builds, migrates, and runs the
# system with its activity in the terminal: the two sandboxes of the outside world and the services built so
# far (catalogue-sync, order-gateway). Ctrl-C stops them (Kafka keeps running: `pnpm infra:down` stops it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/ensure-postgres.sh
bash infra/up.sh
pnpm turbo run build --output-logs=errors-only

# Secrets of the local demo, generated once and kept in .local/ (git-ignored).
mkdir -p .local
for name in sandbox-admin-token backoffice-admin-token; do
  [ -s ".local/$name" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >".local/$name"
done

# The back-office sandbox (ERP / WMS / PIM: 300 products in two warehouses, sales orders, a warehouse that
# ships). Other sales channels sell from the same stock, so stale marketplace stock can oversell.
export BACKOFFICE_ADMIN_TOKEN="$(cat .local/backoffice-admin-token)"
export BACKOFFICE_PORT="${BACKOFFICE_PORT:-4200}"
export BACKOFFICE_API_KEY="${BACKOFFICE_API_KEY:-demo-backoffice-key}"
export BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE="${BACKOFFICE_OTHER_CHANNELS_UNITS_PER_MINUTE:-6}"

# The Mirakl sandbox (two demo marketplaces with Mirakl's call limits; buyers order against the offers
# catalogue-sync publishes). It reads the back office's stock to flag sales beyond real stock.
export SANDBOX_ADMIN_TOKEN="$(cat .local/sandbox-admin-token)"
export SANDBOX_PORT="${SANDBOX_PORT:-4100}"
export SANDBOX_DEMO_OFFERS="${SANDBOX_DEMO_OFFERS:-0}"
export SANDBOX_REAL_STOCK_URL="http://127.0.0.1:${BACKOFFICE_PORT}/api"
export SANDBOX_REAL_STOCK_API_KEY="$BACKOFFICE_API_KEY"

node apps/backoffice-sandbox/dist/main.js &
BACKOFFICE_PID=$!
node apps/mirakl-sandbox/dist/main.js &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" "$BACKOFFICE_PID" 2>/dev/null || true' EXIT INT TERM

# catalogue-sync: back-office stock and products in, reservations, products/offers/stock out to both
# marketplaces. The marketplaces' keys come from the variables named in MARKETPLACES (the sandbox's demo keys).
export MIRAKL_KEY_DECATHLON_FR="${MIRAKL_KEY_DECATHLON_FR:-sandbox-key-decathlon-fr}"
export MIRAKL_KEY_CARREFOUR_ES="${MIRAKL_KEY_CARREFOUR_ES:-sandbox-key-carrefour-es}"
MP="http://127.0.0.1:${SANDBOX_PORT}/mp"
CATEGORIES='"Sports > Running": "running", "Sports > Cycling": "cycling", "Outdoor": "hiking", "Fitness": "fitness"'
if [ -z "${MARKETPLACES:-}" ]; then
  MARKETPLACES=$(cat <<JSON
[
  {"code": "decathlon-fr", "baseUrl": "$MP/decathlon-fr", "apiKeyEnv": "MIRAKL_KEY_DECATHLON_FR", "shopId": "2001",
   "safetyBuffer": 1, "categoryMap": {$CATEGORIES, "Clothing": "hiking"}},
  {"code": "carrefour-es", "baseUrl": "$MP/carrefour-es", "apiKeyEnv": "MIRAKL_KEY_CARREFOUR_ES", "shopId": "3107",
   "safetyBuffer": 2, "warehouses": ["MADRID-2"], "categoryMap": {$CATEGORIES}}
]
JSON
  )
fi
export MARKETPLACES
export DATABASE_URL="${CATALOGUE_SYNC_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/catalogue_sync}"
# The sandboxes start empty every time, so the demo's catalogue-sync starts empty too (its imports, cursor and
# reservations would otherwise point at a world that no longer exists). Set CATALOGUE_SYNC_KEEP_DB=1 to keep it.
if [ -z "${CATALOGUE_SYNC_DATABASE_URL:-}" ] && [ "${CATALOGUE_SYNC_KEEP_DB:-0}" != "1" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS catalogue_sync WITH (FORCE)' \
    -c 'CREATE DATABASE catalogue_sync'
fi
export BACKOFFICE_URL="http://127.0.0.1:${BACKOFFICE_PORT}/api"
pnpm --filter @seller-bridge/catalogue-sync migrate

# order-gateway: polls both marketplaces' orders (OR11, once a minute: Mirakl's limit), has catalogue-sync
# reserve (and hold in the back office) each order's lines, accepts or refuses them (OR21), and releases
# SHIPPING orders to fulfilment. Its own database, emptied like catalogue-sync's for the same reason.
OG_DATABASE_URL="${ORDER_GATEWAY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/order_gateway}"
if [ -z "${ORDER_GATEWAY_DATABASE_URL:-}" ] && [ "${CATALOGUE_SYNC_KEEP_DB:-0}" != "1" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS order_gateway WITH (FORCE)' \
    -c 'CREATE DATABASE order_gateway'
fi
OG_MARKETPLACES=$(cat <<JSON
[
  {"code": "decathlon-fr", "baseUrl": "$MP/decathlon-fr", "apiKeyEnv": "MIRAKL_KEY_DECATHLON_FR", "shopId": "2001",
   "partialAcceptance": true, "acceptanceWindowMs": 86400000},
  {"code": "carrefour-es", "baseUrl": "$MP/carrefour-es", "apiKeyEnv": "MIRAKL_KEY_CARREFOUR_ES", "shopId": "3107",
   "partialAcceptance": false, "acceptanceWindowMs": 172800000}
]
JSON
)
DATABASE_URL="$OG_DATABASE_URL" MARKETPLACES="$OG_MARKETPLACES" pnpm --filter @seller-bridge/order-gateway migrate
DATABASE_URL="$OG_DATABASE_URL" MARKETPLACES="$OG_MARKETPLACES" node apps/order-gateway/dist/main.js &
GATEWAY_PID=$!
trap 'kill "$GATEWAY_PID" "$SANDBOX_PID" "$BACKOFFICE_PID" 2>/dev/null || true' EXIT INT TERM

echo
echo "Back-office sandbox: http://127.0.0.1:${BACKOFFICE_PORT}/api (X-Api-Key: $BACKOFFICE_API_KEY; admin token in"
echo "  .local/backoffice-admin-token; truth: GET /admin/truth)."
echo "Mirakl sandbox: http://127.0.0.1:${SANDBOX_PORT}/mp/decathlon-fr and /mp/carrefour-es (admin token in"
echo "  .local/sandbox-admin-token; offers: GET /admin/marketplaces/<mp>/offers, sales: …/sales)."
echo "catalogue-sync is starting: it loads the back office, publishes products (P41), offers (OF24) and stock"
echo "(STO01) within Mirakl's call limits (a minute or two before offers appear), then keeps stock in step."
echo "Metrics: http://127.0.0.1:3110/metrics, readiness: http://127.0.0.1:3110/health/ready."
echo "Carrefour's category map leaves 'Clothing' unmapped on purpose: watch the UNMAPPED_CATEGORY exceptions."
echo "order-gateway polls orders once a minute, has them reserved and accepts them (OR21); metrics:"
echo "  http://127.0.0.1:3120/metrics. Accepted orders wait in SHIPPING for fulfilment-bridge (not built yet)."
echo
node apps/catalogue-sync/dist/main.js
