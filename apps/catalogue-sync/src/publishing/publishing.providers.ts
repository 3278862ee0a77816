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
import { StockPushStore } from './stock-push.store';
import { leaseName, StockPusher } from './stock-pusher.service';

/**
 * catalogue-sync's publishing providers: the stock pusher, one loop per marketplace under a lease so one
 * replica pushes each, on the shared Mirakl clients.
 */
export const PUBLISHING_PROVIDERS: Provider[] = [
  {
    provide: StockPusher,
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
      const log = logger.child({ component: 'stock-pusher' });
      return new StockPusher(
        new StockPushStore(dataSource, outbox, clock, config.CATALOGUE_PUSH_ENABLED),
        dataSource,
        clients,
        config.MARKETPLACES,
        metrics,
        log,
        clock,
        {
          enabled: config.STOCK_PUSH_ENABLED,
          gateAlertMs: config.STOCK_PUSH_GATE_ALERT_MS,
          service: config.SERVICE_NAME,
          leaseFor: (marketplace) =>
            serviceLease(config, metrics, log, leaseName(config.SERVICE_NAME, marketplace)),
        },
      );
    },
  },
];
