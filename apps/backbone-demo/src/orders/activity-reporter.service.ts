import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BackboneLogger as Logger } from '@seller-bridge/service-kit';
import { BACKBONE_LOGGER } from '@seller-bridge/service-kit';

/** Logs a one-line summary every few seconds so a person running the demo sees events flowing. */
@Injectable()
export class ActivityReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(BACKBONE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report(), 5000);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async report(): Promise<void> {
    try {
      const rows: { state: string; n: number }[] = await this.dataSource.query(
        `SELECT state, count(*)::int AS n FROM demo_order GROUP BY state ORDER BY state`,
      );
      // Committed and not yet published (the outbox's pending index covers exactly these rows).
      const [{ pending }] = await this.dataSource.query(
        `SELECT count(*)::int AS pending FROM backbone_outbox WHERE published_at IS NULL AND seq IS NOT NULL`,
      );
      this.logger.info(
        { orders: Object.fromEntries(rows.map((r) => [r.state, r.n])), outboxPending: pending },
        'activity',
      );
    } catch (err) {
      this.logger.warn({ err }, 'activity report failed');
    }
  }
}
