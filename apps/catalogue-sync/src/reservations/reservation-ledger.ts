import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type LineReservation,
  type ReservationChanged,
  type ReservationState,
} from '@seller-bridge/contracts';
import { CLOCK, OutboxWriter, type Clock, type PendingEvent } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { queueStockPush } from '../availability/pending-pushes';

export interface OrderToReserve {
  marketplace: string;
  orderId: string;
  lines: { lineId: string; sku: string; quantity: number }[];
}

interface HeldRow {
  sku: string;
  quantity: number;
  order_line_id: string;
  marketplace: string;
  order_id: string;
}

/**
 * Where stock is reserved for orders and released (decision 0008). Every method runs in the caller's
 * transaction (a consumer's, with its inbox entry) and locks the SKU rows it changes, in SKU order, so two
 * orders for one SKU are serialised and never deadlock. `sku_stock.reserved` is the sum of the SKU's open and
 * posted reservations, kept in the same transaction as the rows it sums.
 */
@Injectable()
export class ReservationLedger {
  private readonly marketplaces: string[];

  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    config: CatalogueSyncConfig,
  ) {
    this.marketplaces = config.MARKETPLACES.map((m) => m.code);
  }

  /**
   * Tries every line of a newly received order: a line is reserved when the SKU is known and
   * `available − reserved` (earlier lines of the same order included) covers it. Emits one reservation
   * change per line and the order's decision. A second call for an order already decided changes nothing
   * and returns the first outcome.
   */
  async reserveOrder(m: EntityManager, order: OrderToReserve): Promise<LineReservation[]> {
    const now = this.clock.now();
    const seen: unknown[] = await m.query(
      `INSERT INTO order_seen (marketplace, order_id, decided_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING order_id`,
      [order.marketplace, order.orderId, now],
    );
    if (seen.length === 0) return this.outcomesOf(m, order);

    const skus = [...new Set(order.lines.map((l) => l.sku))].sort();
    const stock = await this.lockSkus(m, skus);
    const outcomes: LineReservation[] = [];
    const changes: PendingEvent<ReservationChanged>[] = [];
    for (const line of order.lines) {
      const s = stock.get(line.sku)!;
      const reservable = s.available - s.reserved;
      const outcome: LineReservation['outcome'] = !s.known
        ? 'unknown-sku'
        : line.quantity <= reservable
          ? 'reserved'
          : 'insufficient-stock';
      const state: ReservationState = outcome === 'reserved' ? 'open' : 'rejected';
      const reason =
        outcome === 'reserved' ? 'ORDER_RECEIVED' : outcome === 'unknown-sku' ? 'UNKNOWN_SKU' : 'NO_STOCK';
      if (state === 'open') s.reserved += line.quantity;
      await m.query(
        `INSERT INTO reservation (marketplace, order_id, order_line_id, sku, quantity, state, reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (marketplace, order_id, order_line_id) DO NOTHING`,
        [order.marketplace, order.orderId, line.lineId, line.sku, line.quantity, state, reason, now],
      );
      outcomes.push({
        orderLineId: line.lineId,
        sku: line.sku,
        quantity: line.quantity,
        outcome,
        reservable,
      });
      changes.push(
        this.change(
          order.marketplace,
          order.orderId,
          line.lineId,
          line.sku,
          line.quantity,
          state,
          reason,
          s.reserved,
          now,
        ),
      );
    }
    await this.saveReserved(m, stock, now);
    // Only a reservation changes what is published: rejected lines (no stock, unknown SKU) queue nothing.
    const reservedSkus = outcomes.filter((o) => o.outcome === 'reserved').map((o) => o.sku);
    await queueStockPush(m, this.marketplaces, reservedSkus, now);
    await this.outbox.emitMany(m, [
      ...changes,
      {
        topic: Topics.orderReservationDecided,
        payload: {
          marketplace: order.marketplace,
          orderId: order.orderId,
          lines: outcomes,
          decidedAt: now.toISOString(),
        },
        meta: { marketplace: order.marketplace },
      },
    ]);
    return outcomes;
  }

  /** Releases the held reservations of an order's lines (all lines when `lineIds` is absent). */
  async release(
    m: EntityManager,
    marketplace: string,
    orderId: string,
    reason: string,
    lineIds?: readonly string[],
  ): Promise<number> {
    return this.settle(
      m,
      'released',
      reason,
      `marketplace = $1 AND order_id = $2 AND state IN ('open', 'posted')
      ${lineIds ? 'AND order_line_id = ANY($3)' : ''}`,
      lineIds ? [marketplace, orderId, lineIds] : [marketplace, orderId],
    );
  }

  /**
   * The order is in the ERP: its reservations wait for the back office's stock to count it. Those whose
   * allocation the back office already reported are consumed at once.
   */
  async markPosted(
    m: EntityManager,
    marketplace: string,
    orderId: string,
    erpOrderNumber: string,
    erpCreatedAt: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE reservation SET state = 'posted', erp_order_number = $3, erp_created_at = $4, updated_at = $5
       WHERE marketplace = $1 AND order_id = $2 AND state = 'open'`,
      [marketplace, orderId, erpOrderNumber, erpCreatedAt, this.clock.now()],
    );
    await this.settle(
      m,
      'consumed',
      'ERP_STOCK_COUNTS_ORDER',
      `marketplace = $1 AND order_id = $2 AND state = 'posted'
       AND EXISTS (SELECT 1 FROM erp_allocation a WHERE a.erp_order_number = reservation.erp_order_number AND a.sku = reservation.sku)`,
      [marketplace, orderId],
    );
  }

  /**
   * The back office reported stock allocated to a sales order for a SKU: the stock now counts that order, so
   * its reservation for the SKU is consumed (or will be, the moment the order is known as posted).
   */
  async onAllocation(m: EntityManager, erpOrderNumber: string, sku: string): Promise<number> {
    await m.query(
      `INSERT INTO erp_allocation (erp_order_number, sku, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [erpOrderNumber, sku, this.clock.now()],
    );
    return this.settle(
      m,
      'consumed',
      'ERP_STOCK_COUNTS_ORDER',
      `erp_order_number = $1 AND sku = $2 AND state = 'posted'`,
      [erpOrderNumber, sku],
    );
  }

  /**
   * For back offices that name no sales order in their stock changes: posted reservations of the SKU whose ERP
   * order was created at or before the stock figure now held are consumed.
   */
  async consumeCountedBy(m: EntityManager, sku: string, stockAsOf: Date): Promise<number> {
    return this.settle(
      m,
      'consumed',
      'ERP_STOCK_COUNTS_ORDER',
      `sku = $1 AND state = 'posted' AND erp_created_at <= $2
       AND NOT EXISTS (SELECT 1 FROM erp_allocation a WHERE a.erp_order_number = reservation.erp_order_number)`,
      [sku, stockAsOf],
    );
  }

  /** Moves the held reservations matching `where` to a final state, and takes them off their SKUs. */
  private async settle(
    m: EntityManager,
    to: 'released' | 'consumed',
    reason: string,
    where: string,
    params: unknown[],
  ): Promise<number> {
    const held: HeldRow[] = await m.query(
      `SELECT sku, quantity, order_line_id, marketplace, order_id FROM reservation
       WHERE ${where} ORDER BY sku`,
      params,
    );
    if (held.length === 0) return 0;
    const now = this.clock.now();
    const stock = await this.lockSkus(m, [...new Set(held.map((h) => h.sku))].sort());
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [moved] = (await m.query(
      `UPDATE reservation SET state = $${params.length + 1}, reason = $${params.length + 2}, updated_at = $${params.length + 3}
       WHERE ${where} RETURNING sku, quantity, order_line_id, marketplace, order_id`,
      [...params, to, reason, now],
    )) as [HeldRow[], number];
    const changes: PendingEvent<ReservationChanged>[] = [];
    for (const r of moved) {
      const s = stock.get(r.sku)!;
      s.reserved = Math.max(0, s.reserved - r.quantity);
      changes.push(
        this.change(
          r.marketplace,
          r.order_id,
          r.order_line_id,
          r.sku,
          r.quantity,
          to,
          reason,
          s.reserved,
          now,
        ),
      );
    }
    await this.saveReserved(m, stock, now);
    await queueStockPush(m, this.marketplaces, [...stock.keys()], now);
    await this.outbox.emitMany(m, changes);
    return moved.length;
  }

  /** Locks the stock rows of all these SKUs at once, in SKU order (before work on several orders). */
  async lockSkusInOrder(m: EntityManager, skus: readonly string[]): Promise<void> {
    if (skus.length > 0) await this.lockSkus(m, [...new Set(skus)].sort());
  }

  /** Locks (creating when missing) the SKUs' stock rows, in SKU order. */
  private async lockSkus(
    m: EntityManager,
    skus: string[],
  ): Promise<Map<string, { available: number; reserved: number; known: boolean }>> {
    await m.query(`INSERT INTO sku_stock (sku) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [skus]);
    const rows: { sku: string; available: number; reserved: number; known: boolean }[] = await m.query(
      `SELECT sku, available, reserved, known FROM sku_stock WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`,
      [skus],
    );
    return new Map(
      rows.map((r) => [r.sku, { available: r.available, reserved: r.reserved, known: r.known }]),
    );
  }

  private async saveReserved(
    m: EntityManager,
    stock: Map<string, { reserved: number }>,
    now: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE sku_stock s SET reserved = v.reserved, updated_at = $3
       FROM unnest($1::text[], $2::int[]) AS v(sku, reserved) WHERE s.sku = v.sku`,
      [[...stock.keys()], [...stock.values()].map((s) => s.reserved), now],
    );
  }

  private async outcomesOf(m: EntityManager, order: OrderToReserve): Promise<LineReservation[]> {
    const rows: { order_line_id: string; sku: string; quantity: number; reason: string }[] = await m.query(
      `SELECT order_line_id, sku, quantity, reason FROM reservation WHERE marketplace = $1 AND order_id = $2`,
      [order.marketplace, order.orderId],
    );
    return rows.map((r) => ({
      orderLineId: r.order_line_id,
      sku: r.sku,
      quantity: r.quantity,
      outcome:
        r.reason === 'UNKNOWN_SKU'
          ? 'unknown-sku'
          : r.reason === 'NO_STOCK'
            ? 'insufficient-stock'
            : 'reserved',
      reservable: 0,
    }));
  }

  private change(
    marketplace: string,
    orderId: string,
    orderLineId: string,
    sku: string,
    quantity: number,
    state: ReservationState,
    reason: string,
    openForSku: number,
    at: Date,
  ): PendingEvent<ReservationChanged> {
    return {
      topic: Topics.reservationChanged,
      payload: {
        sku,
        marketplace,
        orderId,
        orderLineId,
        quantity,
        state,
        reason,
        openForSku,
        at: at.toISOString(),
      },
      meta: { marketplace },
    };
  }
}
