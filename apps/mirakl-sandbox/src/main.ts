import { demoMarketplaces } from './marketplace';
import { MiraklSandbox } from './http/sandbox-server';
import { seedDemo } from './demo-seed';
import { MIRAKL_CALL_LIMITS } from './http/mirakl-call-limits';
import { BackofficeStockSource } from './buyers/backoffice-stock-source';

const log = (fields: Record<string, unknown>) =>
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), service: 'mirakl-sandbox', ...fields })}\n`,
  );

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} must be a number >= 0 (got '${raw}')\n`);
    process.exit(1);
  }
  return value;
}

/**
 * Runs the Mirakl sandbox with the demo marketplaces (see README: base URL per marketplace, admin token).
 * `SANDBOX_DEMO_OFFERS` products and offers are seeded per marketplace and buyers order against them at
 * `SANDBOX_BUYERS_PER_MINUTE`; activity is logged every `SANDBOX_ACTIVITY_SECONDS`. Mirakl's call limits
 * apply (`SANDBOX_CALL_LIMITS=off` lifts them); `SANDBOX_REAL_STOCK_URL` (+ `_API_KEY`) points at the back
 * office, whose stock tells which sales went beyond real stock (admin `…/sales`).
 */
async function main(): Promise<void> {
  const port = numberEnv('SANDBOX_PORT', 4100);
  const adminToken = process.env.SANDBOX_ADMIN_TOKEN;
  if (!adminToken) {
    process.stderr.write(
      'SANDBOX_ADMIN_TOKEN is required (the admin API moves the clock and injects faults)\n',
    );
    process.exit(1);
  }
  const marketplaces = demoMarketplaces();
  const limits = process.env.SANDBOX_CALL_LIMITS ?? 'mirakl';
  if (limits !== 'mirakl' && limits !== 'off') {
    process.stderr.write(`SANDBOX_CALL_LIMITS must be 'mirakl' or 'off' (got '${limits}')\n`);
    process.exit(1);
  }
  // Where the real stock is known: the back office, read every few seconds (sales beyond it are flagged).
  const stockUrl = process.env.SANDBOX_REAL_STOCK_URL;
  const realStock = stockUrl
    ? new BackofficeStockSource(stockUrl, process.env.SANDBOX_REAL_STOCK_API_KEY ?? '', (fields) =>
        log({ level: 'warn', ...fields }),
      )
    : undefined;
  realStock?.start(numberEnv('SANDBOX_REAL_STOCK_REFRESH_MS', 5_000));
  const sandbox = new MiraklSandbox({
    marketplaces,
    adminToken,
    callLimits: limits === 'mirakl' ? MIRAKL_CALL_LIMITS : undefined,
    realStock: realStock ? (sku) => realStock.available(sku) : undefined,
  });
  const base = await sandbox.listen(port, '127.0.0.1');
  seedDemo(
    sandbox,
    marketplaces.map((m) => m.code),
    numberEnv('SANDBOX_DEMO_OFFERS', 60),
    numberEnv('SANDBOX_BUYERS_PER_MINUTE', 4),
  );
  for (const mp of marketplaces) {
    log({
      level: 'info',
      msg: 'marketplace ready',
      marketplace: mp.code,
      baseUrl: `${base}/mp/${mp.code}`,
      shopId: mp.shopId,
    });
  }
  const every = numberEnv('SANDBOX_ACTIVITY_SECONDS', 10) * 1000;
  if (every > 0) {
    setInterval(() => {
      for (const mp of marketplaces) {
        const orders = sandbox.orders.list(mp.code);
        const byState: Record<string, number> = {};
        for (const o of orders)
          byState[o.order_state as string] = (byState[o.order_state as string] ?? 0) + 1;
        const offers = sandbox.offers.list(mp.code);
        log({
          level: 'info',
          msg: 'activity',
          marketplace: mp.code,
          orders: orders.length,
          byState,
          offersInStock: offers.filter((o) => o.quantity > 0).length,
          offers: offers.length,
          imports: sandbox.imports.all(mp.code).length,
        });
      }
    }, every).unref();
  }
  const stop = () => {
    realStock?.stop();
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
