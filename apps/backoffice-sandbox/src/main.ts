import { loadConfig, type BackofficeConfig } from './config/backoffice-config';
import { BackofficeSandbox } from './http/backoffice-sandbox';

const line = (fields: Record<string, unknown>) =>
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), service: 'backoffice-sandbox', ...fields })}\n`,
  );

/** Runs the back-office sandbox with the demo catalogue (see README: base URL, API key, admin token). */
async function main(): Promise<void> {
  let config: BackofficeConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const sandbox = new BackofficeSandbox({
    apiKey: config.apiKey,
    adminToken: config.adminToken,
    ...(config.pickDelayMs === undefined ? {} : { warehouse: { pickDelayMs: config.pickDelayMs } }),
    log: (fields) => {
      if (fields.level !== 'debug') line(fields);
    },
  });
  const base = await sandbox.listen(config.port, '127.0.0.1');
  const bo = sandbox.backOffice;
  if (config.otherChannelsUnitsPerMinute > 0)
    bo.otherChannels.start(config.otherChannelsUnitsPerMinute, bo.clock.now());
  line({
    level: 'info',
    msg: 'back office ready',
    baseUrl: `${base}/api`,
    apiKey: config.defaultApiKey ? 'demo key (see README)' : 'from BACKOFFICE_API_KEY',
    products: bo.catalogue.size,
    warehouses: bo.warehouseSites.map((w) => w.code),
    pickDelayMs: bo.warehouse.settings.pickDelayMs,
  });
  let reported = 0;
  const activity = setInterval(() => {
    const shipments = bo.warehouse.shipments.slice(reported);
    reported += shipments.length;
    for (const s of shipments)
      line({
        level: 'info',
        msg: 'shipment',
        salesOrder: s.sales_order_number,
        externalReference: `${s.external_reference.marketplace}:${s.external_reference.order_id}`,
        warehouse: s.warehouse,
        carrier: s.carrier,
        tracking: s.tracking_number,
      });
  }, 1000);
  activity.unref();
  const stop = (signal: string) => {
    line({ level: 'info', msg: 'stopping', signal });
    clearInterval(activity);
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`back office failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
