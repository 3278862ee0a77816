import type { Producer } from 'kafkajs';
import type {
  DataSource,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { Logger } from 'pino';
import type { BackboneMetrics } from '../metrics/backbone-metrics';
import { OUTBOX_EVENTS_RECORDED } from './outbox.writer';

export interface OutboxRelayOptions {
  /** Rows published per transaction. */
  batchSize: number;
  /**
   * Poll interval when idle. A commit that recorded events through the relay's own data source (or one
   * passed to `wakeOnCommitsOf`) wakes it at once; the poll finds the rest (other processes' commits).
   */
  pollMs: number;
  /**
   * Called after Kafka acknowledged a batch and before the rows are marked published. Test and
   * fault-injection hook: a crash here is the "published but not marked" window the design must survive.
   */
  afterPublish?: (eventIds: string[]) => Promise<void> | void;
}

interface Row {
  seq: string;
  event_id: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: string;
}

/**
 * Publishes committed outbox rows to Kafka, keyed by aggregate, with the envelope as headers.
 *
 * Each cycle is one transaction: lock the lanes no other relay holds (`FOR UPDATE SKIP LOCKED`, so relays
 * never wait for each other), read their unpublished rows in sequence order, publish them, mark them. Rows of
 * one key share a lane, so they are published in order by one relay at a time, and no row is published by two
 * relays at once. If the relay dies after publishing and before its commit, the rows stay unpublished and go
 * out again: consumers de-duplicate on the event id (inbox). At-least-once here, effectively once end to end.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** A commit with events arrived since the last cycle started: do not sleep. */
  private notified = false;
  /** Whether the current sleep may be ended by a commit (not while backing off after a failure). */
  private wakeable = true;
  private readonly watched: { dataSource: DataSource; subscriber: EntitySubscriberInterface }[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly metrics: BackboneMetrics,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.wakeOnCommitsOf(this.dataSource);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const { dataSource, subscriber } of this.watched.splice(0)) {
      const list = dataSource.subscribers as EntitySubscriberInterface[];
      const at = list.indexOf(subscriber);
      if (at >= 0) list.splice(at, 1);
    }
  }

  /**
   * Wakes the relay as soon as a transaction of `dataSource` that recorded events commits (OutboxWriter marks
   * the transaction). The relay's own data source is watched from `start`; another one (a second pool in the
   * same process) can be added. No database round trip: this replaced a NOTIFY trigger whose cluster-wide
   * commit lock serialised every writer (decision 0003).
   */
  wakeOnCommitsOf(dataSource: DataSource): void {
    if (this.watched.some((w) => w.dataSource === dataSource)) return;
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        const data = event.queryRunner.data as Record<string, unknown> | undefined;
        if (!data?.[OUTBOX_EVENTS_RECORDED]) return;
        delete data[OUTBOX_EVENTS_RECORDED];
        this.notified = true;
        if (this.wakeable) this.wake?.();
      },
      afterTransactionRollback: (event: TransactionRollbackEvent) => {
        const data = event.queryRunner.data as Record<string, unknown> | undefined;
        if (data) delete data[OUTBOX_EVENTS_RECORDED]; // a reused query runner must not wake it later
      },
    };
    (dataSource.subscribers as EntitySubscriberInterface[]).push(subscriber);
    this.watched.push({ dataSource, subscriber });
  }

  /** Publishes one batch; returns how many rows went out. Exposed for tests and benchmarks. */
  async publishBatch(): Promise<number> {
    const started = process.hrtime.bigint();
    const published = await this.dataSource.transaction(async (m) => {
      const lanes: { lane: number }[] = await m.query(
        `SELECT lane FROM backbone_outbox_lane ORDER BY lane FOR UPDATE SKIP LOCKED`,
      );
      if (lanes.length === 0) return 0;
      // Unpublished rows of those lanes in seq order, by a plain index scan (see the migration that made it).
      const rows: Row[] = await m.query(`SELECT * FROM backbone_outbox_next_batch($1::smallint[], $2)`, [
        lanes.map((l) => l.lane),
        this.options.batchSize,
      ]);
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const r of rows) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.message_key, value: r.payload, headers: r.headers });
        byTopic.set(r.topic, list);
      }
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await this.options.afterPublish?.(rows.map((r) => r.event_id));
      await m.query(`UPDATE backbone_outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
        rows.map((r) => r.seq),
      ]);
      for (const [topic, messages] of byTopic) this.metrics.produced.inc({ topic }, messages.length);
      return rows.length;
    });
    if (published > 0) {
      this.metrics.relayBatchDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return published;
  }

  /** Refreshes the backlog gauges (called on every metrics scrape). */
  async refreshBacklog(): Promise<void> {
    const [row]: { n: string; age: number | null }[] = await this.dataSource.query(
      `SELECT count(*) AS n, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM backbone_outbox WHERE published_at IS NULL AND seq IS NOT NULL`,
    );
    this.metrics.outboxBacklog.set(Number(row.n));
    this.metrics.outboxOldestAge.set(row.age ?? 0);
  }

  /** Deletes published rows older than the retention; returns how many. */
  async purgePublished(retentionHours: number): Promise<number> {
    const res = await this.dataSource.query(
      `DELETE FROM backbone_outbox WHERE id IN (
         SELECT id FROM backbone_outbox WHERE published_at < now() - make_interval(hours => $1) LIMIT 10000)`,
      [retentionHours],
    );
    return Array.isArray(res) ? Number(res[1] ?? 0) : 0;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.notified = false;
        const n = await this.publishBatch();
        failures = 0;
        if (n >= this.options.batchSize) continue; // more is waiting: go again at once
        if (n > 0) continue; // rows arrived while we published: one more pass before sleeping
        if (!this.notified) await this.sleep(this.options.pollMs);
      } catch (error) {
        failures++;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
        this.logger.error(
          { err: error, failures, retryInMs: delay },
          'outbox relay cycle failed; rows stay pending',
        );
        await this.sleep(delay, false); // a failing relay is not hurried by commits
      }
    }
  }

  /** Sleeps `ms`; `stop` ends the sleep, and so does a commit with events when `wakeable`. */
  private sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
      this.wakeable = wakeable;
    });
  }
}
