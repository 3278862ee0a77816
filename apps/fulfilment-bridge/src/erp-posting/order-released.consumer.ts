import { Injectable } from '@nestjs/common';
import { Topics, type EventEnvelope, type OrderReadyForFulfilment } from '@seller-bridge/contracts';
import { ConsumesEvent, type HandlerContext } from '@seller-bridge/service-kit';
import { DataSource } from 'typeorm';
import { OrderIntake } from './order-intake.service';
import { OrderAddressMissingError } from './sales-order-body';

/**
 * `orders.order.ready-for-fulfilment.v1` → an order to post, or the release of the one posted on hold (the
 * posting itself is the worker's, off Kafka). A release without a usable address is dead-lettered (the error
 * is permanent) and recorded as an exception for operations, in a transaction of its own: the handler's own
 * transaction rolls back with the failure.
 */
@Injectable()
export class OrderReleasedConsumer {
  constructor(
    private readonly intake: OrderIntake,
    private readonly ds: DataSource,
  ) {}

  @ConsumesEvent(Topics.orderReadyForFulfilment)
  async onReleased(event: EventEnvelope<OrderReadyForFulfilment>, ctx: HandlerContext): Promise<void> {
    try {
      await this.intake.record(ctx.manager, event.payload);
    } catch (err) {
      if (err instanceof OrderAddressMissingError)
        await this.ds.transaction((m) =>
          this.intake.raiseAddressMissing(m, event.payload.marketplace, event.payload.orderId),
        );
      throw err;
    }
  }
}
