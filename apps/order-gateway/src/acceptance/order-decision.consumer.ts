import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  type EventEnvelope,
  type OrderPostedToErp,
  type OrderReservationDecided,
  type ProductChanged,
} from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  CLOCK,
  ConsumesEvent,
  OutboxWriter,
  type BackboneLogger,
  type BatchHandlerContext,
  type Clock,
  type HandlerContext,
} from '@seller-bridge/service-kit';
import { OrderGatewayConfig, type MarketplaceSettings } from '../config/order-gateway.config';
import { OrderGatewayMetrics } from '../metrics/order-gateway.metrics';
import { DecisionStore } from './decision.store';

/**
 * The events a decision depends on: the reservation owner's answer (0008 step 3), the ERP's sales order
 * (AFTER_ERP_CONFIRMATION) and the back office's prices (the price check). Transport only: each handler
 * decodes and calls the store in the inbox's transaction.
 */
@Injectable()
export class OrderDecisionConsumer {
  private readonly settings: Map<string, MarketplaceSettings>;
  private readonly store: DecisionStore;
  private readonly log: BackboneLogger;

  constructor(
    config: OrderGatewayConfig,
    outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: OrderGatewayMetrics,
    @Inject(BACKBONE_LOGGER) logger: BackboneLogger,
  ) {
    this.settings = new Map(config.MARKETPLACES.map((m) => [m.code, m]));
    this.store = new DecisionStore(outbox, config.SERVICE_NAME);
    this.log = logger.child({ component: 'order-decision' });
  }

  @ConsumesEvent(Topics.orderReservationDecided, { batch: true })
  async onReservationDecided(
    events: EventEnvelope<OrderReservationDecided>[],
    ctx: BatchHandlerContext,
  ): Promise<void> {
    // One marketplace at a time, each chunk's orders locked in id order (two chunks never deadlock).
    const byMarketplace = new Map<string, EventEnvelope<OrderReservationDecided>[]>();
    for (const e of events) {
      const list = byMarketplace.get(e.payload.marketplace) ?? [];
      list.push(e);
      byMarketplace.set(e.payload.marketplace, list);
    }
    for (const [marketplace, list] of [...byMarketplace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const settings = this.settings.get(marketplace);
      if (!settings) continue; // another deployment's marketplace: not ours to decide
      const outcomes = await this.store.decideOrders(
        ctx.manager,
        settings,
        list.map((e) => ({ orderId: e.payload.orderId, reservation: e.payload.lines })),
        this.clock.now(),
      );
      outcomes.forEach((r, i) => {
        if (r.status === 'unknown-order')
          this.log.debug(
            { orderKey: list[i].key },
            'reservation answer for an order this service never saw; ignored',
          );
        for (const l of r.lines ?? [])
          if (l.decision === 'REFUSE')
            this.metrics.linesRefused.inc({ marketplace, reason: l.reasonCode ?? 'UNKNOWN' });
      });
    }
  }

  @ConsumesEvent(Topics.orderPostedToErp)
  async onPostedToErp(event: EventEnvelope<OrderPostedToErp>, ctx: HandlerContext): Promise<void> {
    const o = event.payload;
    if (!this.settings.has(o.marketplace)) return;
    await this.store.confirmByErp(
      ctx.manager,
      o.marketplace,
      o.orderId,
      o.erpOrderNumber,
      new Date(o.postedAt),
    );
  }

  /** The back office's selling price of a SKU (tax included), kept for the price check; older figures ignored. */
  @ConsumesEvent(Topics.productChanged)
  async onProductChanged(event: EventEnvelope<ProductChanged>, ctx: HandlerContext): Promise<void> {
    const p = event.payload;
    await ctx.manager.query(
      `INSERT INTO offer_price (sku, price_minor, currency, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sku) DO UPDATE SET price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency,
         updated_at = EXCLUDED.updated_at
       WHERE EXCLUDED.updated_at >= offer_price.updated_at`,
      [p.sku, p.price.amountMinor, p.price.currency, new Date(p.updatedAt)],
    );
  }
}
