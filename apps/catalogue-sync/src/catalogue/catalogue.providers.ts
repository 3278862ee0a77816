import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  BACKBONE_LOGGER,
  CLOCK,
  Lease,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
  serviceLease,
} from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import { CatalogueExceptions } from './catalogue-exceptions';
import { DEFAULT_CATALOGUE_OPTIONS, type CatalogueOptions } from './catalogue-options';
import { CataloguePublisher } from './catalogue-publisher.service';
import { FullSyncTracker } from './full-sync-tracker';
import { OfferFileSync } from './offer-file-sync';
import { OfferLane } from './offer-lane';
import { ProductLane } from './product-lane';

/** The lease of a marketplace's catalogue publishing: one replica publishes to a marketplace at a time. */
export const catalogueLeaseName = (marketplace: string) => `catalogue-sync:catalogue-publish:${marketplace}`;

export interface CataloguePublisherParts {
  config: CatalogueSyncConfig;
  dataSource: DataSource;
  outbox: OutboxWriter;
  clock: Clock;
  metrics: CatalogueSyncMetrics;
  logger: BackboneLogger;
  clients: MarketplaceClients;
  options?: Partial<CatalogueOptions>;
  leaseFor?: (marketplace: string) => Lease;
}

/** The publisher and its lanes, from the service's configuration (used by Nest and by the tests). */
export function createCataloguePublisher(p: CataloguePublisherParts): CataloguePublisher {
  const options = { ...DEFAULT_CATALOGUE_OPTIONS, ...p.options };
  const logger = p.logger.child({ component: 'catalogue-publish' });
  const deps = {
    dataSource: p.dataSource,
    clock: p.clock,
    exceptions: new CatalogueExceptions(p.outbox, p.config.SERVICE_NAME),
    metrics: p.metrics,
    logger,
    options,
  };
  const fullSyncs = new FullSyncTracker(p.clock, p.metrics, logger, options.logEveryBatches);
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

/** The full offer sync by file (OF01) for large catalogues (the `full-offer-sync` command, the benchmark). */
export function createOfferFileSync(p: Omit<CataloguePublisherParts, 'clients' | 'leaseFor'>): OfferFileSync {
  return new OfferFileSync({
    dataSource: p.dataSource,
    clock: p.clock,
    metrics: p.metrics,
    logger: p.logger.child({ component: 'offer-file-sync' }),
    exceptions: new CatalogueExceptions(p.outbox, p.config.SERVICE_NAME),
    options: { ...DEFAULT_CATALOGUE_OPTIONS, ...p.options },
    marketplaces: p.config.MARKETPLACES.map((m) => m.code),
    acceptedProductsOnly: p.config.CATALOGUE_PUSH_ENABLED,
  });
}

/** catalogue-sync's catalogue publishing (P41 products, OF24 offers), one loop per marketplace under a lease. */
export const CATALOGUE_PROVIDERS: Provider[] = [
  {
    provide: CataloguePublisher,
    inject: [
      CatalogueSyncConfig,
      DataSource,
      OutboxWriter,
      CLOCK,
      CatalogueSyncMetrics,
      BACKBONE_LOGGER,
      MARKETPLACE_CLIENTS,
    ],
    useFactory: (
      config: CatalogueSyncConfig,
      dataSource: DataSource,
      outbox: OutboxWriter,
      clock: Clock,
      metrics: CatalogueSyncMetrics,
      logger: BackboneLogger,
      clients: MarketplaceClients,
    ) =>
      createCataloguePublisher({
        config,
        dataSource,
        outbox,
        clock,
        metrics,
        logger,
        clients,
        leaseFor: (mp) => serviceLease(config, metrics, logger, catalogueLeaseName(mp)),
      }),
  },
];
