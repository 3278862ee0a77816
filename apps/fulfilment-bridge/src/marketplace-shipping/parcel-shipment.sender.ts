import type { MiraklClient, MiraklOrder, MiraklShipment, NewShipment } from '@seller-bridge/mirakl-client';
import type { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows';
import type { FulfilmentBridgeMetrics } from '../metrics/fulfilment-bridge.metrics';
import type { ShippedLine } from './shipment-completeness';

/** A warehouse parcel as the shipping worker claimed it. */
export interface Parcel {
  shipment_id: string;
  marketplace: string;
  order_id: string;
  tracking_number: string | null;
  lines: ShippedLine[];
  attempts: number;
}

/** Mirakl refused this parcel's shipment in a successful answer (per-item error): not worth retrying as is. */
export class ShipmentItemRefused extends Error {
  readonly code = 'MARKETPLACE_SHIPMENT_REFUSED';
  constructor(
    readonly operation: 'ST01' | 'ST24',
    readonly parcelId: string,
    message: string,
  ) {
    super(`${operation} refused parcel ${parcelId}: ${message}`);
  }
}

const SHIPPED_OR_LATER = new Set(['SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);

/**
 * Where the marketplace allows several shipments per order: one warehouse parcel, one marketplace shipment
 * (ST01 with its lines, quantities, carrier code and tracking, `shipped` at creation; ST24 only if it is
 * still SHIPPING). Exactly once per parcel, whatever the replicas do:
 *
 * - the parcel's id travels as the `package_reference` of its lines, so Mirakl's ST11 shows which shipment
 *   is this parcel's;
 * - the shipment is created under the order's advisory lock (the one the OR24 path takes), after looking at
 *   what this service recorded (`marketplace_shipment_id`, committed with the lock held) and, when an
 *   earlier attempt may have sent it (`attempts > 1`: a crash, a lost answer, a claim that expired), at
 *   ST11. A second worker with the same parcel waits for the lock, then finds the id;
 * - the Mirakl client reads a lost ST01/ST24 answer back with ST11 and never repeats a write that landed.
 */
export class ParcelShipmentSender {
  constructor(
    private readonly ds: DataSource,
    private readonly metrics: FulfilmentBridgeMetrics,
  ) {}

  async send(
    client: MiraklClient,
    p: Parcel,
    carrierCode: string,
    order?: MiraklOrder,
  ): Promise<{ outcome: 'sent' | 'already'; marketplaceShipmentId: string }> {
    const { shipment, created } = await this.ensureCreated(client, p, carrierCode, order);
    if (shipment.status !== 'SHIPPING')
      return { outcome: created ? 'sent' : 'already', marketplaceShipmentId: shipment.id };
    const v = await client.validateShipments([{ id: shipment.id, orderId: p.order_id }]);
    this.count(
      p,
      'ST24',
      v.shipped.length > 0 ? 'sent' : v.alreadyShipped.length > 0 ? 'already' : 'refused',
    );
    if (v.errors.length > 0) {
      // Another worker may have validated it a moment ago: shipped is shipped.
      const now = await this.find(client, p, shipment.id);
      if (!now || !SHIPPED_OR_LATER.has(now.status))
        throw new ShipmentItemRefused('ST24', p.shipment_id, v.errors[0].message);
    }
    return {
      outcome: created || v.shipped.length > 0 ? 'sent' : 'already',
      marketplaceShipmentId: shipment.id,
    };
  }

  /** The parcel's marketplace shipment: found (recorded, or on ST11 after an earlier attempt) or created. */
  private async ensureCreated(
    client: MiraklClient,
    p: Parcel,
    carrierCode: string,
    order?: MiraklOrder,
  ): Promise<{ shipment: MiraklShipment; created: boolean }> {
    return this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`fb-ship:${p.marketplace}:${p.order_id}`]);
      const [row] = returnedRows<{ marketplace_shipment_id: string | null }>(
        await m.query(`SELECT marketplace_shipment_id FROM fb_shipment WHERE shipment_id = $1`, [
          p.shipment_id,
        ]),
      );
      const recorded = row?.marketplace_shipment_id ?? undefined;
      const found = recorded || p.attempts > 1 ? await this.find(client, p, recorded) : undefined;
      if (found) {
        if (!recorded) await this.record(m, p, found.id);
        return { shipment: found, created: false };
      }
      const r = await client.createShipments([this.request(p, carrierCode, order)]);
      const shipment = r.created[0] ?? r.alreadyCreated[0];
      this.count(p, 'ST01', r.created.length > 0 ? 'sent' : shipment ? 'already' : 'refused');
      if (!shipment)
        throw new ShipmentItemRefused(
          'ST01',
          p.shipment_id,
          r.errors[0]?.message ?? 'no shipment in the answer',
        );
      await this.record(m, p, shipment.id);
      return { shipment, created: r.created.length > 0 };
    });
  }

  /**
   * ST01's request: the parcel's lines by Mirakl line id. A line the warehouse named by SKU only is given the
   * id of the order's one line with that SKU; with several, the SKU goes as it is (Mirakl deprecates
   * `offer_sku` and refuses it where it is ambiguous: the parcel then fails with the reason).
   */
  private request(p: Parcel, carrierCode: string, order?: MiraklOrder): NewShipment {
    const lineOfSku = (sku: string) => {
      const lines = (order?.order_lines ?? []).filter((l) => l.offer_sku === sku);
      return lines.length === 1 ? lines[0].order_line_id : undefined;
    };
    return {
      orderId: p.order_id,
      lines: p.lines.map((l) => ({
        ...(!l.lineId.startsWith('sku:')
          ? { orderLineId: l.lineId }
          : lineOfSku(l.sku)
            ? { orderLineId: lineOfSku(l.sku) }
            : { offerSku: l.sku }),
        quantity: l.quantity,
        packageReference: p.shipment_id,
      })),
      tracking: { carrierCode, ...(p.tracking_number ? { trackingNumber: p.tracking_number } : {}) },
      shipped: true,
    };
  }

  /** The parcel's shipment on ST11: by the id recorded, else by the parcel id in its lines' package reference. */
  private async find(client: MiraklClient, p: Parcel, id?: string): Promise<MiraklShipment | undefined> {
    for await (const s of client.listShipments({ orderIds: [p.order_id] })) {
      if (s.status === 'CANCELED') continue;
      if (id ? s.id === id : (s.shipment_lines ?? []).some((l) => l.package_reference === p.shipment_id))
        return s;
    }
    return undefined;
  }

  private async record(m: { query: DataSource['query'] }, p: Parcel, id: string): Promise<void> {
    await m.query(`UPDATE fb_shipment SET marketplace_shipment_id = $2 WHERE shipment_id = $1`, [
      p.shipment_id,
      id,
    ]);
  }

  private count(p: Parcel, operation: 'ST01' | 'ST24', outcome: 'sent' | 'already' | 'refused'): void {
    this.metrics.miraklWrites.inc({ marketplace: p.marketplace, operation, outcome });
  }
}
