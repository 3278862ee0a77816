import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { refreshConsumerLag } from '../consumer/consumer-lag';
import { ConsumersHost } from '../nest/consumers.host';
import { BACKBONE_LOGGER, KAFKA_ADMIN } from '../nest/tokens';
import { OutboxRelay } from '../outbox/outbox.relay';
import { BackboneMetrics } from './backbone-metrics';

interface TextResponse {
  type(t: string): TextResponse;
  send(body: string): void;
}

/** Prometheus scrape endpoint. Outbox backlog and consumer lag are read fresh on each scrape. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: BackboneMetrics,
    private readonly relay: OutboxRelay,
    private readonly host: ConsumersHost,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(BACKBONE_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: TextResponse): Promise<void> {
    const within = (p: Promise<void>) =>
      Promise.race([
        p,
        new Promise<void>((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2000)),
      ]);
    const results = await Promise.allSettled([
      within(this.relay.refreshBacklog()),
      within(refreshConsumerLag(this.admin, this.metrics, this.host.groups())),
    ]);
    for (const r of results)
      if (r.status === 'rejected') this.logger.warn({ err: r.reason }, 'metric refresh failed');
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
