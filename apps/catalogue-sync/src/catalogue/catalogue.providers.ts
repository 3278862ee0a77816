import { hostname } from 'node:os';
import type { Provider } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { MiraklClient } from '@seller-bridge/mirakl-client';
import {
  BACKBONE_LOGGER,
  BackboneMetrics,
  CLOCK,
  Lease,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
} from '@seller-bridge/service-kit';
import { CatalogueSyncConfig, type MarketplaceSettings } from '../config/catalogue-sync.config';
import { CatalogueExceptions } from './catalogue-exceptions';
import { CatalogueMetrics } from './catalogue-metrics';
import { DEFAULT_CATALOGUE_OPTIONS, type CatalogueOptions } from './catalogue-options';
import { CataloguePublisher } from './catalogue-publisher.service';
import { FullSyncTracker } from './full-sync-tracker';
import { OfferLane } from './offer-lane';
import { ProductLane } from './product-lane';

/** The lease of a marketplace's catalogue publishing: one replica publishes to a marketplace at a time. */
export const catalogueLeaseName = (marketplace: string) => `catalogue-sync:catalogue-publish:${marketplace}`;

export interface CataloguePublisherParts {
  config: CatalogueSyncConfig;
  dataSource: DataSource;
  outbox: OutboxWriter;
  clock: Clock;
  registry: Registry;
  logger: BackboneLogger;
  clients: (marketplace: string) => MiraklClient;
  options?: Partial<CatalogueOptions>;
  leaseFor?: (marketplace: string) => Lease;
}

/** The publisher and its lanes, from the service's configuration (used by Nest and by the tests). */
export function createCataloguePublisher(p: CataloguePublisherParts): CataloguePublisher {
  const options = { ...DEFAULT_CATALOGUE_OPTIONS, ...p.options };
  const logger = p.logger.child({ component: 'catalogue-publish' });
  const metrics = new CatalogueMetrics(p.registry);
  const deps = {
    dataSource: p.dataSource,
    clock: p.clock,
    exceptions: new CatalogueExceptions(p.outbox, p.config.SERVICE_NAME),
    metrics,
    logger,
    options,
  };
  const fullSyncs = new FullSyncTracker(p.clock, metrics, logger, options.logEveryBatches);
  return new CataloguePublisher({
    dataSource: p.dataSource,
    marketplaces: p.config.MARKETPLACES,
    clients: p.clients,
    products: new ProductLane(deps, fullSyncs),
    offers: new OfferLane(deps),
    fullSyncs,
    logger,
    options,
    enabled: p.config.CATALOGUE_PUSH_ENABLED,
    leaseFor: p.leaseFor,
  });
}

/**
 * One Mirakl client per marketplace, made on first use. The shop key is read from the environment variable
 * the configuration names (a Kubernetes secret), here at the edge; a missing one fails that marketplace's
 * step with the variable's name, not the service's start.
 */
export function miraklClientsFrom(
  marketplaces: MarketplaceSettings[],
  env: Record<string, string | undefined> = process.env,
): (marketplace: string) => MiraklClient {
  const clients = new Map<string, MiraklClient>();
  return (code) => {
    let client = clients.get(code);
    if (client) return client;
    const mp = marketplaces.find((m) => m.code === code);
    if (!mp) throw new RangeError(`unknown marketplace ${code}`);
    const apiKey = env[mp.apiKeyEnv];
    if (!apiKey) throw new RangeError(`${mp.apiKeyEnv} (the Mirakl key of ${code}) is not set`);
    client = new MiraklClient(
      { marketplace: code, baseUrl: mp.baseUrl, apiKey, shopId: mp.shopId },
      { unlimited: mp.unlimitedCalls },
    );
    clients.set(code, client);
    return client;
  };
}

/** catalogue-sync's catalogue publishing (P41 products, OF24 offers), one loop per marketplace under a lease. */
export const CATALOGUE_PROVIDERS: Provider[] = [
  {
    provide: CataloguePublisher,
    inject: [CatalogueSyncConfig, DataSource, OutboxWriter, CLOCK, BackboneMetrics, BACKBONE_LOGGER],
    useFactory: (
      config: CatalogueSyncConfig,
      dataSource: DataSource,
      outbox: OutboxWriter,
      clock: Clock,
      metrics: BackboneMetrics,
      logger: BackboneLogger,
    ) =>
      createCataloguePublisher({
        config,
        dataSource,
        outbox,
        clock,
        registry: metrics.registry,
        logger,
        clients: miraklClientsFrom(config.MARKETPLACES),
        leaseFor: (mp) =>
          new Lease({
            databaseUrl: config.DATABASE_URL,
            name: catalogueLeaseName(mp),
            holderId: `${hostname()}:${process.pid}`,
            logger,
          }),
      }),
  },
];
