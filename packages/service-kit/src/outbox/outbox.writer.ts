import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { encodeEvent, NO_MARKETPLACE, type EmitMeta, type TopicDefinition } from '@seller-bridge/contracts';
import type { Clock } from '../clock/clock';
import { currentCorrelation } from '../logging/correlation';
import { laneOf } from './outbox-lane';

/**
 * Key set on the query runner's `data` of a transaction that recorded events; the relay watching that data
 * source is woken when it commits (OutboxRelay.wakeOnCommitsOf).
 */
export const OUTBOX_EVENTS_RECORDED = 'backboneOutboxEventsRecorded';
/** Key on the query runner's `data` holding the events emitted in the open transaction, not yet written. */
const PENDING = 'backboneOutboxPending';
/** Advisory-lock namespace of the per-key commit locks (shared with the migration's ordering trigger). */
const KEY_LOCKS = 2828;

export interface PendingEvent<P extends object = object> {
  topic: TopicDefinition<P>;
  payload: P;
  meta?: Partial<EmitMeta>;
}

interface Recorded {
  /** Transaction depth at emit (1 = the transaction itself, 2+ = a savepoint inside it). */
  depth: number;
  eventId: string;
  lane: number;
  topic: string;
  key: string;
  headers: string;
  value: string;
  occurredAt: string;
}

/**
 * Records events in the caller's transaction; they are published by the relay only if that transaction
 * commits. Use it wherever state changes: `dataSource.transaction(m => { save(m, …); outbox.emit(m, …) })`.
 *
 * Events are validated when emitted and written when the transaction commits, just before its COMMIT, in one
 * statement that first takes the lock of each of their keys and then numbers them (`seq`); the locks are held
 * until the commit ends. So for one key, `seq` order is commit order, and two transactions wait for each other
 * only while both are committing events of the same key: the relay, reading committed rows in `seq` order,
 * never sees a key's later event without its earlier one (decision 0003). Writing at commit costs one
 * statement per transaction and leaves every row as inserted (before, a commit-time trigger numbered the rows
 * with an UPDATE: twice the row versions and index entries).
 *
 * The transaction must be committed through TypeORM (`dataSource.transaction`, or a query runner's
 * `commitTransaction`), whose before-commit hook writes the events: a raw `COMMIT` would leave them unwritten.
 * Events emitted in a savepoint (a nested `transaction`) that is rolled back are dropped with it.
 */
export class OutboxWriter {
  constructor(private readonly clock: Clock) {}

  /** Records one event; returns its event id. */
  async emit<P extends object>(
    manager: EntityManager,
    topic: TopicDefinition<P>,
    payload: P,
    meta: Partial<EmitMeta> = {},
  ): Promise<string> {
    const [id] = await this.emitMany(manager, [{ topic, payload, meta }]);
    return id;
  }

  /** Records several events in order; returns their event ids. Validates each against its contract. */
  async emitMany(manager: EntityManager, events: PendingEvent<any>[]): Promise<string[]> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      throw new Error('OutboxWriter.emit must run inside a transaction (dataSource.transaction(...))');
    }
    if (events.length === 0) return [];
    const ctx = currentCorrelation();
    const now = this.clock.now();
    const depth = depthOf(runner);
    const recorded = events.map(({ topic, payload, meta = {} }): Recorded => {
      const marketplace =
        meta.marketplace ??
        (typeof (payload as { marketplace?: unknown }).marketplace === 'string'
          ? (payload as { marketplace: string }).marketplace
          : (ctx?.marketplace ?? NO_MARKETPLACE));
      const e = encodeEvent(topic, payload, {
        occurredAt: now,
        ...meta,
        marketplace,
        correlationId: meta.correlationId ?? ctx?.correlationId,
        causationId: meta.causationId ?? ctx?.causationId,
      });
      return {
        depth,
        eventId: e.envelope.eventId,
        lane: laneOf(e.key),
        topic: e.topic,
        key: e.key,
        headers: JSON.stringify(e.headers),
        value: e.value,
        occurredAt: e.envelope.occurredAt,
      };
    });
    writeAtCommitOf(runner.connection);
    ((runner.data[PENDING] as Recorded[] | undefined) ?? (runner.data[PENDING] = [])).push(...recorded);
    return recorded.map((r) => r.eventId);
  }
}

/**
 * TypeORM's query runner counts its nesting (1 in a transaction, +1 per savepoint) in a field it does not
 * type as public; the writer needs it to tell a savepoint's commit or rollback from the transaction's.
 */
function depthOf(runner: QueryRunner): number {
  const depth = (runner as unknown as { transactionDepth?: unknown }).transactionDepth;
  if (typeof depth !== 'number') {
    throw new Error('OutboxWriter: this TypeORM query runner does not expose its transaction depth');
  }
  return depth;
}

const writers = new WeakSet<DataSource>();

/** Registers, once per data source, the hooks that write a transaction's events at its commit. */
function writeAtCommitOf(dataSource: DataSource): void {
  if (writers.has(dataSource)) return;
  writers.add(dataSource);
  const subscriber: EntitySubscriberInterface = {
    beforeTransactionCommit: async ({ queryRunner }) => {
      const pending = queryRunner.data?.[PENDING] as Recorded[] | undefined;
      if (!pending?.length) return;
      const depth = depthOf(queryRunner);
      if (depth > 1) {
        // A savepoint's release: its events now belong to the enclosing level, and wait for the commit.
        for (const r of pending) if (r.depth === depth) r.depth = depth - 1;
        return;
      }
      delete queryRunner.data[PENDING];
      await insertLocked(queryRunner, pending);
      queryRunner.data[OUTBOX_EVENTS_RECORDED] = true;
    },
    afterTransactionRollback: ({ queryRunner }) => {
      const pending = queryRunner.data?.[PENDING] as Recorded[] | undefined;
      if (!pending) return;
      const depth = depthOf(queryRunner); // after the rollback: what emitted deeper is gone
      const kept = pending.filter((r) => r.depth <= depth);
      if (depth > 0 && kept.length > 0) queryRunner.data[PENDING] = kept;
      else delete queryRunner.data[PENDING];
    },
  };
  (dataSource.subscribers as EntitySubscriberInterface[]).push(subscriber);
}

/**
 * One statement: the locks of the events' keys (in hash order, so two committing transactions cannot
 * deadlock), then the rows, numbered in emit order. The `locked` CTE is fully evaluated before the first row
 * is produced, so every `seq` is drawn while all the keys are held.
 */
async function insertLocked(runner: QueryRunner, rows: Recorded[]): Promise<void> {
  await runner.query(
    `WITH locked AS MATERIALIZED (
       SELECT count(pg_advisory_xact_lock(${KEY_LOCKS}, h)) AS held
       FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($4::text[]) AS k ORDER BY 1) keys)
     INSERT INTO backbone_outbox (seq, event_id, lane, topic, message_key, headers, payload, occurred_at)
     SELECT nextval('backbone_outbox_commit_seq'), e, l, t, k, h, p, o
     FROM locked, unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
                         $7::timestamptz[]) WITH ORDINALITY AS u(e, l, t, k, h, p, o, n)
     ORDER BY n`,
    [
      rows.map((r) => r.eventId),
      rows.map((r) => r.lane),
      rows.map((r) => r.topic),
      rows.map((r) => r.key),
      rows.map((r) => r.headers),
      rows.map((r) => r.value),
      rows.map((r) => r.occurredAt),
    ],
  );
}
