import { Inject, Injectable, type OnModuleInit, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  CLOCK,
  LeaseLostError,
  OutboxWriter,
  assertStillHolder,
  type BackboneLogger,
  type Clock,
  type PendingEvent,
  MarketplaceLoops,
  serviceLease,
  sleep,
  type Lease,
} from '@seller-bridge/service-kit';
import { OrderGatewayConfig, type MarketplaceSettings } from '../config/order-gateway.config';
import { exceptionId, orderException, orderExceptionResolved } from '../exceptions/order-exceptions';
import { OrderGatewayMetrics } from '../metrics/order-gateway.metrics';
import { deadlineAlerts, type DeadlineAlert } from './deadlines';

export const deadlineLeaseName = (service: string, marketplace: string) =>
  `${service}:deadlines:${marketplace}`;

interface Watched {
  order_id: string;
  mirakl_state: string;
  accept_by: Date | null;
  ship_by: Date | null;
  landed: boolean;
}

const AT_RISK_OF: Record<string, DeadlineAlert> = {
  ACCEPTANCE_MISSED: 'ACCEPTANCE_AT_RISK',
  SHIPPING_MISSED: 'SHIPPING_AT_RISK',
};

/**
 * Watches each marketplace's open deadlines under its lease: acceptance (the marketplace's window from
 * creation) while a decision has not landed, shipping (Mirakl's `shipping_deadline`) while the order is in
 * SHIPPING. Raises "at risk" before and "missed" after, each once per order (raised_exception), and resolves
 * the at-risk exceptions whose cause cleared (decided, shipped).
 */
@Injectable()
export class DeadlineWatch implements OnModuleInit, OnModuleDestroy {
  private readonly loops: MarketplaceLoops;
  private readonly leaseFor: (marketplace: string) => Lease;
  private readonly log: BackboneLogger;

  constructor(
    private readonly config: OrderGatewayConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: OrderGatewayMetrics,
    @Inject(BACKBONE_LOGGER) logger: BackboneLogger,
  ) {
    this.log = logger.child({ component: 'deadline-watch' });
    this.loops = new MarketplaceLoops();
    this.leaseFor = (mp) =>
      serviceLease(config, metrics, this.log, deadlineLeaseName(config.SERVICE_NAME, mp));
  }

  onModuleInit(): void {
    if (!this.config.POLLING_ENABLED) return;
    this.loops.start(
      this.config.MARKETPLACES.map((m) => m.code),
      this.leaseFor,
      async (mp, signal, epoch) => {
        while (!signal.aborted) {
          try {
            await this.checkOnce(mp, epoch);
          } catch (err) {
            if (err instanceof LeaseLostError) return;
            this.log.warn({ marketplace: mp, err: String(err) }, 'deadline check failed');
          }
          await sleep(this.config.DEADLINE_CHECK_MS, signal);
        }
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.loops.stop();
  }

  /** One pass over a marketplace's open deadlines; returns the alerts newly raised. */
  async checkOnce(marketplace: string, epoch?: number): Promise<{ orderId: string; alert: DeadlineAlert }[]> {
    const settings = this.config.MARKETPLACES.find((m) => m.code === marketplace) as MarketplaceSettings;
    const now = this.clock.now();
    const service = this.config.SERVICE_NAME;
    return this.dataSource.transaction(async (m) => {
      if (epoch !== undefined) await assertStillHolder(m, deadlineLeaseName(service, marketplace), epoch);
      const watched: Watched[] = await m.query(
        `SELECT o.order_id, o.mirakl_state, o.accept_by, o.ship_by,
                (d.status = 'landed' OR o.decision_published_at IS NOT NULL) AS landed
         FROM mirakl_order o LEFT JOIN order_decision d USING (marketplace, order_id)
         WHERE o.marketplace = $1 AND o.mirakl_state IN ('STAGING', 'WAITING_ACCEPTANCE', 'SHIPPING')`,
        [marketplace],
      );
      const holding = new Set<string>();
      const candidates: { orderId: string; alert: DeadlineAlert }[] = [];
      const atRisk = { acceptance: 0, shipping: 0 };
      for (const w of watched) {
        const alerts = deadlineAlerts(
          {
            miraklState: w.mirakl_state,
            acceptBy: w.accept_by ? new Date(w.accept_by) : undefined,
            shipBy: w.ship_by ? new Date(w.ship_by) : undefined,
            decisionLanded: w.landed === true,
          },
          now,
          settings,
        );
        for (const alert of alerts) {
          candidates.push({ orderId: w.order_id, alert });
          holding.add(exceptionId(alert, { marketplace, orderId: w.order_id }));
          if (alert === 'ACCEPTANCE_AT_RISK') atRisk.acceptance++;
          if (alert === 'SHIPPING_AT_RISK') atRisk.shipping++;
          // "missed" keeps the at-risk exception open: it is still true, and worse.
          const risk = AT_RISK_OF[alert];
          if (risk) holding.add(exceptionId(risk, { marketplace, orderId: w.order_id }));
        }
      }
      this.metrics.deadlinesAtRisk.set({ marketplace, deadline: 'acceptance' }, atRisk.acceptance);
      this.metrics.deadlinesAtRisk.set({ marketplace, deadline: 'shipping' }, atRisk.shipping);

      const events: PendingEvent<any>[] = [];
      const raised: { orderId: string; alert: DeadlineAlert }[] = [];
      if (candidates.length > 0) {
        const ids = candidates.map((c) => exceptionId(c.alert, { marketplace, orderId: c.orderId }));
        const [inserted] = (await m
          .query(
            `INSERT INTO raised_exception (exception_id, type, marketplace, order_id, raised_at)
           SELECT unnest($1::text[]), unnest($2::text[]), $3, unnest($4::text[]), $5
           ON CONFLICT DO NOTHING RETURNING exception_id`,
            [ids, candidates.map((c) => c.alert), marketplace, candidates.map((c) => c.orderId), now],
          )
          .then((r: unknown) => [r])) as [{ exception_id: string }[]];
        const fresh = new Set(inserted.map((r) => r.exception_id));
        candidates.forEach((c, i) => {
          if (!fresh.has(ids[i])) return;
          raised.push(c);
          events.push({
            topic: Topics.exceptionRaised,
            payload: orderException(c.alert, { marketplace, orderId: c.orderId }, service, now),
          });
          if (c.alert === 'ACCEPTANCE_MISSED')
            this.metrics.deadlinesMissed.inc({ marketplace, deadline: 'acceptance' });
          if (c.alert === 'SHIPPING_MISSED')
            this.metrics.deadlinesMissed.inc({ marketplace, deadline: 'shipping' });
        });
      }
      // At-risk exceptions whose cause cleared (decided in time, shipped) are resolved.
      const open: { exception_id: string; type: DeadlineAlert; order_id: string }[] = await m.query(
        `SELECT exception_id, type, order_id FROM raised_exception
         WHERE marketplace = $1 AND resolved_at IS NULL AND type IN ('ACCEPTANCE_AT_RISK', 'SHIPPING_AT_RISK')`,
        [marketplace],
      );
      const cleared = open.filter((o) => !holding.has(o.exception_id));
      if (cleared.length > 0) {
        await m.query(`UPDATE raised_exception SET resolved_at = $2 WHERE exception_id = ANY($1)`, [
          cleared.map((c) => c.exception_id),
          now,
        ]);
        for (const c of cleared)
          events.push({
            topic: Topics.exceptionResolved,
            payload: orderExceptionResolved(
              c.type,
              { marketplace, orderId: c.order_id },
              service,
              'the order was decided or shipped, or left the watched states',
              now,
            ),
          });
      }
      await this.outbox.emitMany(m, events);
      return raised;
    });
  }
}
