import { Inject, Injectable } from '@nestjs/common';
import type { OrderReadyForFulfilment } from '@seller-bridge/contracts';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import type { EntityManager } from 'typeorm';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { returnedRows } from '../database/rows';
import { ExceptionLog } from '../exceptions/exception-log';
import { buildSalesOrder, type BuiltSalesOrder } from './sales-order-body';

/** Serialises the events of one marketplace order (release, cancellation) across consumers and replicas. */
export async function lockOrder(m: EntityManager, marketplace: string, orderId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`fb-order:${marketplace}:${orderId}`]);
}

/**
 * Records a released order as work to post (one row per marketplace order: a redelivered or duplicated
 * release event finds the row and changes nothing). The body is built here, once, and stored: every retry
 * sends exactly these bytes under the same Idempotency-Key. Lines the marketplace already cancelled (the
 * cancellation may arrive first) are left out; an order with every line cancelled is never posted.
 */
@Injectable()
export class OrderIntake {
  constructor(
    private readonly config: FulfilmentBridgeConfig,
    private readonly exceptions: ExceptionLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The customer and sales order for the order's lines that are not cancelled. */
  build(o: OrderReadyForFulfilment, cancelledLineIds: ReadonlySet<string> = new Set()): BuiltSalesOrder {
    const mp = this.config.MARKETPLACES.find((x) => x.code === o.marketplace);
    const lines = o.lines.filter((l) => !cancelledLineIds.has(l.lineId));
    return buildSalesOrder(
      { ...o, lines: lines.length ? lines : o.lines },
      { defaultTaxRate: mp?.defaultTaxRate ?? '20.00', catchAllItem: this.config.CHARGE_CATCH_ALL_ITEM },
    );
  }

  async record(
    m: EntityManager,
    o: OrderReadyForFulfilment,
  ): Promise<'recorded' | 'known' | 'cancelled' | 'not-ours'> {
    // Another deployment's marketplace on a shared broker: not ours to post (see the runbook).
    if (!this.config.MARKETPLACES.some((x) => x.code === o.marketplace)) return 'not-ours';
    await lockOrder(m, o.marketplace, o.orderId);
    const [known] = returnedRows(
      await m.query(`SELECT 1 FROM fb_order WHERE marketplace = $1 AND order_id = $2`, [
        o.marketplace,
        o.orderId,
      ]),
    );
    if (known) return 'known';
    const [c] = returnedRows<{ line_ids: string[] }>(
      await m.query(
        `SELECT line_ids FROM fb_marketplace_cancellation WHERE marketplace = $1 AND order_id = $2`,
        [o.marketplace, o.orderId],
      ),
    );
    const cancelled = new Set(c?.line_ids ?? []);
    const allCancelled = o.lines.every((l) => cancelled.has(l.lineId));
    const built = this.build(o, cancelled);
    const now = this.clock.now();
    await m.query(
      `INSERT INTO fb_order (marketplace, order_id, released, customer, body, line_map, shipping_type_code,
                             unmapped_charges, released_at, next_attempt_at, state, cancel_requested)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)`,
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
      ],
    );
    if (allCancelled) return 'cancelled';
    await this.raiseUnmapped(m, o.marketplace, o.orderId, built.unmappedCharges);
    return 'recorded';
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
