import { Inject, Injectable } from '@nestjs/common';
import type { BackboneLogger as Logger } from '@seller-bridge/service-kit';
import {
  Topics,
  type EventEnvelope,
  type OrderReceived,
  type OrderStateChanged,
} from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  CLOCK,
  ConsumesEvent,
  OutboxWriter,
  type Clock,
  type HandlerContext,
} from '@seller-bridge/service-kit';
import { DemoOrder } from './demo-order.entity';

/**
 * The other half of the round trip: consumes the orders the simulator published, marks them seen in the
 * same transaction as the inbox entry, and emits a state change, so one order makes two hops on the backbone.
 */
@Injectable()
export class OrderReceivedConsumer {
  handled = 0;
  stateChanges = 0;

  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BACKBONE_LOGGER) private readonly logger: Logger,
  ) {}

  @ConsumesEvent(Topics.orderReceived)
  async onOrderReceived(event: EventEnvelope<OrderReceived>, ctx: HandlerContext): Promise<void> {
    const o = event.payload;
    await ctx.manager.update(
      DemoOrder,
      { marketplace: o.marketplace, orderId: o.orderId },
      { state: 'SEEN' },
    );
    await this.outbox.emit(ctx.manager, Topics.orderStateChanged, {
      marketplace: o.marketplace,
      orderId: o.orderId,
      fromState: 'PLACED',
      toState: 'SEEN',
      changedAt: this.clock.now().toISOString(),
    });
    this.handled++;
    this.logger.info(
      { marketplace: o.marketplace, orderId: o.orderId, lines: o.lines.length, total: o.totalPrice },
      'order received over Kafka',
    );
  }

  @ConsumesEvent(Topics.orderStateChanged)
  async onStateChanged(event: EventEnvelope<OrderStateChanged>, ctx: HandlerContext): Promise<void> {
    const s = event.payload;
    await ctx.manager.update(
      DemoOrder,
      { marketplace: s.marketplace, orderId: s.orderId },
      { state: 'CONFIRMED' },
    );
    this.stateChanges++;
  }
}
