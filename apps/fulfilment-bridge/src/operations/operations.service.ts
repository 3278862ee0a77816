import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/rows';

export interface HeldShipment {
  shipmentId: string;
  marketplace: string;
  orderId: string;
  carrierName: string;
  reason: string;
  receivedAt: string;
}

/** What operations do by hand: see held work, give a missing tracking number, re-queue a refused order. */
@Injectable()
export class OperationsService {
  constructor(
    private readonly ds: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async heldShipments(marketplace?: string): Promise<HeldShipment[]> {
    const rows = returnedRows<Record<string, string | Date>>(
      await this.ds.query(
        `SELECT shipment_id, marketplace, order_id, carrier_name, hold_reason, received_at FROM fb_shipment
         WHERE state = 'held' AND ($1::text IS NULL OR marketplace = $1) ORDER BY received_at LIMIT 1000`,
        [marketplace ?? null],
      ),
    );
    return rows.map((r) => ({
      shipmentId: String(r.shipment_id),
      marketplace: String(r.marketplace),
      orderId: String(r.order_id),
      carrierName: String(r.carrier_name),
      reason: String(r.hold_reason),
      receivedAt: new Date(r.received_at).toISOString(),
    }));
  }

  /** Gives a held (or not yet sent) shipment its tracking number; a shipment held for it goes out. */
  async setTracking(shipmentId: string, trackingNumber: string): Promise<boolean> {
    const rows = returnedRows(
      await this.ds.query(
        `UPDATE fb_shipment SET tracking_number = $2,
                state = CASE WHEN state = 'held' AND hold_reason = 'MISSING_TRACKING' THEN 'pending' ELSE state END,
                hold_reason = CASE WHEN state = 'held' AND hold_reason = 'MISSING_TRACKING' THEN NULL ELSE hold_reason END,
                next_attempt_at = $3
         WHERE shipment_id = $1 AND state IN ('held', 'pending', 'waiting_parcels') RETURNING shipment_id`,
        [shipmentId, trackingNumber, this.clock.now()],
      ),
    );
    return rows.length > 0;
  }

  /** Puts an order the ERP refused back in the queue (after the cause was fixed in the ERP). */
  async requeueOrder(marketplace: string, orderId: string): Promise<boolean> {
    const rows = returnedRows(
      await this.ds.query(
        `UPDATE fb_order SET state = 'pending', next_attempt_at = $3, last_error = NULL
         WHERE marketplace = $1 AND order_id = $2 AND state = 'failed' RETURNING order_id`,
        [marketplace, orderId, this.clock.now()],
      ),
    );
    return rows.length > 0;
  }

  /** Held shipments per marketplace (for the gauge). */
  async heldCounts(): Promise<Map<string, number>> {
    const rows = returnedRows<{ marketplace: string; n: number }>(
      await this.ds.query(
        `SELECT marketplace, count(*)::int AS n FROM fb_shipment WHERE state = 'held' GROUP BY marketplace`,
      ),
    );
    return new Map(rows.map((r) => [r.marketplace, r.n]));
  }
}
