import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Topics,
  type LineReservation,
  type OrderReservationDecided,
  type ReservationChanged,
  type ReservationState,
} from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  CLOCK,
  OutboxWriter,
  TransientError,
  type BackboneLogger,
  type Clock,
  type PendingEvent,
} from '@seller-bridge/service-kit';
import type { HoldAnswer } from '../backoffice/backoffice-client';
import {
  HOLD_GATEWAY,
  holdKey,
  holdRequest,
  REFUSED_BY_BACKOFFICE,
  type HoldGateway,
} from './backoffice-holds';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { queueStockPush } from '../availability/pending-pushes';
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';

export interface OrderToReserve {
  marketplace: string;
  orderId: string;
  lines: { lineId: string; sku: string; quantity: number }[];
}

/** What a recorded line's reason says its outcome was. */
function outcomeOfReason(reason: string): LineReservation['outcome'] {
  if (reason === 'UNKNOWN_SKU') return 'unknown-sku';
  if (reason === 'NO_STOCK' || reason === 'HOLD_ALREADY_RELEASED') return 'insufficient-stock';
  const refused = Object.values(REFUSED_BY_BACKOFFICE).find((r) => r.reason === reason);
  return refused?.outcome ?? 'reserved';
}

/** A released line's hold goes back to the back office (the hold worker sends the release). */
const HOLD_ON_RELEASE = (
  now: string,
) => `hold_state = CASE WHEN hold_state IN ('held', 'pending') THEN 'releasing'
  ELSE hold_state END, hold_next_at = CASE WHEN hold_state IN ('held', 'pending') THEN ${now} ELSE hold_next_at END,
  hold_attempts = 0`;
/** A consumed line's hold was converted by its sales order; one still pending is no longer needed. */
const HOLD_ON_CONSUME = `hold_state = CASE WHEN hold_state = 'held' THEN 'converted' WHEN hold_state = 'pending' THEN 'none'
  ELSE hold_state END`;

export type HoldState = 'none' | 'pending' | 'held' | 'releasing' | 'released' | 'converted' | 'refused';

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
  private readonly settings: CatalogueSyncConfig['MARKETPLACES'];

  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    config: CatalogueSyncConfig,
    /** The back office's holds; without them reservations are this service's alone (holds off, tests). */
    @Optional() @Inject(HOLD_GATEWAY) private readonly holds?: HoldGateway,
    @Optional() @Inject(BACKBONE_LOGGER) private readonly logger?: BackboneLogger,
    @Optional() private readonly metrics?: CatalogueSyncMetrics,
  ) {
    this.marketplaces = config.MARKETPLACES.map((m) => m.code);
    this.settings = config.MARKETPLACES;
  }

  /**
   * Tries every line of a newly received order: a line is reserved when the SKU is known and
   * `available − reserved` (earlier lines of the same order included) covers it, and the back office holds it
   * (when holds are on). Emits one reservation change per line and the order's decision. A second call for an
   * order already decided changes nothing and returns the first outcome.
   */
  async reserveOrder(m: EntityManager, order: OrderToReserve): Promise<LineReservation[]> {
    return (await this.reserveOrders(m, [order]))[0];
  }

  /**
   * {@link reserveOrder} for several orders in turn, in one transaction and with one call to the back office:
   * every line is first planned against the stock held here (in order, each order seeing the earlier ones),
   * then the planned lines are held in the back office in the same order, then the outcomes are recorded. A
   * back office that does not answer does not hold orders up: their lines are reserved with the hold pending,
   * and the hold worker places it later (an exception if the units turn out to be gone).
   */
  async reserveOrders(m: EntityManager, orders: readonly OrderToReserve[]): Promise<LineReservation[][]> {
    const now = this.clock.now();
    const answers = new Map<OrderToReserve, LineReservation[]>();
    const fresh: OrderToReserve[] = [];
    for (const order of orders) {
      const seen: unknown[] = await m.query(
        `INSERT INTO order_seen (marketplace, order_id, decided_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING order_id`,
        [order.marketplace, order.orderId, now],
      );
      if (seen.length === 0) answers.set(order, await this.outcomesOf(m, order));
      else fresh.push(order);
    }
    if (fresh.length === 0) return orders.map((o) => answers.get(o)!);

    const stock = await this.lockSkus(
      m,
      [...new Set(fresh.flatMap((o) => o.lines.map((l) => l.sku)))].sort(),
    );
    const planned = this.plan(fresh, stock);
    const holds = await this.placeHolds(planned.filter((p) => p.outcome === 'reserved'));

    const changes: PendingEvent<ReservationChanged>[] = [];
    const decisions: PendingEvent<OrderReservationDecided>[] = [];
    const rows: unknown[][] = [];
    for (const order of fresh) {
      const outcomes: LineReservation[] = [];
      for (const p of planned.filter((x) => x.order === order)) {
        const hold = p.outcome === 'reserved' ? holds.get(p.key) : undefined;
        const outcome = hold?.refused?.outcome ?? p.outcome;
        const reason = hold?.refused?.reason ?? p.reason;
        const state: ReservationState = outcome === 'reserved' ? 'open' : 'rejected';
        const s = stock.get(p.line.sku)!;
        if (state === 'open') s.reserved += p.line.quantity;
        const holdState = hold?.state ?? 'none';
        rows.push([
          order.marketplace,
          order.orderId,
          p.line.lineId,
          p.line.sku,
          p.line.quantity,
          state,
          reason,
          holdState,
          holdState === 'pending' ? now : null,
        ]);
        outcomes.push({
          orderLineId: p.line.lineId,
          sku: p.line.sku,
          quantity: p.line.quantity,
          outcome,
          reservable: p.reservable,
        });
        changes.push(
          this.change(
            order.marketplace,
            order.orderId,
            p.line.lineId,
            p.line.sku,
            p.line.quantity,
            state,
            reason,
            s.reserved,
            now,
          ),
        );
      }
      answers.set(order, outcomes);
      decisions.push({
        topic: Topics.orderReservationDecided,
        payload: {
          marketplace: order.marketplace,
          orderId: order.orderId,
          lines: outcomes,
          decidedAt: now.toISOString(),
        },
        meta: { marketplace: order.marketplace },
      });
    }
    const column = (i: number) => rows.map((r) => r[i]);
    await m.query(
      `INSERT INTO reservation (marketplace, order_id, order_line_id, sku, quantity, state, reason, hold_state, hold_next_at, created_at, updated_at)
       SELECT *, $10::timestamptz, $10::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[],
         $6::text[], $7::text[], $8::text[], $9::timestamptz[])
       ON CONFLICT (marketplace, order_id, order_line_id) DO NOTHING`,
      [...[0, 1, 2, 3, 4, 5, 6, 7, 8].map(column), now],
    );
    await this.saveReserved(m, stock, now);
    // Only a reservation changes what is published: rejected lines (no stock, unknown SKU) queue nothing.
    const reservedSkus = [...answers.values()]
      .flat()
      .filter((o) => o.outcome === 'reserved')
      .map((o) => o.sku);
    await queueStockPush(m, this.marketplaces, reservedSkus, now);
    await this.outbox.emitMany(m, [...changes, ...decisions]);
    return orders.map((o) => answers.get(o)!);
  }

  /** Every line against the stock held here, orders in turn; the stock map is left as it was. */
  private plan(
    orders: OrderToReserve[],
    stock: Map<string, { available: number; reserved: number; known: boolean }>,
  ) {
    const tentative = new Map([...stock].map(([sku, s]) => [sku, s.reserved]));
    return orders.flatMap((order) =>
      order.lines.map((line) => {
        const s = stock.get(line.sku)!;
        const reservable = s.available - tentative.get(line.sku)!;
        const outcome: LineReservation['outcome'] = !s.known
          ? 'unknown-sku'
          : line.quantity <= reservable
            ? 'reserved'
            : 'insufficient-stock';
        if (outcome === 'reserved') tentative.set(line.sku, tentative.get(line.sku)! + line.quantity);
        const reason =
          outcome === 'reserved' ? 'ORDER_RECEIVED' : outcome === 'unknown-sku' ? 'UNKNOWN_SKU' : 'NO_STOCK';
        return {
          order,
          line,
          outcome,
          reason,
          reservable,
          key: holdKey(order.marketplace, order.orderId, line.lineId),
        };
      }),
    );
  }

  /**
   * Holds the planned lines in the back office, in plan order. Per key: the hold state to record, or the
   * refusal that turns the line down. Without holds every line is `none`; without an answer, `pending`.
   */
  private async placeHolds(
    lines: { order: OrderToReserve; line: OrderToReserve['lines'][number]; key: string }[],
  ): Promise<Map<string, { state: HoldState; refused?: (typeof REFUSED_BY_BACKOFFICE)[string] }>> {
    const out = new Map<string, { state: HoldState; refused?: (typeof REFUSED_BY_BACKOFFICE)[string] }>();
    if (!this.holds || lines.length === 0) return out;
    let answers: Map<string, HoldAnswer>;
    try {
      answers = await this.holds.place(
        lines.map(({ order, line, key }) => ({
          ...holdRequest(this.settings, { ...line, marketplace: order.marketplace, orderId: order.orderId }),
          key,
        })),
      );
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      this.logger?.warn(
        { err, lines: lines.length },
        'back office did not answer the holds; lines reserved with holds pending',
      );
      for (const { key } of lines) out.set(key, { state: 'pending' });
      this.metrics?.holds.inc({ outcome: 'pending' }, lines.length);
      return out;
    }
    for (const { key } of lines) {
      const a = answers.get(key);
      if (a?.outcome === 'held')
        out.set(
          key,
          a.state === 'released'
            ? {
                state: 'released',
                refused: { outcome: 'insufficient-stock', reason: 'HOLD_ALREADY_RELEASED' },
              }
            : { state: a.state },
        );
      else if (a?.outcome === 'refused' && REFUSED_BY_BACKOFFICE[a.code])
        out.set(key, { state: 'none', refused: REFUSED_BY_BACKOFFICE[a.code] });
      else out.set(key, { state: 'pending' }); // an answer we cannot act on: the worker tries again, then raises
      const o = out.get(key)!;
      this.metrics?.holds.inc({
        outcome: o.refused ? 'refused' : o.state === 'pending' ? 'pending' : 'held',
      });
    }
    return out;
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
      `UPDATE reservation SET state = $${params.length + 1}, reason = $${params.length + 2}, updated_at = $${params.length + 3},
         ${to === 'released' ? HOLD_ON_RELEASE(`$${params.length + 3}::timestamptz`) : HOLD_ON_CONSUME}
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
      outcome: outcomeOfReason(r.reason),
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
