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
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import { StockLedger } from '../stock/stock-ledger';
import { BackofficeClient } from './backoffice-client';
import { HOLD_GATEWAY, type HoldGateway } from '../reservations/backoffice-holds';
import { HoldWorker } from '../reservations/hold-worker.service';
import { BackofficeFeedApplier } from './feed-applier';
import { BackofficeFeedReader, type FeedReaderOptions } from './feed-reader.service';

/** The lease every replica competes for: one reads the back office's feed at a time. */
export const FEED_LEASE_NAME = 'catalogue-sync:backoffice-feed';

export interface FeedReaderDeps {
  config: CatalogueSyncConfig;
  client: BackofficeClient;
  dataSource: DataSource;
  ledger: StockLedger;
  outbox: OutboxWriter;
  clock: Clock;
  metrics: CatalogueSyncMetrics;
  logger: BackboneLogger;
  /** Held while reading (several replicas); none in tests that drive one reader. */
  lease?: Lease;
  /** Overrides of the timings (tests). */
  options?: Partial<FeedReaderOptions>;
}

/** The reader and what it stands on, from the service's configuration (used by Nest and by the tests). */
export function createFeedReader(d: FeedReaderDeps): BackofficeFeedReader {
  return new BackofficeFeedReader(
    d.client,
    new BackofficeFeedApplier(d.dataSource, d.ledger, d.outbox, d.clock, d.config.SERVICE_NAME),
    d.metrics,
    d.logger.child({ component: 'backoffice-feed' }),
    d.clock,
    {
      enabled: d.config.BACKOFFICE_FEED_ENABLED,
      pollMs: d.config.BACKOFFICE_FEED_POLL_MS,
      batch: d.config.BACKOFFICE_FEED_BATCH,
      ...d.options,
    },
    d.lease,
  );
}

/**
 * The back office's holds over its API, one attempt each: placement is on the path of every order's
 * reservation, so a back office that does not answer within 3 s (or asks to wait) leaves the lines reserved
 * with holds pending, and the hold worker, with its own back-off, finishes the job. Releases go the same way.
 */
export function backofficeHolds(client: BackofficeClient): HoldGateway {
  return {
    place: (holds) => client.placeHolds(holds, { retries: 0, timeoutMs: 3_000 }),
    release: (key) => client.releaseHold(key, { retries: 0, timeoutMs: 3_000 }),
    held: (createdBefore, after, limit) => client.heldHolds(createdBefore, after, limit),
  };
}

/** catalogue-sync's back-office providers: the API client, holds, and the change-feed reader (under a lease). */
export const BACKOFFICE_PROVIDERS: Provider[] = [
  {
    provide: BackofficeClient,
    inject: [CatalogueSyncConfig],
    useFactory: (c: CatalogueSyncConfig) =>
      new BackofficeClient({ baseUrl: c.BACKOFFICE_URL, apiKey: c.BACKOFFICE_API_KEY }),
  },
  {
    provide: HOLD_GATEWAY,
    inject: [CatalogueSyncConfig, BackofficeClient],
    useFactory: (c: CatalogueSyncConfig, client: BackofficeClient) =>
      c.BACKOFFICE_HOLDS_ENABLED ? backofficeHolds(client) : null,
  },
  HoldWorker,
  {
    provide: BackofficeFeedReader,
    inject: [
      CatalogueSyncConfig,
      BackofficeClient,
      DataSource,
      StockLedger,
      OutboxWriter,
      CLOCK,
      CatalogueSyncMetrics,
      BACKBONE_LOGGER,
    ],
    useFactory: (
      config: CatalogueSyncConfig,
      client: BackofficeClient,
      dataSource: DataSource,
      ledger: StockLedger,
      outbox: OutboxWriter,
      clock: Clock,
      metrics: CatalogueSyncMetrics,
      logger: BackboneLogger,
    ) =>
      createFeedReader({
        config,
        client,
        dataSource,
        ledger,
        outbox,
        clock,
        metrics,
        logger,
        lease: config.BACKOFFICE_FEED_ENABLED
          ? serviceLease(config, metrics, logger, FEED_LEASE_NAME)
          : undefined,
      }),
  },
];
