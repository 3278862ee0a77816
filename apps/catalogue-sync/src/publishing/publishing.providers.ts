import { hostname } from 'node:os';
import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MiraklClient } from '@seller-bridge/mirakl-client';
import {
  BACKBONE_LOGGER,
  BackboneMetrics,
  CLOCK,
  Lease,
  MiraklCallMetrics,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
} from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { createMarketplaceClients } from './marketplace-clients';
import { StockPushMetrics } from './stock-push.metrics';
import { StockPushStore } from './stock-push.store';
import { leaseName, StockPusher } from './stock-pusher.service';

/** Token of the Mirakl clients by marketplace code (one per configured marketplace). */
export const MARKETPLACE_CLIENTS = Symbol('MARKETPLACE_CLIENTS');

/**
 * catalogue-sync's publishing providers: Mirakl call metrics (one per process, shared by every client), the
 * Mirakl clients, and the stock pusher, one loop per marketplace under a lease so one replica pushes each.
 */
export const PUBLISHING_PROVIDERS: Provider[] = [
  {
    provide: MiraklCallMetrics,
    inject: [BackboneMetrics],
    useFactory: (metrics: BackboneMetrics) => new MiraklCallMetrics(metrics.registry),
  },
  {
    provide: MARKETPLACE_CLIENTS,
    inject: [CatalogueSyncConfig, MiraklCallMetrics],
    // The composition root is where keys are read: the configuration names the variable of each key.
    useFactory: (config: CatalogueSyncConfig, calls: MiraklCallMetrics) =>
      config.STOCK_PUSH_ENABLED
        ? createMarketplaceClients(config.MARKETPLACES, process.env, { observe: calls.observe })
        : new Map<string, MiraklClient>(),
  },
  {
    provide: StockPusher,
    inject: [
      CatalogueSyncConfig,
      DataSource,
      OutboxWriter,
      CLOCK,
      BackboneMetrics,
      BACKBONE_LOGGER,
      MARKETPLACE_CLIENTS,
    ],
    useFactory: (
      config: CatalogueSyncConfig,
      dataSource: DataSource,
      outbox: OutboxWriter,
      clock: Clock,
      metrics: BackboneMetrics,
      logger: BackboneLogger,
      clients: Map<string, MiraklClient>,
    ) => {
      const log = logger.child({ component: 'stock-pusher' });
      return new StockPusher(
        new StockPushStore(dataSource, outbox, clock),
        dataSource,
        clients,
        config.MARKETPLACES,
        new StockPushMetrics(metrics.registry),
        log,
        clock,
        {
          enabled: config.STOCK_PUSH_ENABLED,
          gateAlertMs: config.STOCK_PUSH_GATE_ALERT_MS,
          service: config.SERVICE_NAME,
          leaseFor: (marketplace) =>
            new Lease({
              databaseUrl: config.DATABASE_URL,
              name: leaseName(config.SERVICE_NAME, marketplace),
              holderId: `${hostname()}:${process.pid}`,
              logger: log,
            }),
        },
      );
    },
  },
];
