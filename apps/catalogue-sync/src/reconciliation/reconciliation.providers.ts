import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  BACKBONE_LOGGER,
  CLOCK,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
  serviceLease,
} from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import { reconcileLeaseName, Reconciler } from './reconciler.service';
import { ReconciliationStore } from './reconciliation.store';

/**
 * catalogue-sync's reconciliation: one loop per marketplace under a lease (one replica reads each
 * marketplace's offers), on the shared Mirakl clients so its OF21 calls share the marketplace's limiter.
 */
export const RECONCILIATION_PROVIDERS: Provider[] = [
  {
    provide: Reconciler,
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
    ) => {
      const log = logger.child({ component: 'reconciliation' });
      // The clients exist only when stock or catalogue pushes are on: with both off nothing corrects what a
      // reconciliation finds, and no Mirakl key is required, so it does not run either.
      const enabled = config.RECONCILE_ENABLED && clients.size > 0;
      if (config.RECONCILE_ENABLED && !enabled)
        log.warn('reconciliation is off: STOCK_PUSH_ENABLED and CATALOGUE_PUSH_ENABLED are both false');
      return new Reconciler(
        new ReconciliationStore(dataSource, outbox, clock, config.SERVICE_NAME),
        clients,
        config.MARKETPLACES,
        metrics,
        log,
        clock,
        {
          enabled,
          leaseFor: (marketplace) => serviceLease(config, metrics, log, reconcileLeaseName(marketplace)),
        },
      );
    },
  },
];
