import { Inject, Injectable } from '@nestjs/common';
import type { OrderAwaitingErpConfirmation, OrderReadyForFulfilment } from '@seller-bridge/contracts';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import type { EntityManager } from 'typeorm';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { returnedRows } from '../database/rows';
import { ExceptionLog } from '../exceptions/exception-log';
import {
  buildHeldSalesOrder,
  buildSalesOrder,
  type BuiltSalesOrder,
  type ReleaseBody,
} from './sales-order-body';

/** Serialises the events of one marketplace order (release, cancellation) across consumers and replicas. */
export async function lockOrder(m: EntityManager, marketplace: string, orderId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`fb-order:${marketplace}:${orderId}`]);
}

/** What an `fb_order` row holds of the event it was recorded from: a release, or an order to take on hold. */
export type RecordedOrder = OrderReadyForFulfilment | OrderAwaitingErpConfirmation;

const isHeld = (o: RecordedOrder): o is OrderAwaitingErpConfirmation => !('customer' in o);

/**
 * Records an order as work for the ERP (one row per marketplace order: a redelivered or duplicated event finds
 * the row and changes nothing). The body is built here, once, and stored: every retry sends exactly these bytes
 * under the same Idempotency-Key. Lines the marketplace already cancelled (the cancellation may arrive first)
 * are left out; an order with every line cancelled is never posted.
 *
 * Under AFTER_ERP_CONFIRMATION the row is first a sales order **on hold** (from
 * `orders.order.awaiting-erp-confirmation.v1`: no address yet); the release event then stores the release —
 * address and the lines still to ship — which the same worker sends once to that sales order instead of
 * posting a second one. A hold never tried yet simply becomes an ordinary order.
 */
@Injectable()
export class OrderIntake {
  constructor(
    private readonly config: FulfilmentBridgeConfig,
    private readonly exceptions: ExceptionLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private options(marketplace: string) {
    const mp = this.config.MARKETPLACES.find((x) => x.code === marketplace);
    return { defaultTaxRate: mp?.defaultTaxRate ?? '20.00', catchAllItem: this.config.CHARGE_CATCH_ALL_ITEM };
  }

  private ours(marketplace: string): boolean {
    return this.config.MARKETPLACES.some((x) => x.code === marketplace);
  }

  /** The customer (none for an order on hold) and sales order for the order's lines that are not cancelled. */
  build(
    o: RecordedOrder,
    cancelledLineIds: ReadonlySet<string> = new Set(),
  ): Omit<BuiltSalesOrder, 'customer'> & { customer: BuiltSalesOrder['customer'] | null } {
    const lines = o.lines.filter((l) => !cancelledLineIds.has(l.lineId));
    const kept = lines.length ? lines : o.lines;
    if (isHeld(o))
      return { ...buildHeldSalesOrder({ ...o, lines: kept }, this.options(o.marketplace)), customer: null };
    return buildSalesOrder({ ...o, lines: kept }, this.options(o.marketplace));
  }

  /** `POST …/release` body of a held order from its release event, less the cancelled lines. */
  buildRelease(
    o: OrderReadyForFulfilment,
    cancelledLineIds: ReadonlySet<string>,
  ): { release: ReleaseBody; built: BuiltSalesOrder } {
    const built = this.build(o, cancelledLineIds) as BuiltSalesOrder;
    const { ship_to, lines, charge_lines } = built.body;
    return { release: { ship_to: ship_to!, lines, charge_lines }, built };
  }

  /** An order whose acceptance waits for the ERP: to be posted on hold. */
  async recordHeld(
    m: EntityManager,
    o: OrderAwaitingErpConfirmation,
  ): Promise<'recorded' | 'known' | 'cancelled' | 'not-ours'> {
    if (!this.ours(o.marketplace)) return 'not-ours';
    await lockOrder(m, o.marketplace, o.orderId);
    if (await this.rowOf(m, o.marketplace, o.orderId)) return 'known';
    return this.insert(m, o, await this.cancelledLines(m, o.marketplace, o.orderId));
  }

  async record(
    m: EntityManager,
    o: OrderReadyForFulfilment,
  ): Promise<'recorded' | 'known' | 'released' | 'cancelled' | 'not-ours'> {
    // Another deployment's marketplace on a shared broker: not ours to post (see the runbook).
    if (!this.ours(o.marketplace)) return 'not-ours';
    await lockOrder(m, o.marketplace, o.orderId);
    const known = await this.rowOf(m, o.marketplace, o.orderId);
    const cancelled = await this.cancelledLines(m, o.marketplace, o.orderId);
    let outcome: 'recorded' | 'known' | 'released' | 'cancelled';
    if (!known) outcome = await this.insert(m, o, cancelled);
    else if (!known.on_hold || known.has_release || known.state === 'cancelled') outcome = 'known';
    else if (known.state === 'pending' && known.attempts === 0) {
      // The hold was never tried: post the order as released instead (nothing in the ERP to release).
      await m.query(`DELETE FROM fb_order WHERE marketplace = $1 AND order_id = $2`, [
        o.marketplace,
        o.orderId,
      ]);
      outcome = await this.insert(m, o, cancelled);
    } else outcome = await this.storeRelease(m, o, cancelled);
    if (outcome === 'recorded' || outcome === 'released')
      await this.exceptions.resolve(
        m,
        addressMissingId(o.marketplace, o.orderId),
        'ORDER_ADDRESS_MISSING',
        'the order was released again with an address the ERP can ship to',
      );
    return outcome;
  }

  /** The held sales order is (or may be) in the ERP: the release goes to it, once, by the posting worker. */
  private async storeRelease(
    m: EntityManager,
    o: OrderReadyForFulfilment,
    cancelled: ReadonlySet<string>,
  ): Promise<'released' | 'cancelled'> {
    if (o.lines.every((l) => cancelled.has(l.lineId))) return 'cancelled'; // the cancellation cancels the hold
    const { release, built } = this.buildRelease(o, cancelled);
    await m.query(
      `UPDATE fb_order SET released = $3, customer = $4, release_body = $5, line_map = $6,
              shipping_type_code = $7, next_attempt_at = LEAST(next_attempt_at, $8), updated_at = $8
       WHERE marketplace = $1 AND order_id = $2`,
      [
        o.marketplace,
        o.orderId,
        JSON.stringify(o),
        JSON.stringify(built.customer),
        JSON.stringify(release),
        JSON.stringify(built.lineMap),
        o.shippingTypeCode ?? null,
        this.clock.now(),
      ],
    );
    await this.raiseUnmapped(m, o.marketplace, o.orderId, built.unmappedCharges);
    return 'released';
  }

  private async insert(
    m: EntityManager,
    o: RecordedOrder,
    cancelled: ReadonlySet<string>,
  ): Promise<'recorded' | 'cancelled'> {
    const allCancelled = o.lines.every((l) => cancelled.has(l.lineId));
    const built = this.build(o, cancelled);
    const now = this.clock.now();
    await m.query(
      `INSERT INTO fb_order (marketplace, order_id, released, customer, body, line_map, shipping_type_code,
                             unmapped_charges, released_at, next_attempt_at, state, cancel_requested, on_hold)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)`,
      [
        o.marketplace,
        o.orderId,
        JSON.stringify(o),
        JSON.stringify(built.customer),
        JSON.stringify(built.body),
        JSON.stringify(built.lineMap),
        o.shippingTypeCode ?? null,
        built.unmappedCharges,
        now,
        allCancelled ? 'cancelled' : 'pending',
        allCancelled,
        isHeld(o),
      ],
    );
    if (allCancelled) return 'cancelled';
    await this.raiseUnmapped(m, o.marketplace, o.orderId, built.unmappedCharges);
    return 'recorded';
  }

  private async rowOf(
    m: EntityManager,
    marketplace: string,
    orderId: string,
  ): Promise<{ state: string; on_hold: boolean; attempts: number; has_release: boolean } | undefined> {
    const [row] = returnedRows<{ state: string; on_hold: boolean; attempts: number; has_release: boolean }>(
      await m.query(
        `SELECT state, on_hold, attempts, release_body IS NOT NULL AS has_release FROM fb_order
         WHERE marketplace = $1 AND order_id = $2 FOR UPDATE`,
        [marketplace, orderId],
      ),
    );
    return row;
  }

  private async cancelledLines(m: EntityManager, marketplace: string, orderId: string): Promise<Set<string>> {
    const [c] = returnedRows<{ line_ids: string[] }>(
      await m.query(
        `SELECT line_ids FROM fb_marketplace_cancellation WHERE marketplace = $1 AND order_id = $2`,
        [marketplace, orderId],
      ),
    );
    return new Set(c?.line_ids ?? []);
  }

  /**
   * A release without an address the ERP can ship to is dead-lettered by the consumer (replayable once the
   * order is fixed); this records it for operations as well, in its own transaction (the consumer's rolls back).
   */
  async raiseAddressMissing(m: EntityManager, marketplace: string, orderId: string): Promise<void> {
    await this.exceptions.raise(m, {
      exceptionId: addressMissingId(marketplace, orderId),
      type: 'ORDER_ADDRESS_MISSING',
      owner: 'operations',
      marketplace,
      entities: [{ kind: 'order', id: `${marketplace}:${orderId}` }],
      reason: `Order ${orderId} was released for shipping without a shipping or billing address the ERP can use (missing, or a country it does not know); it is not in the ERP.`,
      resolution:
        'Complete the address on the marketplace (or add the country to the alpha-3 table), then replay the dead-lettered release event (orders.order.ready-for-fulfilment.v1.dlq).',
    });
  }

  async raiseUnmapped(
    m: EntityManager,
    marketplace: string,
    orderId: string,
    types: readonly string[],
  ): Promise<void> {
    for (const type of types)
      await this.exceptions.raise(m, {
        exceptionId: `UNMAPPED_CHARGE_TYPE:${marketplace}:${type}`,
        type: 'UNMAPPED_CHARGE_TYPE',
        owner: 'finance',
        marketplace,
        entities: [
          { kind: 'charge-type', id: type },
          { kind: 'order', id: `${marketplace}:${orderId}` },
        ],
        reason: `Marketplace charge type ${type} has no ERP charge item; it was posted on ${this.config.CHARGE_CATCH_ALL_ITEM} with its full amount.`,
        resolution: `Add ${type} to the charge mapping (src/charge-lines/charge-mapping.ts) and re-class the amounts already posted on ${this.config.CHARGE_CATCH_ALL_ITEM}.`,
      });
  }
}

const addressMissingId = (marketplace: string, orderId: string) =>
  `ORDER_ADDRESS_MISSING:${marketplace}:${orderId}`;
