import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  type EventEnvelope,
  type MarketplacePolled,
  type OrderAccepted,
  type OrderCancelled,
  type OrderPostedToErp,
  type OrderReceived,
  type OrderRefused,
} from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  ConsumesEvent,
  type BackboneLogger,
  type BatchHandlerContext,
  type HandlerContext,
} from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { ReservationLedger } from './reservation-ledger';

/**
 * Orders as they affect stock: a received order takes its reservations, a refusal or cancellation gives
 * them back, posting to the ERP lets the back office's stock take over. Each handler runs in the inbox's
 * transaction, so a redelivered event has no second effect.
 *
 * Only the marketplaces this service publishes to (`MARKETPLACES`) are its business: another deployment's
 * orders on the same topics (another seller account, a test run) are skipped, never answered — an answer
 * from a service that does not know the marketplace's stock ("unknown SKU") would refuse real orders.
 */
@Injectable()
export class OrderEventsConsumer {
  private readonly mine: ReadonlySet<string>;
  private readonly warned = new Set<string>();

  constructor(
    private readonly ledger: ReservationLedger,
    config: CatalogueSyncConfig,
    @Inject(BACKBONE_LOGGER) private readonly logger: BackboneLogger,
  ) {
    this.mine = new Set(config.MARKETPLACES.map((m) => m.code));
  }

  /** Whether the marketplace is one of this service's; says once per marketplace when it is not. */
  private ours(marketplace: string): boolean {
    if (this.mine.has(marketplace)) return true;
    if (!this.warned.has(marketplace)) {
      this.warned.add(marketplace);
      this.logger.warn(
        { marketplace },
        'order events of a marketplace not in MARKETPLACES are skipped (another deployment or a test run on the same topics; if it is ours, add it to MARKETPLACES)',
      );
    }
    return false;
  }

  /**
   * A chunk of received orders in one transaction: every SKU of the chunk is locked first, in SKU order, so
   * the chunk never deadlocks with a feed page or another chunk (each locks in SKU order too); then the orders
   * are reserved in turn, in offset order, with one call to the back office for their holds.
   */
  @ConsumesEvent(Topics.orderReceived, { batch: true })
  async onReceived(all: EventEnvelope<OrderReceived>[], ctx: BatchHandlerContext): Promise<void> {
    const events = all.filter((e) => this.ours(e.payload.marketplace));
    if (events.length === 0) return;
    await this.ledger.lockSkusInOrder(
      ctx.manager,
      events.flatMap((e) => e.payload.lines.map((l) => l.sku)),
    );
    await this.ledger.reserveOrders(
      ctx.manager,
      events.map(({ payload: o }) => ({
        marketplace: o.marketplace,
        orderId: o.orderId,
        lines: o.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })),
      })),
    );
  }

  @ConsumesEvent(Topics.orderAccepted)
  async onAccepted(event: EventEnvelope<OrderAccepted>, ctx: HandlerContext): Promise<void> {
    if (!this.ours(event.payload.marketplace)) return;
    const o = event.payload;
    const refused = o.lines.filter((l) => l.decision !== 'ACCEPT').map((l) => l.lineId);
    if (refused.length > 0)
      await this.ledger.release(ctx.manager, o.marketplace, o.orderId, 'LINE_REFUSED', refused);
  }

  @ConsumesEvent(Topics.orderRefused)
  async onRefused(event: EventEnvelope<OrderRefused>, ctx: HandlerContext): Promise<void> {
    if (!this.ours(event.payload.marketplace)) return;
    const o = event.payload;
    await this.ledger.release(
      ctx.manager,
      o.marketplace,
      o.orderId,
      o.refusedBy === 'MARKETPLACE_TIMEOUT' ? 'AUTO_REFUSED' : 'ORDER_REFUSED',
    );
  }

  @ConsumesEvent(Topics.orderCancelled)
  async onCancelled(event: EventEnvelope<OrderCancelled>, ctx: HandlerContext): Promise<void> {
    if (!this.ours(event.payload.marketplace)) return;
    const o = event.payload;
    await this.ledger.release(ctx.manager, o.marketplace, o.orderId, 'ORDER_CANCELLED', o.lineIds);
  }

  @ConsumesEvent(Topics.orderPostedToErp)
  async onPosted(event: EventEnvelope<OrderPostedToErp>, ctx: HandlerContext): Promise<void> {
    if (!this.ours(event.payload.marketplace)) return;
    const o = event.payload;
    await this.ledger.markPosted(
      ctx.manager,
      o.marketplace,
      o.orderId,
      o.erpOrderNumber,
      new Date(o.erpCreatedAt ?? o.postedAt),
    );
  }

  /** The latest poll of a marketplace: its orders must be reserved before the next stock push (0008). */
  @ConsumesEvent(Topics.marketplacePolled)
  async onPolled(event: EventEnvelope<MarketplacePolled>, ctx: HandlerContext): Promise<void> {
    if (!this.ours(event.payload.marketplace)) return;
    const p = event.payload;
    await ctx.manager.query(
      `INSERT INTO marketplace_poll (marketplace, visible_at, order_ids) VALUES ($1, $2, $3)
       ON CONFLICT (marketplace) DO UPDATE SET visible_at = EXCLUDED.visible_at, order_ids = EXCLUDED.order_ids,
         received_at = now()
       WHERE EXCLUDED.visible_at > marketplace_poll.visible_at`,
      [p.marketplace, new Date(p.visibleAt), p.orderIds],
    );
  }
}
