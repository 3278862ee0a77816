import { Injectable } from '@nestjs/common';
import { Topics, type EventEnvelope, type ShipmentConfirmed } from '@seller-bridge/contracts';
import { ConsumesEvent, type BatchHandlerContext } from '@seller-bridge/service-kit';
import { ShipmentIntake } from './shipment-intake.service';

/** `backoffice.shipment.confirmed.v1` (internal systems, and our own feed reader) → a shipment to send. */
@Injectable()
export class ShipmentConfirmedConsumer {
  constructor(private readonly intake: ShipmentIntake) {}

  /** A chunk of confirmations in one transaction (one inbox insert, one commit): the warehouse sends bursts. */
  @ConsumesEvent(Topics.shipmentConfirmed, { batch: true })
  async onConfirmed(events: EventEnvelope<ShipmentConfirmed>[], ctx: BatchHandlerContext): Promise<void> {
    for (const e of events) await this.intake.record(ctx.manager, e.payload);
  }
}
