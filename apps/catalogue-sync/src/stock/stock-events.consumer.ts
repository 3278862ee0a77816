import { Injectable } from '@nestjs/common';
import { Topics, type EventEnvelope, type ProductChanged, type StockChanged } from '@seller-bridge/contracts';
import { ConsumesEvent, type HandlerContext } from '@seller-bridge/service-kit';
import { StockLedger } from './stock-ledger';

/**
 * Stock and products published on Kafka by internal systems (and our own feed-sourced events, which the
 * ledger recognises as already held and ignores).
 */
@Injectable()
export class StockEventsConsumer {
  constructor(private readonly ledger: StockLedger) {}

  @ConsumesEvent(Topics.stockChanged)
  async onStock(event: EventEnvelope<StockChanged>, ctx: HandlerContext): Promise<void> {
    await this.ledger.applyStock(ctx.manager, event.payload);
  }

  @ConsumesEvent(Topics.productChanged)
  async onProduct(event: EventEnvelope<ProductChanged>, ctx: HandlerContext): Promise<void> {
    await this.ledger.applyProduct(ctx.manager, event.payload);
  }
}
