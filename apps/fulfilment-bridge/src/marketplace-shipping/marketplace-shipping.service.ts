import { Inject, Injectable } from '@nestjs/common';
import { Topics } from '@seller-bridge/contracts';
import { MiraklApiError, type MiraklClient, type MiraklOrder } from '@seller-bridge/mirakl-client';
import {
  BACKBONE_LOGGER,
  CLOCK,
  OutboxWriter,
  type BackboneLogger,
  type Clock,
} from '@seller-bridge/service-kit';
import { DataSource, type EntityManager } from 'typeorm';
import { CarrierMappingService } from '../carrier-mapping/carrier-mapping.service';
import { carrierKey } from '../carrier-mapping/carrier-csv';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { returnedRows } from '../database/rows';
import { retryDelayMs } from '../erp-posting/retry-delay';
import { ExceptionLog } from '../exceptions/exception-log';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { FulfilmentBridgeMetrics } from '../metrics/fulfilment-bridge.metrics';
import { ParcelShipmentSender, ShipmentItemRefused } from './parcel-shipment.sender';
import { orderFullyShipped, type ShippedLine } from './shipment-completeness';

interface DueShipment {
  shipment_id: string;
  marketplace: string;
  order_id: string;
  carrier_name: string;
  tracking_number: string | null;
  lines: ShippedLine[];
  attempts: number;
  /** Set once an OR23/OR24 for this parcel was about to go out (committed first). */
  marketplace_write_at: Date | null;
  received_at: Date;
}

interface Shipped {
  s: DueShipment;
  code: string;
  outcome: 'sent' | 'already';
}

const SHIPPED_OR_LATER = new Set(['SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);
const BEFORE_SHIPPING = new Set(['STAGING', 'WAITING_ACCEPTANCE', 'WAITING_DEBIT', 'WAITING_DEBIT_PAYMENT']);
/** How long a shipment waits before looking again at an order not yet in SHIPPING. */
const NOT_YET_SHIPPING_MS = 5_000;

/**
 * Sends due shipments to the marketplace: carrier mapped (else held), tracking where the shipping type makes
 * it mandatory (else held), the order read first (OR11): only in SHIPPING. Where the marketplace allows
 * several shipments per order (`multiShipment`), each parcel goes out at once as its own shipment
 * (`ParcelShipmentSender`: ST01, ST24 if needed); elsewhere only once every line shipped, then OR23 (unless
 * the order already carries this tracking) and OR24. The client reads back before any resend.
 */
@Injectable()
export class MarketplaceShippingService {
  private readonly shippingTypes = new Map<string, { at: number; mandatory: Set<string> }>();
  private readonly parcels: ParcelShipmentSender;
  /** Marketplaces whose operator allows several shipments per order (configuration, decision 0011). */
  private readonly multiShipment: ReadonlySet<string>;

  constructor(
    private readonly ds: DataSource,
    private readonly mappings: CarrierMappingService,
    private readonly outbox: OutboxWriter,
    private readonly exceptions: ExceptionLog,
    private readonly metrics: FulfilmentBridgeMetrics,
    private readonly config: FulfilmentBridgeConfig,
    @Inject(MARKETPLACE_CLIENTS) private readonly clients: MarketplaceClients,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BACKBONE_LOGGER) private readonly logger: BackboneLogger,
  ) {
    this.parcels = new ParcelShipmentSender(ds, metrics);
    this.multiShipment = new Set(config.MARKETPLACES.filter((m) => m.multiShipment).map((m) => m.code));
  }

  async runDue(limit = this.config.WORKER_CONCURRENCY): Promise<number> {
    const now = this.clock.now();
    const due = await this.ds.transaction(async (m) =>
      returnedRows<DueShipment>(
        await m.query(
          `WITH due AS (
             SELECT shipment_id FROM fb_shipment WHERE state = 'pending' AND next_attempt_at <= $1
             ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           UPDATE fb_shipment s SET attempts = s.attempts + 1, next_attempt_at = $3
           FROM due WHERE s.shipment_id = due.shipment_id
           RETURNING s.shipment_id, s.marketplace, s.order_id, s.carrier_name, s.tracking_number, s.lines,
                     s.attempts, s.received_at, s.marketplace_write_at`,
          [now, limit, new Date(now.getTime() + 60_000)],
        ),
      ),
    );
    // One order's shipments one after the other: OR24 ships the whole order.
    const byOrder = new Map<string, DueShipment[]>();
    for (const s of due)
      byOrder.set(`${s.marketplace}:${s.order_id}`, [
        ...(byOrder.get(`${s.marketplace}:${s.order_id}`) ?? []),
        s,
      ]);
    const orders = await this.readOrders(due);
    const codes = new Map<string, Promise<string | undefined>>();
    const done: Shipped[] = [];
    await Promise.all(
      [...byOrder.values()].map(async (list) => {
        for (const s of list) await this.handle(s, orders, codes, done);
      }),
    );
    await this.recordShipped(done);
    return due.length;
  }

  /**
   * The orders of the claimed shipments, one OR11 call per marketplace (100 ids a page, chunked by the
   * client) rather than one per shipment. A marketplace that does not answer leaves its orders out: their
   * shipments read again one by one, and retry.
   */
  private async readOrders(due: DueShipment[]): Promise<Map<string, MiraklOrder>> {
    const out = await this.releasedOrders(due);
    const byMarketplace = new Map<string, Set<string>>();
    for (const s of due)
      if (!out.has(`${s.marketplace}:${s.order_id}`))
        byMarketplace.set(s.marketplace, (byMarketplace.get(s.marketplace) ?? new Set()).add(s.order_id));
    await Promise.all(
      [...byMarketplace].map(async ([mp, ids]) => {
        const client = this.clients.get(mp);
        if (!client) return;
        try {
          for await (const o of client.listOrders({ orderIds: [...ids] })) out.set(`${mp}:${o.order_id}`, o);
        } catch (err) {
          this.logger.warn(
            { marketplace: mp, err: (err as Error)?.message },
            'OR11 read of orders to ship failed',
          );
        }
      }),
    );
    return out;
  }

  /**
   * Orders this service holds as order-gateway released them (in SHIPPING, fraud and debit checks done) and
   * that no cancellation has touched since: their lines and shipping type are known, so they are not read
   * from Mirakl. OR11 shares one call a minute per shop with order-gateway's polling (Mirakl's limit), and a
   * read per batch of parcels would starve both. Anything else (an order never released here, a cancellation
   * on it, a shipment claimed again) is read from Mirakl as before. A state moved on Mirakl meanwhile shows
   * in OR23/OR24's answer, which is then read back (see `handle`).
   */
  private async releasedOrders(claimed: DueShipment[]): Promise<Map<string, MiraklOrder>> {
    const out = new Map<string, MiraklOrder>();
    // Not for a parcel an earlier try may have sent (a crash, an expired claim, a retry after OR23/OR24 went
    // out): its order is read from Mirakl, which may say SHIPPED (then it ends as `already`). A parcel whose
    // earlier tries never wrote to Mirakl (held, waiting, a batch cut short before its writes) keeps the
    // shortcut: reading it would cost an OR11 turn (one a minute) and hold up its whole batch.
    const due = claimed.filter((d) => d.attempts <= 1 || d.marketplace_write_at === null);
    if (due.length === 0) return out;
    const rows: {
      marketplace: string;
      order_id: string;
      released: { lines?: { lineId: string; sku: string; quantity: number }[] };
      shipping_type_code: string | null;
    }[] = await this.ds.query(
      `SELECT o.marketplace, o.order_id, o.released, o.shipping_type_code FROM fb_order o
       JOIN unnest($1::text[], $2::text[]) AS d(marketplace, order_id)
         ON o.marketplace = d.marketplace AND o.order_id = d.order_id
       WHERE o.state = 'posted' AND NOT o.cancel_requested
         AND NOT EXISTS (SELECT 1 FROM fb_marketplace_cancellation c
                         WHERE c.marketplace = o.marketplace AND c.order_id = o.order_id)`,
      [due.map((d) => d.marketplace), due.map((d) => d.order_id)],
    );
    for (const r of rows) {
      const lines = r.released.lines ?? [];
      if (lines.length === 0) continue;
      out.set(`${r.marketplace}:${r.order_id}`, {
        order_id: r.order_id,
        order_state: 'SHIPPING',
        shipping_type_code: r.shipping_type_code,
        shipping_tracking: null,
        order_lines: lines.map((l) => ({
          order_line_id: l.lineId,
          offer_sku: l.sku,
          quantity: l.quantity,
          order_line_state: 'SHIPPING',
          cancelations: [],
        })),
      } as unknown as MiraklOrder);
    }
    return out;
  }

  private async handle(
    s: DueShipment,
    orders: ReadonlyMap<string, MiraklOrder>,
    codes: Map<string, Promise<string | undefined>>,
    done: Shipped[],
  ): Promise<void> {
    const client = this.clients.get(s.marketplace);
    if (!client) return this.fail(s, `marketplace ${s.marketplace} is not configured`, false);
    let code: string | undefined;
    try {
      const codeKey = `${s.marketplace}|${carrierKey(s.carrier_name)}`;
      if (!codes.has(codeKey))
        codes.set(codeKey, this.mappings.codeFor(this.ds.manager, s.marketplace, s.carrier_name));
      code = await codes.get(codeKey);
      if (!code) return await this.hold(s, 'UNMAPPED_CARRIER');
      const order = orders.get(`${s.marketplace}:${s.order_id}`) ?? (await client.getOrder(s.order_id));
      if (!order) return await this.retry(s, `order ${s.order_id} not found on ${s.marketplace}`);
      if (SHIPPED_OR_LATER.has(order.order_state)) return void done.push({ s, code, outcome: 'already' });
      if (order.order_state === 'CANCELED' || order.order_state === 'REFUSED')
        return await this.shippedButCancelled(s, order.order_state);
      if (order.order_state !== 'SHIPPING') {
        // Before SHIPPING (debit pending) OR24 would be refused: look again later, less and less often.
        const wait = Math.min(this.config.RETRY_MAX_MS, NOT_YET_SHIPPING_MS * s.attempts);
        const note = BEFORE_SHIPPING.has(order.order_state)
          ? 'not SHIPPING yet'
          : 'in a state this service does not ship from';
        return await this.retry(s, `order is ${order.order_state}, ${note}`, wait);
      }
      if (
        !s.tracking_number &&
        (await this.trackingMandatory(client, s.marketplace, order.shipping_type_code))
      )
        return await this.hold(s, 'MISSING_TRACKING', order.shipping_type_code ?? undefined);
      if (this.multiShipment.has(s.marketplace))
        return void done.push({
          s,
          code,
          outcome: (await this.parcels.send(client, s, code, order)).outcome,
        });
      // Parcels of one order may be handled at once by two lanes or replicas: only parcels already done
      // (waiting or shipped) count, and a parcel that would wait re-checks under the order's lock, so exactly
      // one parcel, the last, sends OR23/OR24.
      const others = await this.doneParcels(this.ds.manager, s);
      if (!orderFullyShipped(order, [s.lines, ...others])) return await this.waitForOtherParcels(s, order);
      if (s.marketplace_write_at === null)
        await this.ds.query(`UPDATE fb_shipment SET marketplace_write_at = now() WHERE shipment_id = $1`, [
          s.shipment_id,
        ]);
      if (s.tracking_number && order.shipping_tracking !== s.tracking_number) {
        const r = await client.updateTracking(s.order_id, {
          carrierCode: code,
          trackingNumber: s.tracking_number,
        });
        this.metrics.miraklWrites.inc({
          marketplace: s.marketplace,
          operation: 'OR23',
          outcome: r.outcome === 'sent' ? 'sent' : 'already',
        });
      }
      const shipped = await client.shipOrder(s.order_id);
      this.metrics.miraklWrites.inc({
        marketplace: s.marketplace,
        operation: 'OR24',
        outcome: shipped.outcome === 'sent' ? 'sent' : 'already',
      });
      done.push({ s, code, outcome: shipped.outcome === 'sent' ? 'sent' : 'already' });
    } catch (err) {
      if (err instanceof ShipmentItemRefused) return this.fail(s, err.message, true);
      if (err instanceof MiraklApiError) {
        this.metrics.miraklWrites.inc({
          marketplace: s.marketplace,
          operation: err.operation,
          outcome: err.transient ? 'error' : 'refused',
        });
        if (!err.transient) {
          // Refused: the order may have moved on since it was read (shipped by an earlier try of this
          // parcel, or by hand in Mirakl's back office). Read it before calling it a failure.
          const now = await client.getOrder(s.order_id).catch(() => undefined);
          if (code && now && SHIPPED_OR_LATER.has(now.order_state))
            return void done.push({ s, code, outcome: 'already' });
          return this.fail(s, err.message, true);
        }
      }
      await this.retry(s, err instanceof Error ? err.message : String(err));
    }
  }

  private async trackingMandatory(
    client: MiraklClient,
    marketplace: string,
    type: string | null | undefined,
  ): Promise<boolean> {
    if (!type) return false;
    const cached = this.shippingTypes.get(marketplace);
    let mandatory = cached?.mandatory;
    if (!cached || this.clock.now().getTime() - cached.at > 10 * 60_000) {
      const types = await client.listShippingTypes();
      mandatory = new Set(types.filter((t) => t.mandatory_tracking).map((t) => t.code));
      this.shippingTypes.set(marketplace, { at: this.clock.now().getTime(), mandatory });
    }
    return mandatory!.has(type);
  }

  private async hold(
    s: DueShipment,
    reason: 'UNMAPPED_CARRIER' | 'MISSING_TRACKING',
    shippingType?: string,
  ): Promise<void> {
    const heldAfterAll = await this.ds.transaction(async (m) => {
      if (reason === 'UNMAPPED_CARRIER') {
        // A mapping written since this batch read it has already released its held parcels: look again under
        // the carrier's lock, and go out now instead of waiting for a release that has passed.
        await this.mappings.lockCarrier(m, s.marketplace, s.carrier_name);
        if (await this.mappings.codeFor(m, s.marketplace, s.carrier_name)) {
          await m.query(`UPDATE fb_shipment SET next_attempt_at = $2 WHERE shipment_id = $1`, [
            s.shipment_id,
            this.clock.now(),
          ]);
          return false;
        }
      }
      await m.query(
        `UPDATE fb_shipment SET state = 'held', hold_reason = $2, last_error = NULL WHERE shipment_id = $1`,
        [s.shipment_id, reason],
      );
      if (reason === 'UNMAPPED_CARRIER')
        await this.exceptions.raise(m, {
          exceptionId: `UNMAPPED_CARRIER:${s.marketplace}:${carrierKey(s.carrier_name)}`,
          type: 'UNMAPPED_CARRIER',
          owner: 'operations',
          marketplace: s.marketplace,
          entities: [
            { kind: 'carrier', id: s.carrier_name },
            { kind: 'shipment', id: s.shipment_id },
            { kind: 'order', id: `${s.marketplace}:${s.order_id}` },
          ],
          reason: `The warehouse carrier "${s.carrier_name}" has no carrier code on ${s.marketplace}; its shipments are held.`,
          resolution: `Map it (PUT /carrier-mappings/${s.marketplace} or CSV import) to a code of the marketplace's carrier list; held shipments then go out by themselves.`,
        });
      else
        await this.exceptions.raise(m, {
          exceptionId: `MISSING_TRACKING:${s.marketplace}:${s.shipment_id}`,
          type: 'MISSING_TRACKING',
          owner: 'operations',
          marketplace: s.marketplace,
          entities: [
            { kind: 'shipment', id: s.shipment_id },
            { kind: 'order', id: `${s.marketplace}:${s.order_id}` },
          ],
          reason: `Shipment ${s.shipment_id} has no tracking number, and shipping type ${shippingType} requires one.`,
          resolution: `Give the tracking number (PUT /shipments/${s.shipment_id}/tracking, or the warehouse confirms again with it); the shipment then goes out by itself.`,
        });
      return true;
    });
    if (!heldAfterAll) return;
    this.metrics.shipments.inc({ marketplace: s.marketplace, outcome: 'held' });
    this.logger.warn(
      { marketplace: s.marketplace, orderId: s.order_id, shipmentId: s.shipment_id, reason },
      'shipment held',
    );
  }

  /**
   * Records the shipments of a batch that reached SHIPPED (and the waiting parcels of their orders) and their
   * `fulfilment.order.shipped.v1` events in one transaction. A crash before it leaves them claimed: they come
   * back after the claim, read SHIPPED, and are recorded as `already`.
   */
  private async recordShipped(done: Shipped[]): Promise<void> {
    if (done.length === 0) return;
    const now = this.clock.now();
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE fb_shipment s SET state = 'shipped', carrier_code = u.code, done_at = $1, last_error = NULL
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, mp, order_id, code)
         WHERE s.shipment_id = u.id OR (s.marketplace = u.mp AND s.order_id = u.order_id AND s.state = 'waiting_parcels')`,
        [
          now,
          done.map((d) => d.s.shipment_id),
          done.map((d) => d.s.marketplace),
          done.map((d) => d.s.order_id),
          done.map((d) => d.code),
        ],
      );
      await this.outbox.emitMany(
        m,
        done.map(({ s, code }) => ({
          topic: Topics.orderShippedOnMarketplace,
          payload: {
            marketplace: s.marketplace,
            orderId: s.order_id,
            shipmentId: s.shipment_id,
            carrierCode: code,
            ...(s.tracking_number ? { trackingNumber: s.tracking_number } : {}),
            shippedAt: now.toISOString(),
          },
        })),
      );
      // Only a shipment claimed again (after a hold or a failure) can have an exception open.
      for (const { s } of done.filter((d) => d.s.attempts > 1))
        await this.exceptions.resolve(
          m,
          `MISSING_TRACKING:${s.marketplace}:${s.shipment_id}`,
          'MISSING_TRACKING',
          'shipped with tracking',
        );
    });
    for (const { s, code, outcome } of done) {
      this.metrics.shipments.inc({ marketplace: s.marketplace, outcome });
      this.metrics.shipmentLatency.observe(
        { marketplace: s.marketplace },
        (now.getTime() - new Date(s.received_at).getTime()) / 1000,
      );
      this.logger.info(
        {
          marketplace: s.marketplace,
          orderId: s.order_id,
          shipmentId: s.shipment_id,
          carrierCode: code,
          outcome,
        },
        'shipped on the marketplace',
      );
    }
  }

  /** The warehouse shipped an order the marketplace no longer has: a parcel is on its way for nothing. */
  private async shippedButCancelled(s: DueShipment, state: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE fb_shipment SET state = 'cancelled', last_error = $2, done_at = $3 WHERE shipment_id = $1`,
        [s.shipment_id, `order is ${state} on the marketplace`, this.clock.now()],
      );
      await this.exceptions.raise(m, {
        exceptionId: `SHIPPED_AFTER_CANCEL:${s.marketplace}:${s.shipment_id}`,
        type: 'SHIPPED_AFTER_CANCEL',
        owner: 'operations',
        marketplace: s.marketplace,
        entities: [
          { kind: 'shipment', id: s.shipment_id },
          { kind: 'order', id: `${s.marketplace}:${s.order_id}` },
        ],
        reason: `The warehouse shipped ${s.shipment_id} for order ${s.order_id}, which is ${state} on the marketplace.`,
        resolution:
          'Intercept the parcel with the carrier or arrange its return; nothing is sent to the marketplace.',
      });
    });
    this.metrics.shipments.inc({ marketplace: s.marketplace, outcome: 'cancelled' });
  }

  private async doneParcels(m: EntityManager, s: DueShipment): Promise<ShippedLine[][]> {
    const rows = returnedRows<{ lines: ShippedLine[] }>(
      await m.query(
        `SELECT lines FROM fb_shipment WHERE marketplace = $1 AND order_id = $2 AND shipment_id <> $3
           AND state IN ('waiting_parcels', 'shipped')`,
        [s.marketplace, s.order_id, s.shipment_id],
      ),
    );
    return rows.map((r) => r.lines);
  }

  /** Waits for the order's other parcels, unless one finished meanwhile: then this one goes again at once. */
  private async waitForOtherParcels(s: DueShipment, order: MiraklOrder): Promise<void> {
    const now = this.clock.now();
    const state = await this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`fb-ship:${s.marketplace}:${s.order_id}`]);
      const complete = orderFullyShipped(order, [s.lines, ...(await this.doneParcels(m, s))]);
      await m.query(
        complete
          ? `UPDATE fb_shipment SET next_attempt_at = $2, last_error = NULL WHERE shipment_id = $1`
          : `UPDATE fb_shipment SET state = 'waiting_parcels', last_error = 'waiting for the other parcels of the order',
                    done_at = $2 WHERE shipment_id = $1`,
        [s.shipment_id, now],
      );
      return complete ? 'again' : 'waiting_parcels';
    });
    this.metrics.shipments.inc({
      marketplace: s.marketplace,
      outcome: state === 'again' ? 'retry' : 'waiting_parcels',
    });
  }

  private async retry(s: DueShipment, message: string, delayMs?: number): Promise<void> {
    const delay = delayMs ?? retryDelayMs(s.attempts, this.config.RETRY_BASE_MS, this.config.RETRY_MAX_MS);
    await this.ds.query(
      `UPDATE fb_shipment SET next_attempt_at = $2, last_error = $3 WHERE shipment_id = $1`,
      [s.shipment_id, new Date(this.clock.now().getTime() + delay), message],
    );
    this.metrics.shipments.inc({ marketplace: s.marketplace, outcome: 'retry' });
  }

  private async fail(s: DueShipment, message: string, raise: boolean): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(`UPDATE fb_shipment SET state = 'failed', last_error = $2 WHERE shipment_id = $1`, [
        s.shipment_id,
        message,
      ]);
      if (raise)
        await this.exceptions.raise(m, {
          exceptionId: `SHIPPING_REFUSED:${s.marketplace}:${s.shipment_id}`,
          type: 'MARKETPLACE_SHIPPING_REFUSED',
          owner: 'operations',
          marketplace: s.marketplace,
          entities: [
            { kind: 'shipment', id: s.shipment_id },
            { kind: 'order', id: `${s.marketplace}:${s.order_id}` },
          ],
          reason: message,
          resolution:
            'Check the order on the marketplace back office and mark it shipped there, or fix the cause and re-queue.',
        });
    });
    this.metrics.shipments.inc({ marketplace: s.marketplace, outcome: 'failed' });
    this.logger.warn(
      { marketplace: s.marketplace, orderId: s.order_id, shipmentId: s.shipment_id, err: message },
      'shipment failed',
    );
  }
}
