import { Client } from 'pg';
import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { BackboneMetrics } from '../metrics/backbone-metrics';

export interface OutboxRelayOptions {
  /** Rows published per transaction. */
  batchSize: number;
  /** Poll interval when idle; NOTIFY wakes the relay earlier. */
  pollMs: number;
  /** Connection string for the LISTEN connection (the pool's connections are not held for LISTEN). */
  databaseUrl: string;
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
  /** A NOTIFY arrived since the last cycle started: do not sleep. */
  private notified = false;
  private listener?: Client;
  private relistenTimer?: NodeJS.Timeout;

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
    await this.listen();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    clearTimeout(this.relistenTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /** Publishes one batch; returns how many rows went out. Exposed for tests and benchmarks. */
  async publishBatch(): Promise<number> {
    const started = process.hrtime.bigint();
    const published = await this.dataSource.transaction(async (m) => {
      const lanes: { lane: number }[] = await m.query(
        `SELECT lane FROM backbone_outbox_lane ORDER BY lane FOR UPDATE SKIP LOCKED`,
      );
      if (lanes.length === 0) return 0;
      const rows: Row[] = await m.query(
        `SELECT seq, event_id, topic, message_key, headers, payload FROM backbone_outbox
         WHERE published_at IS NULL AND lane = ANY($1::smallint[]) AND seq IS NOT NULL ORDER BY seq LIMIT $2`,
        [lanes.map((l) => l.lane), this.options.batchSize],
      );
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
       FROM backbone_outbox WHERE published_at IS NULL`,
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
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * LISTEN on a dedicated connection so a commit wakes the relay at once. If that connection drops, the relay
   * keeps polling every `pollMs` and listens again after a pause.
   */
  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'outbox-relay-listen',
    });
    let lost = false;
    const relisten = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.running) return;
      this.logger.warn({ err }, 'outbox LISTEN connection lost; polling, and listening again in 5 s');
      this.relistenTimer = setTimeout(() => void this.listen(), 5_000);
      this.relistenTimer.unref();
    };
    client.on('error', relisten);
    client.on('end', () => relisten());
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    try {
      await client.connect();
      await client.query('LISTEN backbone_outbox');
      if (!this.running) {
        lost = true;
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
    } catch (err) {
      relisten(err);
    }
  }
}
