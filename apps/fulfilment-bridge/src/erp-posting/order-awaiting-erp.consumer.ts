import { Injectable } from '@nestjs/common';
import { Topics, type EventEnvelope, type OrderAwaitingErpConfirmation } from '@seller-bridge/contracts';
import { ConsumesEvent, type HandlerContext } from '@seller-bridge/service-kit';
import { OrderIntake } from './order-intake.service';

/**
 * `orders.order.awaiting-erp-confirmation.v1` (AFTER_ERP_CONFIRMATION) → an order to post **on hold**; the
 * posting worker posts it and publishes `fulfilment.order.posted.v1`, on which order-gateway accepts.
 */
@Injectable()
export class OrderAwaitingErpConsumer {
  constructor(private readonly intake: OrderIntake) {}

  @ConsumesEvent(Topics.orderAwaitingErpConfirmation)
  async onAwaitingErp(
    event: EventEnvelope<OrderAwaitingErpConfirmation>,
    ctx: HandlerContext,
  ): Promise<void> {
    await this.intake.recordHeld(ctx.manager, event.payload);
  }
}
