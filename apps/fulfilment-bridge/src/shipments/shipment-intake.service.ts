import { Inject, Injectable } from '@nestjs/common';
import type { ShipmentConfirmed } from '@seller-bridge/contracts';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import type { EntityManager } from 'typeorm';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';

/**
 * Records a warehouse shipment as work for the marketplace (one row per shipment id: a shipment seen twice,
 * from the feed and from Kafka, is one row). A confirmation repeated with a tracking number releases a
 * shipment held for missing tracking.
 */
@Injectable()
export class ShipmentIntake {
  constructor(
    private readonly config: FulfilmentBridgeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(
    m: EntityManager,
    s: ShipmentConfirmed,
  ): Promise<'recorded' | 'updated' | 'known' | 'not-ours'> {
    if (!this.config.MARKETPLACES.some((x) => x.code === s.marketplace)) return 'not-ours';
    const now = this.clock.now();
    const rows = (await m.query(
      `INSERT INTO fb_shipment (shipment_id, marketplace, order_id, carrier_name, tracking_number, tracking_url,
                                shipped_at, lines, received_at, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (shipment_id) DO UPDATE
         SET tracking_number = EXCLUDED.tracking_number, tracking_url = EXCLUDED.tracking_url,
             state = 'pending', hold_reason = NULL, next_attempt_at = EXCLUDED.received_at
         WHERE fb_shipment.state = 'held' AND fb_shipment.hold_reason = 'MISSING_TRACKING'
           AND EXCLUDED.tracking_number IS NOT NULL
       RETURNING (xmax = 0) AS inserted`,
      [
        s.shipmentId,
        s.marketplace,
        s.orderId,
        s.carrierName,
        s.trackingNumber?.trim() || null,
        s.trackingUrl ?? null,
        new Date(s.shippedAt),
        JSON.stringify(s.lines),
        now,
      ],
    )) as { inserted: boolean }[];
    if (rows.length === 0) return 'known';
    return rows[0].inserted ? 'recorded' : 'updated';
  }
}
