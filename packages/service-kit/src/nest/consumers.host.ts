import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { deadLetterTopicOf, type TopicDefinition } from '@seller-bridge/contracts';
import { CLOCK, type Clock } from '../clock/clock';
import type { BackboneConfig } from '../config/backbone.config';
import { CONSUMES_EVENT, type ConsumesEventMetadata } from '../consumer/consumes-event.decorator';
import { TopicConsumer, type TopicHandler } from '../consumer/topic-consumer';
import { ensureTopics } from '../kafka/kafka.factory';
import { BackboneMetrics } from '../metrics/backbone-metrics';
import { OutboxRelay } from '../outbox/outbox.relay';
import type { BackboneModuleOptions } from './backbone-module.options';
import {
  BACKBONE_CONFIG,
  BACKBONE_LOGGER,
  BACKBONE_OPTIONS,
  KAFKA,
  KAFKA_ADMIN,
  KAFKA_PRODUCER,
} from './tokens';

/**
 * Starts the service's Kafka side once the application is up: creates missing topics, starts the outbox relay,
 * and one {@link TopicConsumer} per `@ConsumesEvent` method; stops them in reverse order on shutdown.
 */
@Injectable()
export class ConsumersHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumers: TopicConsumer<object>[] = [];
  private housekeeping?: NodeJS.Timeout;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly dataSource: DataSource,
    private readonly metrics: BackboneMetrics,
    private readonly relay: OutboxRelay,
    @Inject(BACKBONE_CONFIG) private readonly config: BackboneConfig,
    @Inject(BACKBONE_OPTIONS) private readonly options: BackboneModuleOptions,
    @Inject(BACKBONE_LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
  ) {}

  /** Consumer groups and topics, for the lag gauge. */
  groups(): { groupId: string; topic: string }[] {
    return this.consumers.map((c) => ({ groupId: c.groupId, topic: c.topic.name }));
  }

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.discoverHandlers();
    await this.producer.connect();
    await this.admin.connect();
    const created = await ensureTopics(
      this.admin,
      [
        ...(this.options.produces ?? []).map((t) => t.name),
        ...handlers.flatMap(({ topic }) => [topic.name, deadLetterTopicOf(topic.name)]),
      ],
      this.config.KAFKA_TOPIC_PARTITIONS,
    );
    if (created.length > 0) this.logger.info({ topics: created }, 'created missing topics');
    if (this.options.runRelay !== false) await this.relay.start();
    const deps = {
      kafka: this.kafka,
      producer: this.producer,
      dataSource: this.dataSource,
      metrics: this.metrics,
      logger: this.logger,
      clock: this.clock,
    };
    this.consumers = handlers.map(
      ({ topic, handler }) =>
        new TopicConsumer(deps, topic, handler, {
          service: this.config.SERVICE_NAME,
          maxAttempts: this.config.CONSUMER_MAX_ATTEMPTS,
          retryBaseMs: this.config.CONSUMER_RETRY_BASE_MS,
          retryMaxMs: this.config.CONSUMER_RETRY_MAX_MS,
          partitionsConsumedConcurrently: this.config.CONSUMER_PARTITIONS_CONCURRENTLY,
          maxMessagesPerTransaction: this.config.CONSUMER_MAX_MESSAGES_PER_TRANSACTION,
        }),
    );
    await Promise.all(this.consumers.map((c) => c.start()));
    this.logger.info({ consumers: this.consumers.map((c) => c.groupId) }, 'backbone started');
    this.housekeeping = setInterval(() => void this.purge(), 15 * 60_000);
    this.housekeeping.unref();
  }

  /** Before the database pool closes (TypeORM closes it on application shutdown): stop taking work first. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.housekeeping);
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    await this.relay.stop();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private discoverHandlers(): { topic: TopicDefinition<object>; handler: TopicHandler<object> }[] {
    const found: { topic: TopicDefinition<object>; handler: TopicHandler<object>; where: string }[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<ConsumesEventMetadata | undefined>(CONSUMES_EVENT, fn);
        if (!meta) continue;
        const { topic } = meta;
        const where = `${proto.constructor.name}.${method}`;
        const other = found.find((f) => f.topic.name === topic.name);
        if (other)
          throw new Error(`${topic.name} has two handlers: ${other.where} and ${where}; one per service`);
        const handler: TopicHandler<object> = meta.batch
          ? { batch: (events, ctx) => fn.call(instance, events, ctx) }
          : (event, ctx) => fn.call(instance, event, ctx);
        found.push({ topic, handler, where });
      }
    }
    return found;
  }

  private async purge(): Promise<void> {
    try {
      const outbox = await this.relay.purgePublished(this.config.OUTBOX_RETENTION_HOURS);
      const inbox = await this.dataSource.query(
        `DELETE FROM backbone_inbox WHERE ctid IN (
           SELECT ctid FROM backbone_inbox WHERE handled_at < now() - interval '14 days' LIMIT 10000)`,
      );
      this.logger.debug({ outbox, inbox: Array.isArray(inbox) ? inbox[1] : undefined }, 'housekeeping done');
    } catch (err) {
      this.logger.warn({ err }, 'housekeeping failed; will try again');
    }
  }
}
