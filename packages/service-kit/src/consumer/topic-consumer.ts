import type { Consumer, EachBatchPayload, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import {
  decodeEvent,
  type DecodeResult,
  type EventEnvelope,
  type TopicDefinition,
} from '@seller-bridge/contracts';
import type { Clock } from '../clock/clock';
import { classifyError } from '../errors/backbone-errors';
import { withCorrelation } from '../logging/correlation';
import type { BackboneMetrics } from '../metrics/backbone-metrics';
import { deadLetterMessage, type DeadLetterReason } from './dead-letter';
import { recordInInbox } from './inbox';
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

/** What a batch handler receives beside its events. */
export interface BatchHandlerContext {
  /** The transaction that also records the events' ids in the inbox: write every effect through it. */
  manager: EntityManager;
  /** 1 on the first try (a chunk's try, or a single event's first try after the chunk failed). */
  attempt: number;
  topic: string;
  partition: number;
}

/**
 * A handler that takes the new events of a chunk at once (in offset order, duplicates removed), for topics
 * where one statement per chunk beats one per event. If it throws, the chunk rolls back and the handler is
 * called again with one event at a time, under the usual retry and dead-letter rules.
 */
export type BatchEventHandler<P> = (events: EventEnvelope<P>[], ctx: BatchHandlerContext) => Promise<void>;

/** One event at a time, or `{ batch }` for a chunk at a time. */
export type TopicHandler<P> = EventHandler<P> | { batch: BatchEventHandler<P> };

export interface TopicConsumerOptions {
  service: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  partitionsConsumedConcurrently: number;
  /**
   * Most messages of one partition handled in one transaction (default 100). The inbox rows and the handlers'
   * effects of a chunk commit together; if any handler of the chunk fails, the chunk is rolled back and its
   * messages are handled one transaction each, with the retry and dead-letter rules below. 1 = always one each.
   */
  maxMessagesPerTransaction?: number;
  /** Called after a message was settled (its transaction committed, or it was dead-lettered). */
  onSettled?: (outcome: 'handled' | 'duplicate' | 'dead_lettered', event?: EventEnvelope<unknown>) => void;
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

const correlationOf = (event: EventEnvelope<unknown>) => ({
  correlationId: event.correlationId,
  causationId: event.eventId,
  marketplace: event.marketplace,
});

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** One message and the calls of the batch it came in that handling it needs. */
type MessageRef = Pick<EachMessagePayload, 'topic' | 'partition' | 'message' | 'heartbeat'> & {
  /** Marks this message's offset as done: called once it is settled, in offset order. */
  resolve: () => void;
};

/** Heartbeat errors that mean this member no longer owns its partitions: stop, let the new owner take over. */
const LOST_PARTITION = new Set([
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'FENCED_INSTANCE_ID',
]);
const lostPartition = (error: unknown) =>
  LOST_PARTITION.has((error as { type?: string } | undefined)?.type ?? '');

type Decoded<P extends object> = DecodeResult<P>;
type ValidItem<P extends object> = { ref: MessageRef; decoded: Extract<DecodeResult<P>, { ok: true }> };

/** A handler failed inside `handleInTransaction`: which of its messages (-1: a batch handler, no one message), and why. */
class HandlerFailed extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('a handler failed');
  }
}

/**
 * Consumes one topic in its own consumer group (`<service>.<topic>`), so a slow or failing topic never stalls
 * another. For each message: decode and validate against the contract (invalid → dead-letter at once); then,
 * in one transaction, record the event id in the inbox and run the handler (a duplicate is skipped); transient
 * failures are retried with back-off up to `maxAttempts`, then dead-lettered with the original message, error
 * code and reason. The offset moves on only after the message was handled or dead-lettered.
 *
 * Messages come in batches per partition and are handled in order; up to `maxMessagesPerTransaction` of them
 * share one transaction (one inbox insert, one commit), which is what lets one consumer keep up with thousands
 * of events a second. A failure in a chunk falls back to one transaction per message, so the rules above hold
 * per message whatever the batching.
 */
export class TopicConsumer<P extends object> {
  readonly groupId: string;
  private consumer?: Consumer;
  private stopping = false;

  constructor(
    private readonly deps: TopicConsumerDeps,
    readonly topic: TopicDefinition<P>,
    private readonly handler: TopicHandler<P>,
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
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async onBatch(b: EachBatchPayload): Promise<void> {
    const { topic, partition } = b.batch;
    const size = Math.max(1, this.options.maxMessagesPerTransaction ?? 100);
    const refs: MessageRef[] = b.batch.messages.map((message) => ({
      topic,
      partition,
      message,
      heartbeat: b.heartbeat,
      resolve: () => b.resolveOffset(message.offset),
    }));
    for (let i = 0; i < refs.length; i += size) {
      if (!b.isRunning() || b.isStale()) return;
      await this.settleChunk(refs.slice(i, i + size));
      await b.commitOffsetsIfNecessary();
    }
  }

  /**
   * Settles every message of the chunk in offset order: runs of valid messages are handled together, each
   * invalid one is dead-lettered where it stands. Each offset is resolved as soon as its message is settled.
   */
  private async settleChunk(refs: MessageRef[]): Promise<void> {
    let run: ValidItem<P>[] = [];
    for (const ref of refs) {
      const decoded = decodeEvent(this.topic, ref.message);
      if (decoded.ok) {
        run.push({ ref, decoded });
        continue;
      }
      await this.settleValid(run);
      run = [];
      const started = process.hrtime.bigint();
      // Invalid messages never reach a handler: they go to the dead-letter topic at once.
      await this.deadLetter(ref, { code: decoded.error.code, reason: decoded.error.reason, attempts: 0 });
      this.settled(ref, decoded, 'dead_lettered', seconds(started));
    }
    await this.settleValid(run);
  }

  private async settleValid(valid: ValidItem<P>[]): Promise<void> {
    if (valid.length === 0) return;
    if (valid.length === 1) return this.handleOneByOne(valid, undefined);
    const started = process.hrtime.bigint();
    let outcomes: Outcome[];
    try {
      outcomes = await this.handleInTransaction(valid, 1);
    } catch (error) {
      if (lostPartition(error)) throw error;
      return this.handleOneByOne(valid, error);
    }
    const share = seconds(started) / valid.length; // the chunk's time, shared by its messages
    valid.forEach((it, i) => this.settled(it.ref, it.decoded, outcomes[i], share));
  }

  /**
   * One transaction: the events' ids into the inbox, then the handler on the new ones, in offset order (a
   * copy of an event earlier in `items` is a duplicate). Serves a chunk (attempt 1) and a single message
   * (any attempt). A handler's failure is thrown as `HandlerFailed` naming the message (-1 for a batch
   * handler: no one message to blame).
   */
  private handleInTransaction(items: ValidItem<P>[], attempt: number): Promise<Outcome[]> {
    return this.deps.dataSource.transaction(async (manager) => {
      const ids = items.map((it) => it.decoded.event.eventId);
      const fresh = await recordInInbox(manager, this.groupId, this.topic.name, ids);
      const outcomes: Outcome[] = ids.map((id) => (fresh.delete(id.toLowerCase()) ? 'handled' : 'duplicate'));
      if (!outcomes.includes('handled')) return outcomes;
      const handler = this.handler;
      if (typeof handler !== 'function') {
        const events = items.filter((_, i) => outcomes[i] === 'handled').map((it) => it.decoded.event);
        const { topic, partition } = items[0].ref;
        try {
          await handler.batch(events, { manager, attempt, topic, partition });
        } catch (error) {
          throw new HandlerFailed(items.length === 1 ? 0 : -1, error);
        }
        return outcomes;
      }
      for (const [index, { ref, decoded }] of items.entries()) {
        if (outcomes[index] !== 'handled') continue;
        const event = decoded.event;
        const ctx = {
          manager,
          attempt,
          topic: ref.topic,
          partition: ref.partition,
          offset: ref.message.offset,
        };
        try {
          await withCorrelation(correlationOf(event), () => handler(event, ctx));
        } catch (error) {
          throw new HandlerFailed(index, error);
        }
        await this.beat(ref); // a long chunk must not outlive the session
      }
      return outcomes;
    });
  }

  /**
   * The chunk's transaction failed (or it held one message): each message in its own transaction. The message
   * whose handler failed in the chunk has used its first attempt already.
   */
  private async handleOneByOne(valid: ValidItem<P>[], chunkError: unknown): Promise<void> {
    const failed = chunkError instanceof HandlerFailed ? chunkError : undefined;
    if (chunkError && !failed) {
      this.deps.logger.warn(
        { err: chunkError, topic: this.topic.name },
        'chunk transaction failed; handling its messages one by one',
      );
    }
    for (const [index, { ref, decoded }] of valid.entries()) {
      const started = process.hrtime.bigint();
      const event = decoded.event;
      const outcome = await withCorrelation(correlationOf(event), () =>
        this.handleWithRetries({ ref, decoded }, index === failed?.index ? failed.cause : undefined),
      );
      this.settled(ref, decoded, outcome, seconds(started));
      await this.beat(ref);
    }
  }

  /** Resolves the message's offset, then counts it. Called once per message, in offset order. */
  private settled(ref: MessageRef, decoded: Decoded<P>, outcome: Outcome, durationSeconds: number): void {
    ref.resolve();
    const topic = ref.topic;
    if (outcome === 'handled' && decoded.ok) {
      const age = (this.deps.clock.now().getTime() - Date.parse(decoded.event.occurredAt)) / 1000;
      this.deps.metrics.endToEndLatency.observe({ topic }, Math.max(0, age));
    }
    this.deps.metrics.consumed.inc({ topic, outcome });
    this.deps.metrics.handlerDuration.observe({ topic, outcome }, durationSeconds);
    try {
      this.options.onSettled?.(outcome, decoded.ok ? decoded.event : undefined);
    } catch (err) {
      this.deps.logger.warn({ err, topic }, 'onSettled callback failed');
    }
  }

  /** Heartbeats (kafkajs sends at most one per interval); rethrows only when the partition was lost. */
  private async beat(ref: MessageRef): Promise<void> {
    try {
      await ref.heartbeat();
    } catch (error) {
      if (lostPartition(error)) throw error;
    }
  }

  /** `firstFailure`: the error of an attempt already made (in a chunk); this call goes on from attempt 2. */
  private async handleWithRetries(item: ValidItem<P>, firstFailure?: unknown): Promise<Outcome> {
    const log = this.deps.logger;
    const p = item.ref;
    const event = item.decoded.event;
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt === 1 && firstFailure !== undefined) throw firstFailure;
        const [outcome] = await this.handleInTransaction([item], attempt);
        return outcome;
      } catch (thrown) {
        if (lostPartition(thrown)) throw thrown; // the new owner of the partition handles it
        const error = thrown instanceof HandlerFailed ? thrown.cause : thrown;
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
        log.warn(
          { code: d.code, reason: d.reason, eventId: event.eventId, attempt, retryInMs: delay },
          'handler failed transiently; retrying',
        );
        await this.pauseWithHeartbeats(delay, p);
      }
    }
  }

  /** Waits out a back-off, heartbeating; throws if the partition was lost meanwhile (the new owner retries). */
  private async pauseWithHeartbeats(ms: number, ref: MessageRef): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      await this.beat(ref);
    }
  }

  /** Must succeed before the offset moves on: if Kafka refuses it, the error propagates and the message is retried. */
  private async deadLetter(p: MessageRef, why: DeadLetterReason): Promise<void> {
    const dl = deadLetterMessage(
      { topic: p.topic, partition: p.partition, message: p.message, groupId: this.groupId },
      why,
      this.deps.clock.now(),
    );
    await this.deps.producer.send({ topic: dl.topic, acks: -1, messages: [dl.message] });
    this.deps.metrics.deadLettered.inc({ topic: p.topic, code: why.code });
    this.deps.logger.warn(
      {
        topic: p.topic,
        partition: p.partition,
        offset: p.message.offset,
        code: why.code,
        reason: why.reason,
        attempts: why.attempts,
      },
      'message dead-lettered',
    );
  }
}
