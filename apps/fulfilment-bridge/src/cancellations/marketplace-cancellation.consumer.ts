import { Inject, Injectable } from '@nestjs/common';
import {
  Topics,
  type EventEnvelope,
  type OrderCancelled,
  type OrderReadyForFulfilment,
  type OrderRefused,
} from '@seller-bridge/contracts';
import { CLOCK, ConsumesEvent, type Clock, type HandlerContext } from '@seller-bridge/service-kit';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { returnedRows } from '../database/rows';
import { lockOrder, OrderIntake, type RecordedOrder } from '../erp-posting/order-intake.service';
import type { EntityManager } from 'typeorm';
import type { PostedLine } from '../erp-posting/sales-order-body';
import { ExceptionLog } from '../exceptions/exception-log';

/**
 * `orders.order.cancelled.v1` and `orders.order.refused.v1` → the ERP. The cancelled lines are kept (the release may come later). Before any
 * posting attempt, cancelled lines are taken out of the stored body, and an order with none left is never
 * posted. Once a post was tried, a whole-order cancellation cancels the sales order (the posting worker does
 * it, after the post when it is still in flight); some lines only: the ERP's API cancels whole orders, so
 * operations are asked to amend the sales order.
 */
@Injectable()
export class MarketplaceCancellationConsumer {
  constructor(
    private readonly intake: OrderIntake,
    private readonly exceptions: ExceptionLog,
    private readonly config: FulfilmentBridgeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @ConsumesEvent(Topics.orderCancelled)
  async onCancelled(event: EventEnvelope<OrderCancelled>, ctx: HandlerContext): Promise<void> {
    const c = event.payload;
    await this.cancelLines(ctx.manager, c.marketplace, c.orderId, c.lineIds);
  }

  /**
   * A refused order (by the seller, or by the marketplace when its acceptance window passed) will never ship:
   * under AFTER_ERP_CONFIRMATION its sales order may already be on hold in the ERP, and is cancelled like a
   * cancelled order. A seller's refusal never waited for the ERP, so it concerns only orders this service knows.
   */
  @ConsumesEvent(Topics.orderRefused)
  async onRefused(event: EventEnvelope<OrderRefused>, ctx: HandlerContext): Promise<void> {
    const r = event.payload;
    const m = ctx.manager;
    if (r.refusedBy === 'SELLER') {
      const [known] = returnedRows(
        await m.query(`SELECT 1 FROM fb_order WHERE marketplace = $1 AND order_id = $2`, [
          r.marketplace,
          r.orderId,
        ]),
      );
      if (!known) return;
    }
    // The auto-refusal may overtake the order's hold request (two topics): it is recorded all the same.
    await this.cancelLines(
      m,
      r.marketplace,
      r.orderId,
      r.lines.map((l) => l.lineId),
    );
  }

  private async cancelLines(
    m: EntityManager,
    marketplace: string,
    orderId: string,
    cancelledIds: string[],
  ): Promise<void> {
    const c = { marketplace, orderId, lineIds: cancelledIds };
    if (cancelledIds.length === 0) return;
    if (!this.config.MARKETPLACES.some((x) => x.code === c.marketplace)) return; // not ours
    await lockOrder(m, c.marketplace, c.orderId);
    const [{ line_ids }] = returnedRows<{ line_ids: string[] }>(
      await m.query(
        `INSERT INTO fb_marketplace_cancellation (marketplace, order_id, line_ids) VALUES ($1, $2, $3)
         ON CONFLICT (marketplace, order_id) DO UPDATE
           SET line_ids = ARRAY(SELECT DISTINCT unnest(fb_marketplace_cancellation.line_ids || EXCLUDED.line_ids))
         RETURNING line_ids`,
        [c.marketplace, c.orderId, c.lineIds],
      ),
    );
    const [order] = returnedRows<{
      released: RecordedOrder;
      line_map: PostedLine[];
      state: string;
      attempts: number;
      erp_number: string | null;
      on_hold: boolean;
      erp_released: boolean;
      has_release: boolean;
    }>(
      await m.query(
        `SELECT released, line_map, state, attempts, erp_number, on_hold, erp_released,
                release_body IS NOT NULL AS has_release
         FROM fb_order WHERE marketplace = $1 AND order_id = $2`,
        [c.marketplace, c.orderId],
      ),
    );
    if (!order || order.state === 'cancelled' || order.state === 'failed') return;
    const cancelled = new Set(line_ids);
    const now = this.clock.now();
    const notTried = order.state === 'pending' && order.attempts === 0;
    if (order.line_map.every((l) => cancelled.has(l.lineId))) {
      await m.query(
        `UPDATE fb_order SET state = CASE WHEN $3 THEN 'cancelled' ELSE state END, cancel_requested = true,
                next_attempt_at = LEAST(next_attempt_at, $4), updated_at = $4
         WHERE marketplace = $1 AND order_id = $2`,
        [c.marketplace, c.orderId, notTried, now],
      );
      return;
    }
    if (notTried) {
      const built = this.intake.build(order.released, cancelled);
      await m.query(
        `UPDATE fb_order SET body = $3, line_map = $4, unmapped_charges = $5, updated_at = $6
         WHERE marketplace = $1 AND order_id = $2`,
        [
          c.marketplace,
          c.orderId,
          JSON.stringify(built.body),
          JSON.stringify(built.lineMap),
          built.unmappedCharges,
          now,
        ],
      );
      return;
    }
    if (order.on_hold && !order.erp_released) {
      // Still on hold in the ERP: the release leaves the cancelled lines out (rebuilt if already stored).
      if (order.has_release) {
        const { release, built } = this.intake.buildRelease(
          order.released as OrderReadyForFulfilment,
          cancelled,
        );
        await m.query(
          `UPDATE fb_order SET release_body = $3, line_map = $4, updated_at = $5
           WHERE marketplace = $1 AND order_id = $2`,
          [c.marketplace, c.orderId, JSON.stringify(release), JSON.stringify(built.lineMap), now],
        );
      }
      return;
    }
    const lineIds = c.lineIds.filter((id) => order.line_map.some((l) => l.lineId === id));
    if (lineIds.length === 0) return;
    await this.exceptions.raise(m, {
      exceptionId: `ERP_PARTIAL_CANCEL:${c.marketplace}:${c.orderId}:${[...lineIds].sort().join(',')}`.slice(
        0,
        300,
      ),
      type: 'ERP_PARTIAL_CANCEL',
      owner: 'operations',
      marketplace: c.marketplace,
      entities: [
        { kind: 'order', id: `${c.marketplace}:${c.orderId}` },
        ...lineIds.map((id) => ({ kind: 'order-line', id })),
      ],
      reason: `Lines ${lineIds.join(', ')} of order ${c.orderId} were cancelled on the marketplace after the order was sent to the ERP; the ERP API cancels whole orders only.`,
      resolution: `Remove the lines from sales order ${order.erp_number ?? '(being posted)'} in the ERP before it is picked.`,
    });
  }
}
