import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Admin } from 'kafkajs';
import { KAFKA_ADMIN } from '../nest/tokens';

/**
 * Kubernetes probes. `live`: the process answers (never checks dependencies, so a database outage does not
 * restart every pod). `ready`: PostgreSQL and Kafka answer, so traffic and work may come here.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 2000 }), () => this.kafka()]);
  }

  private async kafka() {
    const indicator = this.indicators.check('kafka');
    try {
      const cluster = await Promise.race([
        this.admin.describeCluster(),
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no answer within 2 s')), 2000)),
      ]);
      return indicator.up({ brokers: cluster.brokers.length });
    } catch (e) {
      return indicator.down({ message: (e as Error).message });
    }
  }
}
