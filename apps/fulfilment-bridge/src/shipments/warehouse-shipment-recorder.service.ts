import { Injectable } from '@nestjs/common';
import { MARKETPLACE_CODE, Topics } from '@seller-bridge/contracts';
import { OutboxWriter } from '@seller-bridge/service-kit';
import type { EntityManager } from 'typeorm';
import type { WarehouseShipment } from '../backoffice/backoffice-client';
import { returnedRows } from '../database/rows';
import type { PostedLine } from '../erp-posting/sales-order-body';
import { ShipmentIntake } from './shipment-intake.service';
import { toShipmentConfirmed } from './warehouse-shipment';

/**
 * A shipment from the warehouse (feed or webhook) → a shipment to send, and `backoffice.shipment.confirmed.v1`
 * for internal systems, in the caller's transaction. Seen twice (feed and webhook), it is recorded once.
 */
@Injectable()
export class WarehouseShipmentRecorder {
  constructor(
    private readonly intake: ShipmentIntake,
    private readonly outbox: OutboxWriter,
  ) {}

  async record(m: EntityManager, s: WarehouseShipment): Promise<boolean> {
    const mp = s.external_reference?.marketplace;
    if (!mp || !MARKETPLACE_CODE.test(mp) || !s.external_reference.order_id) return false; // not a marketplace order
    const [order] = returnedRows<{ line_map: PostedLine[] }>(
      await m.query(`SELECT line_map FROM fb_order WHERE marketplace = $1 AND order_id = $2`, [
        mp,
        s.external_reference.order_id,
      ]),
    );
    const event = toShipmentConfirmed(s, order?.line_map);
    const outcome = await this.intake.record(m, event);
    if (outcome !== 'recorded' && outcome !== 'updated') return false;
    await this.outbox.emit(m, Topics.shipmentConfirmed, event);
    return true;
  }
}
