import type { EntityManager } from 'typeorm';
import { encodeEvent, NO_MARKETPLACE, type EmitMeta, type TopicDefinition } from '@seller-bridge/contracts';
import type { Clock } from '../clock/clock';
import { currentCorrelation } from '../logging/correlation';
import { laneOf } from './outbox-lane';

/**
 * Key set on the query runner's `data` of a transaction that recorded events; the relay watching that data
 * source is woken when it commits (OutboxRelay.wakeOnCommitsOf).
 */
export const OUTBOX_EVENTS_RECORDED = 'backboneOutboxEventsRecorded';

export interface PendingEvent<P extends object = object> {
  topic: TopicDefinition<P>;
  payload: P;
  meta?: Partial<EmitMeta>;
}

/**
 * Records events in the caller's transaction (no lock is taken here; order is fixed at commit, see the
 * backbone migration); they are published by the relay only if that transaction
 * commits. Use it wherever state changes: `dataSource.transaction(m => { save(m, …); outbox.emit(m, …) })`.
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
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter.emit must run inside a transaction (dataSource.transaction(...))');
    }
    if (events.length === 0) return [];
    const ctx = currentCorrelation();
    const now = this.clock.now();
    const encoded = events.map(({ topic, payload, meta = {} }) => {
      const marketplace =
        meta.marketplace ??
        (typeof (payload as { marketplace?: unknown }).marketplace === 'string'
          ? (payload as { marketplace: string }).marketplace
          : (ctx?.marketplace ?? NO_MARKETPLACE));
      return encodeEvent(topic, payload, {
        occurredAt: now,
        ...meta,
        marketplace,
        correlationId: meta.correlationId ?? ctx?.correlationId,
        causationId: meta.causationId ?? ctx?.causationId,
      });
    });
    await manager.query(
      `INSERT INTO backbone_outbox (event_id, lane, topic, message_key, headers, payload, occurred_at)
       SELECT e, l, t, k, h, p, o
       FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[])
            WITH ORDINALITY AS u(e, l, t, k, h, p, o, n)
       ORDER BY n`,
      [
        encoded.map((e) => e.envelope.eventId),
        encoded.map((e) => laneOf(e.key)),
        encoded.map((e) => e.topic),
        encoded.map((e) => e.key),
        encoded.map((e) => JSON.stringify(e.headers)),
        encoded.map((e) => e.value),
        encoded.map((e) => e.envelope.occurredAt),
      ],
    );
    manager.queryRunner.data[OUTBOX_EVENTS_RECORDED] = true;
    return encoded.map((e) => e.envelope.eventId);
  }
}
