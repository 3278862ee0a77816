import { Injectable } from '@nestjs/common';
import { Topics, type EventEnvelope, type OrderReadyForFulfilment } from '@seller-bridge/contracts';
import { ConsumesEvent, type HandlerContext } from '@seller-bridge/service-kit';
import { OrderIntake } from './order-intake.service';

/** `orders.order.ready-for-fulfilment.v1` → an order to post (the posting itself is the worker's, off Kafka). */
@Injectable()
export class OrderReleasedConsumer {
  constructor(private readonly intake: OrderIntake) {}

  @ConsumesEvent(Topics.orderReadyForFulfilment)
  async onReleased(event: EventEnvelope<OrderReadyForFulfilment>, ctx: HandlerContext): Promise<void> {
    await this.intake.record(ctx.manager, event.payload);
  }
}
