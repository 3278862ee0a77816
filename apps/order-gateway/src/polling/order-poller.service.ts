import { Inject, Injectable, type OnModuleInit, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MiraklClient, MiraklOrder } from '@seller-bridge/mirakl-client';
import {
  assertStillHolder,
  BACKBONE_LOGGER,
  CLOCK,
  LeaseLostError,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
  MarketplaceLoops,
  serviceLease,
  sleep,
  type Lease,
} from '@seller-bridge/service-kit';
import { OrderGatewayConfig, type MarketplaceSettings } from '../config/order-gateway.config';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { OrderGatewayMetrics } from '../metrics/order-gateway.metrics';
import { OrderBookStore } from '../orders/order-book.store';

/** What one poll did. */
export interface PollReport {
  marketplace: string;
  startedAt: Date;
  seen: number;
  fresh: number;
  repeated: number;
  received: number;
  released: number;
}

export const pollLeaseName = (service: string, marketplace: string) => `${service}:poll:${marketplace}`;

/**
 * Polls each marketplace's orders (OR11) under its lease: by `start_update_date` = the previous poll's start
 * minus an overlap, every page, every `pollIntervalMs`. What a poll sees is recorded in chunks (one transaction
 * each, de-duplicated by order id and `last_updated_date`), then the poll itself is published
 * (`orders.marketplace.polled.v1`, after its orders' received events) and the cursor moves to the poll's start.
 * The cursor moves only after a poll read every page: a poll cut short is repeated from the same point, so
 * nothing is missed when pages shift under the poller or the process dies mid-poll.
 */
@Injectable()
export class OrderPoller implements OnModuleInit, OnModuleDestroy {
  private readonly loops: MarketplaceLoops;
  private readonly leaseFor: (marketplace: string) => Lease;
  private readonly book: OrderBookStore;
  private readonly log: BackboneLogger;

  constructor(
    private readonly config: OrderGatewayConfig,
    private readonly dataSource: DataSource,
    outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MARKETPLACE_CLIENTS) private readonly clients: MarketplaceClients,
    private readonly metrics: OrderGatewayMetrics,
    @Inject(BACKBONE_LOGGER) logger: BackboneLogger,
  ) {
    this.log = logger.child({ component: 'order-poller' });
    this.book = new OrderBookStore(outbox);
    this.loops = new MarketplaceLoops();
    this.leaseFor = (mp) => serviceLease(config, metrics, this.log, pollLeaseName(config.SERVICE_NAME, mp));
  }

  onModuleInit(): void {
    if (!this.config.POLLING_ENABLED) return;
    this.loops.start(
      this.config.MARKETPLACES.map((m) => m.code),
      this.leaseFor,
      (mp, signal, epoch) => this.run(mp, signal, epoch),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.loops.stop();
  }

  private async run(marketplace: string, signal: AbortSignal, epoch?: number): Promise<void> {
    const settings = this.settings(marketplace);
    while (!signal.aborted) {
      const began = Date.now();
      try {
        await this.pollOnce(marketplace, epoch);
      } catch (err) {
        if (err instanceof LeaseLostError) return;
        this.metrics.polls.inc({ marketplace, outcome: 'error' });
        this.log.warn(
          { marketplace, err: String(err) },
          'order poll failed; the next poll starts from the same point',
        );
      }
      await sleep(Math.max(0, settings.pollIntervalMs - (Date.now() - began)), signal);
    }
  }

  /**
   * One poll of a marketplace. `epoch` fences every write to the lease (a replica that lost it writes nothing);
   * without it (tests, tools) the poll runs unfenced.
   */
  async pollOnce(marketplace: string, epoch?: number): Promise<PollReport> {
    const settings = this.settings(marketplace);
    const client = this.client(marketplace);
    const fence = async (m: import('typeorm').EntityManager) => {
      if (epoch !== undefined)
        await assertStillHolder(m, pollLeaseName(this.config.SERVICE_NAME, marketplace), epoch);
    };
    const startedAt = this.clock.now();
    const timer = this.metrics.pollDuration.startTimer({ marketplace });
    const last = await this.book.cursor(this.dataSource.manager, marketplace);
    const from = new Date(
      (last ?? new Date(startedAt.getTime() - settings.initialLookbackMs)).getTime() - settings.pollOverlapMs,
    );
    const report: PollReport = {
      marketplace,
      startedAt,
      seen: 0,
      fresh: 0,
      repeated: 0,
      received: 0,
      released: 0,
    };
    const receivedIds = new Set<string>();
    let chunk: MiraklOrder[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      const orders = chunk;
      chunk = [];
      const r = await this.dataSource.transaction(async (m) => {
        await fence(m);
        return this.book.recordChunk(
          m,
          {
            marketplace,
            acceptanceWindowMs: settings.acceptanceWindowMs,
            service: this.config.SERVICE_NAME,
            now: this.clock.now(),
          },
          orders,
        );
      });
      report.fresh += r.fresh;
      report.repeated += r.repeated;
      report.received += r.received;
      report.released += r.released;
      r.receivedIds.forEach((id) => receivedIds.add(id));
      this.metrics.ordersSeen.inc({ marketplace, kind: 'new' }, r.received);
      this.metrics.ordersSeen.inc({ marketplace, kind: 'updated' }, r.fresh - r.received);
      this.metrics.ordersSeen.inc({ marketplace, kind: 'repeated' }, r.repeated);
      this.metrics.ordersReleased.inc({ marketplace }, r.released);
      this.metrics.ordersCancelled.inc({ marketplace }, r.cancelled);
      if (r.autoRefused > 0)
        this.metrics.deadlinesMissed.inc({ marketplace, deadline: 'acceptance' }, r.autoRefused);
    };
    for await (const order of client.listOrders({ startUpdateDate: from.toISOString() })) {
      report.seen++;
      chunk.push(order);
      if (chunk.length >= this.config.POLL_CHUNK) await flush();
    }
    await flush();
    await this.dataSource.transaction(async (m) => {
      await fence(m);
      await this.book.recordPoll(m, marketplace, startedAt, this.clock.now(), [...receivedIds], report.seen);
    });
    timer();
    this.metrics.polls.inc({ marketplace, outcome: 'ok' });
    if (report.fresh > 0)
      this.log.debug({ ...report, startedAt: startedAt.toISOString() }, 'order poll recorded new versions');
    return report;
  }

  private settings(marketplace: string): MarketplaceSettings {
    const s = this.config.MARKETPLACES.find((m) => m.code === marketplace);
    if (!s) throw new RangeError(`marketplace ${marketplace} is not configured`);
    return s;
  }

  private client(marketplace: string): MiraklClient {
    const c = this.clients.get(marketplace);
    if (!c) throw new RangeError(`no Mirakl client for marketplace ${marketplace}`);
    return c;
  }
}
