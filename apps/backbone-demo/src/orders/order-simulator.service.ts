import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BackboneLogger as Logger } from '@seller-bridge/service-kit';
import { Topics } from '@seller-bridge/contracts';
import {
  BACKBONE_LOGGER,
  CLOCK,
  OutboxWriter,
  withCorrelation,
  type Clock,
} from '@seller-bridge/service-kit';
import { DemoConfig } from '../demo.config';
import { DemoOrder } from './demo-order.entity';
import { simulatedOrder } from './simulated-order.factory';

/**
 * Places simulated marketplace orders: each one is a row in demo_order and an `orders.order.received.v1`
 * event, committed together through the outbox.
 */
@Injectable()
export class OrderSimulator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<unknown>>();
  placed = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly config: DemoConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BACKBONE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const rate = this.config.DEMO_ORDERS_PER_SECOND;
    if (rate <= 0) return;
    this.timer = setInterval(() => {
      const p = this.placeOne()
        .catch((err) => this.logger.error({ err }, 'could not place order'))
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, 1000 / rate);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  async placeOne(): Promise<string> {
    const marketplaces = this.config.DEMO_MARKETPLACES;
    const marketplace = marketplaces[this.placed % marketplaces.length];
    const orderId = `${randomBytes(3).toString('hex').toUpperCase()}-${Date.now().toString(36).toUpperCase()}-A`;
    const order = simulatedOrder(marketplace, orderId, this.clock.now());
    await withCorrelation({ correlationId: `order:${marketplace}:${orderId}`, marketplace }, () =>
      this.dataSource.transaction(async (m) => {
        await m.insert(DemoOrder, {
          marketplace,
          orderId,
          state: 'PLACED',
          lineCount: order.lines.length,
          totalMinor: String(order.totalPrice.amountMinor),
        });
        await this.outbox.emit(m, Topics.orderReceived, order);
      }),
    );
    this.placed++;
    return orderId;
  }
}
