import 'reflect-metadata';
import { Registry } from 'prom-client';
import {
  createLogger,
  createServiceDataSource,
  loadConfig,
  OutboxWriter,
  SystemClock,
} from '@seller-bridge/service-kit';
import { createOfferFileSync } from './catalogue/catalogue.providers';
import { CatalogueSyncConfig, marketplaceApiKeys } from './config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from './database/data-source';
import { createMarketplaceClients } from './marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from './metrics/catalogue-sync.metrics';

/**
 * `pnpm full-offer-sync <marketplace>`: sends every offer of the marketplace in one OF01 file (streamed, in
 * bounded memory, with progress), waits for Mirakl to apply it, then records what was published and queues a
 * push for whatever moved meanwhile. The service's own configuration (MARKETPLACES, DATABASE_URL, keys).
 * Exit code 0 when Mirakl completed the import (refused lines, if any, are raised as exceptions), 1 otherwise.
 */
async function main(): Promise<void> {
  const marketplace = process.argv[2];
  const config = loadConfig(CatalogueSyncConfig);
  const settings = config.MARKETPLACES.find((m) => m.code === marketplace);
  if (!settings)
    throw new Error(
      `usage: full-offer-sync <marketplace> (one of ${config.MARKETPLACES.map((m) => m.code).join(', ')})`,
    );
  const dataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    entities: CATALOGUE_ENTITIES,
    migrations: CATALOGUE_MIGRATIONS,
    applicationName: 'catalogue-sync full-offer-sync',
  });
  await dataSource.initialize();
  try {
    const clock = new SystemClock();
    const metrics = new CatalogueSyncMetrics(new Registry(), clock);
    const logger = createLogger(config.SERVICE_NAME, config.LOG_LEVEL);
    const sync = createOfferFileSync({
      config,
      dataSource,
      outbox: new OutboxWriter(clock),
      clock,
      metrics,
      logger,
    });
    const client = createMarketplaceClients(config.MARKETPLACES, marketplaceApiKeys(config)).get(
      marketplace,
    )!;
    const sent = await sync.send(settings, client);
    if ('gated' in sent) throw new Error(`not sent: ${sent.gated}; try again in a minute`);
    const done = await sync.finish(sent, client, { pollMs: 15_000, timeoutMs: 60 * 60_000 });
    process.stdout.write(
      `${JSON.stringify({ marketplace, importId: done.importId, offers: done.offers, status: done.status, linesInError: done.linesInError, requeued: done.requeued })}\n`,
    );
    // Scripts and schedulers read the exit code: an import Mirakl did not complete is a failed sync.
    if (done.status !== 'COMPLETE') {
      process.stderr.write(
        `full offer sync of ${marketplace} not applied: import ${done.importId} ended ${done.status} (nothing written back; see the exceptions and Mirakl's import report)\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
