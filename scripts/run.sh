#!/usr/bin/env bash
# README command 1: installs what is needed, starts Kafka and the databases, builds, migrates, and runs the
# system with its activity in the terminal: the two sandboxes of the outside world and the services built so
# far (catalogue-sync, order-gateway, fulfilment-bridge). Ctrl-C stops them (Kafka keeps running: `pnpm infra:down` stops it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/ensure-postgres.sh
bash infra/up.sh
pnpm turbo run build --output-logs=errors-only

# Secrets of the local demo, generated once and kept in .local/ (git-ignored).
mkdir -p .local
for name in sandbox-admin-token backoffice-admin-token fulfilment-admin-token; do
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
# Fresh databases, so the services' consumer groups start at the topics' end too (the broker keeps what earlier
# runs and tests left there).
if [ "${CATALOGUE_SYNC_KEEP_DB:-0}" != "1" ]; then
  node scripts/reset-consumer-groups.cjs catalogue-sync order-gateway fulfilment-bridge
fi

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

# fulfilment-bridge: released (SHIPPING) orders into the back office as sales orders, once; the warehouse's
# parcels back to the marketplace (carrier mapped to the marketplace's code, OR23 tracking, OR24 ship).
FB_DATABASE_URL="${FULFILMENT_BRIDGE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fulfilment_bridge}"
if [ -z "${FULFILMENT_BRIDGE_DATABASE_URL:-}" ] && [ "${CATALOGUE_SYNC_KEEP_DB:-0}" != "1" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS fulfilment_bridge WITH (FORCE)' \
    -c 'CREATE DATABASE fulfilment_bridge'
fi
FB_ADMIN_TOKEN="$(cat .local/fulfilment-admin-token)"
FB_MARKETPLACES=$(cat <<JSON
[
  {"code": "decathlon-fr", "baseUrl": "$MP/decathlon-fr", "apiKeyEnv": "MIRAKL_KEY_DECATHLON_FR", "shopId": "2001"},
  {"code": "carrefour-es", "baseUrl": "$MP/carrefour-es", "apiKeyEnv": "MIRAKL_KEY_CARREFOUR_ES", "shopId": "3107",
   "multiShipment": true}
]
JSON
)
FB_ENV=(DATABASE_URL="$FB_DATABASE_URL" MARKETPLACES="$FB_MARKETPLACES" ADMIN_TOKEN="$FB_ADMIN_TOKEN"
  BACKOFFICE_URL="http://127.0.0.1:${BACKOFFICE_PORT}/api" BACKOFFICE_API_KEY="$BACKOFFICE_API_KEY")
env "${FB_ENV[@]}" pnpm --filter @seller-bridge/fulfilment-bridge migrate
env "${FB_ENV[@]}" node apps/fulfilment-bridge/dist/main.js &
BRIDGE_PID=$!
trap 'kill "$BRIDGE_PID" "$GATEWAY_PID" "$SANDBOX_PID" "$BACKOFFICE_PID" 2>/dev/null || true' EXIT INT TERM
# The demo's carrier mapping: the warehouse's carrier names → each marketplace's codes (SH21). The warehouses book
# by ship-to country: Lyon → France Colissimo Expert / Chronopost 13 / DPD Next Day, Madrid → Spain SEUR 24 / GLS
# Business Parcel, across the border DPD Classic (DPD France in France, SEUR in Spain). Chronopost 13 and GLS
# Business Parcel stay unmapped on purpose: their parcels are held with an UNMAPPED_CARRIER exception, and leave by
# themselves once mapped (PUT /carrier-mappings/<mp>/<carrier>, see the fulfilment-bridge runbook).
# carrefour-es lists SEUR only; its buyers live mostly in Spain and its lines are held in Madrid (its only
# warehouse), so its parcels leave with SEUR 24, or DPD Classic for the one buyer in five abroad. carrefour-es
# allows several shipments per order: each parcel goes out as its own shipment (ST01), see decision 0011.
for _ in $(seq 1 60); do curl -fs http://127.0.0.1:3130/health/ready >/dev/null 2>&1 && break; sleep 1; done
carrier_map() {
  curl -fs -X POST "http://127.0.0.1:3130/carrier-mappings/$1/import" -H "authorization: Bearer $FB_ADMIN_TOKEN" \
    -H 'content-type: text/csv' --data-binary "$2" >/dev/null && echo "carrier mapping for $1 loaded" \
    || echo "WARNING: could not load the carrier mapping of $1 (see the fulfilment-bridge log)"
}
carrier_map decathlon-fr $'warehouse_carrier,carrier_code\nColissimo Expert,COLISSIMO\nDPD Next Day,DPD\nDPD Classic,DPD\nSEUR 24,DPD\n'
carrier_map carrefour-es $'warehouse_carrier,carrier_code\nSEUR 24,SEUR\nDPD Classic,SEUR\n'

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
echo "  http://127.0.0.1:3120/metrics. fulfilment-bridge posts SHIPPING orders to the back office, and the"
echo "  warehouse's parcels back to the marketplace (OR23/OR24); metrics http://127.0.0.1:3130/metrics; admin API"
echo "  (carrier mappings, held parcels) with the bearer token in .local/fulfilment-admin-token."
echo
node apps/catalogue-sync/dist/main.js
