import { Registry } from 'prom-client';
import type { Kafka, Producer } from 'kafkajs';
import type { TopicDefinition } from '@seller-bridge/contracts';
import type { DataSource } from 'typeorm';
import { SystemClock } from '../src/clock/clock';
import { TopicConsumer, type TopicHandler, type TopicConsumerOptions } from '../src/consumer/topic-consumer';
import { createProducer } from '../src/kafka/kafka.factory';
import { BackboneMetrics } from '../src/metrics/backbone-metrics';
import { OutboxRelay, type OutboxRelayOptions } from '../src/outbox/outbox.relay';
import { OutboxWriter } from '../src/outbox/outbox.writer';
import { testLogger, waitFor } from '../src/testing';

/** Real components wired by hand for integration specs (what BackboneModule does in a service). */
export class Harness {
  readonly clock = new SystemClock();
  readonly metrics = new BackboneMetrics(new Registry(), 'test');
  readonly logger = testLogger();
  readonly writer = new OutboxWriter(this.clock);
  private producers: Producer[] = [];
  private relays: OutboxRelay[] = [];
  private consumers: TopicConsumer<any>[] = [];

  constructor(
    readonly kafka: Kafka,
    readonly dataSource: DataSource,
    readonly databaseUrl: string,
  ) {}

  async producer(): Promise<Producer> {
    const p = createProducer(this.kafka);
    await p.connect();
    this.producers.push(p);
    return p;
  }

  async relay(options: Partial<OutboxRelayOptions> = {}, start = true): Promise<OutboxRelay> {
    const r = new OutboxRelay(this.dataSource, await this.producer(), this.metrics, this.logger, {
      batchSize: 200,
      pollMs: 50,
      ...options,
    });
    if (start) await r.start();
    this.relays.push(r);
    return r;
  }

  async consumer<P extends object>(
    topic: TopicDefinition<P>,
    handler: TopicHandler<P>,
    options: Partial<TopicConsumerOptions> = {},
  ): Promise<TopicConsumer<P>> {
    const c = new TopicConsumer<P>(
      {
        kafka: this.kafka,
        producer: await this.producer(),
        dataSource: this.dataSource,
        metrics: this.metrics,
        logger: this.logger,
        clock: this.clock,
      },
      topic,
      handler,
      {
        service: 'test',
        maxAttempts: 4,
        retryBaseMs: 20,
        retryMaxMs: 100,
        partitionsConsumedConcurrently: 3,
        ...options,
      },
    );
    await c.start();
    this.consumers.push(c);
    return c;
  }

  async metricValue(name: string, labels: Record<string, string>): Promise<number> {
    const m = await this.metrics.registry.getSingleMetric(name)?.get();
    const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
    return v?.value ?? 0;
  }

  /** Waits until a metric reaches `value` (true), or the timeout passes (false). */
  waitForMetric(
    name: string,
    labels: Record<string, string>,
    value: number,
    timeoutMs = 20000,
  ): Promise<boolean> {
    return waitFor(async () => (await this.metricValue(name, labels)) === value, timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    await Promise.allSettled(this.relays.map((r) => r.stop()));
    await Promise.allSettled(this.producers.map((p) => p.disconnect()));
  }
}
