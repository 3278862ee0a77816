import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { decodeEvent, type EventEnvelope, type TopicDefinition } from '@seller-bridge/contracts';
import type { Clock } from '../clock/clock';
import { classifyError } from '../errors/backbone-errors';
import { withCorrelation } from '../logging/correlation';
import type { BackboneMetrics } from '../metrics/backbone-metrics';
import { deadLetterMessage, type DeadLetterReason } from './dead-letter';
import { retryDelayMs } from './retry-backoff';

/** What a handler receives beside the event: the transaction its effects must use. */
export interface HandlerContext {
  /** The transaction that also records the event id in the inbox: write every effect through it. */
  manager: EntityManager;
  /** 1 on the first try. */
  attempt: number;
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandler<P> = (event: EventEnvelope<P>, ctx: HandlerContext) => Promise<void>;

export interface TopicConsumerOptions {
  service: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  partitionsConsumedConcurrently: number;
}

export interface TopicConsumerDeps {
  kafka: Kafka;
  /** Shared producer for dead-letter messages. */
  producer: Producer;
  dataSource: DataSource;
  metrics: BackboneMetrics;
  logger: Logger;
  clock: Clock;
}

type Outcome = 'handled' | 'duplicate' | 'dead_lettered';

/**
 * Consumes one topic in its own consumer group (`<service>.<topic>`), so a slow or failing topic never stalls
 * another. For each message: decode and validate against the contract (invalid → dead-letter at once); then,
 * in one transaction, record the event id in the inbox and run the handler (a duplicate is skipped); transient
 * failures are retried with back-off up to `maxAttempts`, then dead-lettered with the original message, error
 * code and reason. The offset moves on only after the message was handled or dead-lettered.
 */
export class TopicConsumer<P extends object> {
  readonly groupId: string;
  private consumer?: Consumer;
  private stopping = false;

  constructor(
    private readonly deps: TopicConsumerDeps,
    readonly topic: TopicDefinition<P>,
    private readonly handler: EventHandler<P>,
    private readonly options: TopicConsumerOptions,
  ) {
    this.groupId = `${options.service}.${topic.name}`;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const consumer = this.deps.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic.name, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachMessage: (payload) => this.onMessage(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async onMessage(p: EachMessagePayload): Promise<void> {
    const started = process.hrtime.bigint();
    const topic = p.topic;
    const decoded = decodeEvent(this.topic, p.message);
    let outcome: Outcome;
    if (!decoded.ok) {
      await this.deadLetter(p, { code: decoded.error.code, reason: decoded.error.reason, attempts: 0 });
      outcome = 'dead_lettered';
    } else {
      const event = decoded.event;
      outcome = await withCorrelation(
        { correlationId: event.correlationId, causationId: event.eventId, marketplace: event.marketplace },
        () => this.handleWithRetries(p, event),
      );
      if (outcome === 'handled') {
        const age = (this.deps.clock.now().getTime() - Date.parse(event.occurredAt)) / 1000;
        this.deps.metrics.endToEndLatency.observe({ topic }, Math.max(0, age));
      }
    }
    this.deps.metrics.consumed.inc({ topic, outcome });
    this.deps.metrics.handlerDuration.observe({ topic, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async handleWithRetries(p: EachMessagePayload, event: EventEnvelope<P>): Promise<Outcome> {
    const log = this.deps.logger;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.dataSource.transaction(async (manager) => {
          const inserted: unknown[] = await manager.query(
            `INSERT INTO backbone_inbox (consumer, event_id, topic) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING 1`,
            [this.groupId, event.eventId, p.topic],
          );
          if (inserted.length === 0) return 'duplicate' as const;
          await this.handler(event, { manager, attempt, topic: p.topic, partition: p.partition, offset: p.message.offset });
          return 'handled' as const;
        });
      } catch (error) {
        const d = classifyError(error);
        if (d.action === 'dead-letter' || attempt >= this.options.maxAttempts || this.stopping) {
          if (this.stopping && d.action === 'retry') throw error; // leave the offset: the next owner retries
          log.error(
            { err: error, code: d.code, eventId: event.eventId, topic: p.topic, attempt },
            'handler failed; dead-lettering the message',
          );
          await this.deadLetter(p, { code: d.code, reason: d.reason, attempts: attempt });
          return 'dead_lettered';
        }
        this.deps.metrics.retries.inc({ topic: p.topic, code: d.code });
        const delay = retryDelayMs(attempt, this.options.retryBaseMs, this.options.retryMaxMs);
        log.warn({ code: d.code, reason: d.reason, eventId: event.eventId, attempt, retryInMs: delay }, 'handler failed transiently; retrying');
        await this.pauseWithHeartbeats(delay, p.heartbeat);
      }
    }
  }

  private async pauseWithHeartbeats(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      await heartbeat().catch(() => undefined);
    }
  }

  /** Must succeed before the offset moves on: if Kafka refuses it, the error propagates and the message is retried. */
  private async deadLetter(p: EachMessagePayload, why: DeadLetterReason): Promise<void> {
    const dl = deadLetterMessage(
      { topic: p.topic, partition: p.partition, message: p.message, groupId: this.groupId },
      why,
      this.deps.clock.now(),
    );
    await this.deps.producer.send({ topic: dl.topic, acks: -1, messages: [dl.message] });
    this.deps.metrics.deadLettered.inc({ topic: p.topic, code: why.code });
    this.deps.logger.warn(
      { topic: p.topic, partition: p.partition, offset: p.message.offset, code: why.code, reason: why.reason, attempts: why.attempts },
      'message dead-lettered',
    );
  }
}
