import { Injectable } from '@nestjs/common';
import { Topics, type EventEnvelope, type ProductChanged, type StockChanged } from '@seller-bridge/contracts';
import { ConsumesEvent, type HandlerContext } from '@seller-bridge/service-kit';
import { StockLedger } from './stock-ledger';

/**
 * Stock and products that internal systems publish on Kafka (`source: internal`). The same topics carry what
 * catalogue-sync itself read from the back office (`backoffice-feed`, `backoffice-poll`): those are already
 * applied, so they are skipped here rather than applied a second time (which would only take row locks).
 */
@Injectable()
export class StockEventsConsumer {
  constructor(private readonly ledger: StockLedger) {}

  @ConsumesEvent(Topics.stockChanged)
  async onStock(event: EventEnvelope<StockChanged>, ctx: HandlerContext): Promise<void> {
    if (event.payload.source !== 'internal') return;
    await this.ledger.applyStock(ctx.manager, event.payload);
  }

  @ConsumesEvent(Topics.productChanged)
  async onProduct(event: EventEnvelope<ProductChanged>, ctx: HandlerContext): Promise<void> {
    if (event.payload.source !== 'internal') return;
    await this.ledger.applyProduct(ctx.manager, event.payload);
  }
}
