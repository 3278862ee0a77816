import type { EntityManager } from 'typeorm';
import { Topics, type LineDecision } from '@seller-bridge/contracts';
import type { MiraklOrder } from '@seller-bridge/mirakl-client';
import type { OutboxWriter, PendingEvent } from '@seller-bridge/service-kit';
import { orderException } from '../exceptions/order-exceptions';
import { snapshotOf, type OrderSnapshot } from './mirakl-order-mapper';
import { orderCancelled, readyForFulfilment } from '../release/release-events';
import { transitionOf, type KnownOrder, type Transition } from './order-transitions';

interface BookRow {
  order_id: string;
  mirakl_state: string;
  mirakl_updated_at: Date;
  received_published_at: Date | null;
  decision_published_at: Date | null;
  released_at: Date | null;
  cancelled_line_ids: string[];
  incident_line_ids: string[];
}

/** What recording a chunk of polled orders did. */
export interface ChunkReport {
  fresh: number;
  repeated: number;
  received: number;
  released: number;
  cancelled: number;
  autoRefused: number;
  /** Orders of the chunk published as received, now or earlier (they go in the poll's `orderIds`). */
  receivedIds: string[];
  /** First-seen times of orders released in this chunk (for the release latency metric). */
  releasedIds: string[];
}

interface SavedVersion {
  o: MiraklOrder;
  s: OrderSnapshot;
  t: Transition;
  after: KnownOrder;
  isNew: boolean;
}

export interface BookContext {
  marketplace: string;
  acceptanceWindowMs: number;
  service: string;
  now: Date;
}

const toKnown = (r: BookRow): KnownOrder => ({
  miraklState: r.mirakl_state,
  miraklUpdatedAt: new Date(r.mirakl_updated_at),
  receivedPublished: r.received_published_at !== null,
  decisionPublished: r.decision_published_at !== null,
  released: r.released_at !== null,
  cancelledLineIds: r.cancelled_line_ids,
  incidentLineIds: r.incident_line_ids,
});

/**
 * The order book: each Mirakl order's latest state, snapshot and history, and the marks that make every fact
 * published once. `recordChunk` runs in one transaction: the rows are locked, each order's transition is
 * computed from what the book held (de-duplication by order id and `last_updated_date`), and the book's update
 * and the events it causes commit together (outbox).
 */
export class OrderBookStore {
  constructor(private readonly outbox: OutboxWriter) {}

  async recordChunk(
    m: EntityManager,
    ctx: BookContext,
    orders: readonly MiraklOrder[],
  ): Promise<ChunkReport> {
    // Most of a poll repeats versions already held (overlap, margin): those are told apart without a lock, so
    // the acceptance sender and the decision consumer, which lock these rows too, are not held up by repeats.
    // Only this marketplace's poller (one, under its lease) changes `mirakl_updated_at`.
    const allIds = [...new Set(orders.map((o) => o.order_id))];
    const held: { order_id: string; mirakl_updated_at: Date }[] = await m.query(
      `SELECT order_id, mirakl_updated_at FROM mirakl_order WHERE marketplace = $1 AND order_id = ANY($2)`,
      [ctx.marketplace, allIds],
    );
    const heldAt = new Map(held.map((h) => [h.order_id, new Date(h.mirakl_updated_at).getTime()]));
    const newer = (o: MiraklOrder) => {
      const at = heldAt.get(o.order_id);
      return at === undefined || Date.parse(o.last_updated_date) > at;
    };
    const ids = [...new Set(orders.filter(newer).map((o) => o.order_id))].sort();
    const rows: BookRow[] =
      ids.length === 0
        ? []
        : await m.query(
            `SELECT order_id, mirakl_state, mirakl_updated_at, received_published_at, decision_published_at,
                    released_at, cancelled_line_ids, incident_line_ids
             FROM mirakl_order WHERE marketplace = $1 AND order_id = ANY($2) ORDER BY order_id FOR UPDATE`,
            [ctx.marketplace, ids],
          );
    const repeats: { order_id: string; received_published_at: Date | null }[] =
      orders.length === ids.length
        ? []
        : await m.query(
            `SELECT order_id, received_published_at FROM mirakl_order
             WHERE marketplace = $1 AND order_id = ANY($2) AND NOT (order_id = ANY($3))`,
            [ctx.marketplace, allIds, ids],
          );
    const known = new Map(rows.map((r) => [r.order_id, toKnown(r)]));
    const repeatReceived = new Map(repeats.map((r) => [r.order_id, r.received_published_at !== null]));
    const report: ChunkReport = {
      fresh: 0,
      repeated: 0,
      received: 0,
      released: 0,
      cancelled: 0,
      autoRefused: 0,
      receivedIds: [],
      releasedIds: [],
    };
    const events: PendingEvent<any>[] = [];
    const receivedIds = new Set<string>();
    const fresh: SavedVersion[] = [];
    for (const o of orders) {
      if (!known.has(o.order_id) && repeatReceived.has(o.order_id)) {
        report.repeated++;
        if (repeatReceived.get(o.order_id)) receivedIds.add(o.order_id);
        continue;
      }
      const snapshot = snapshotOf(ctx.marketplace, o, ctx.acceptanceWindowMs);
      const before = known.get(o.order_id);
      const t = transitionOf(before, { ...snapshot, acceptanceDecidedAt: o.acceptance_decision_date });
      if (!t.fresh) {
        report.repeated++;
        if (before?.receivedPublished) receivedIds.add(o.order_id);
        continue;
      }
      report.fresh++;
      const after: KnownOrder = {
        miraklState: snapshot.miraklState,
        miraklUpdatedAt: new Date(snapshot.miraklUpdatedAt),
        receivedPublished: (before?.receivedPublished ?? false) || t.publishReceived,
        decisionPublished: (before?.decisionPublished ?? false) || t.publishAutoRefusal,
        released: (before?.released ?? false) || t.publishReadyForFulfilment,
        cancelledLineIds: [...(before?.cancelledLineIds ?? []), ...t.cancelledLineIds],
        incidentLineIds: [...(before?.incidentLineIds ?? []), ...t.incidentLineIds],
      };
      known.set(o.order_id, after);
      if (after.receivedPublished) receivedIds.add(o.order_id);
      fresh.push({ o, s: snapshot, t, after, isNew: !before });
      events.push(...this.eventsOf(ctx, snapshot, t));
      if (t.publishReceived) report.received++;
      if (t.publishReadyForFulfilment) {
        report.released++;
        report.releasedIds.push(o.order_id);
      }
      if (t.cancelledLineIds.length > 0) report.cancelled++;
      if (t.publishAutoRefusal) report.autoRefused++;
    }
    // Two versions of one order in a chunk: the rows are written once per version, in order (a later version's
    // upsert wins), each in its own statement round so ON CONFLICT never meets the same key twice.
    const rounds: SavedVersion[][] = [];
    for (const v of fresh) {
      const round = rounds.find((r) => !r.some((x) => x.o.order_id === v.o.order_id));
      if (round) round.push(v);
      else rounds.push([v]);
    }
    for (const round of rounds) await this.saveAll(m, ctx, round);
    await this.outbox.emitMany(m, events);
    report.receivedIds = [...receivedIds];
    return report;
  }

  /** Writes the chunk's fresh versions in three statements (rows, history, moot decisions), not per order. */
  private async saveAll(m: EntityManager, ctx: BookContext, rows: SavedVersion[]): Promise<void> {
    if (rows.length === 0) return;
    const now = ctx.now;
    const col = <T>(f: (r: SavedVersion) => T) => rows.map(f);
    await m.query(
      `INSERT INTO mirakl_order (marketplace, order_id, mirakl_state, mirakl_updated_at, created_at, first_seen_at,
         last_seen_at, accept_by, ship_by, acceptance_decided_at, snapshot, received_published_at,
         decision_published_at, released_at, cancelled_line_ids, incident_line_ids)
       SELECT $1, v.order_id, v.state, v.updated_at, v.created_at, $2, $2, v.accept_by, v.ship_by, v.decided_at,
              v.snapshot, CASE WHEN v.received THEN $2::timestamptz END, CASE WHEN v.auto_refused THEN $2::timestamptz END,
              CASE WHEN v.released THEN $2::timestamptz END, ARRAY(SELECT jsonb_array_elements_text(v.cancelled)),
              ARRAY(SELECT jsonb_array_elements_text(v.incidents))
       FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[],
                   $9::timestamptz[], $10::jsonb[], $11::boolean[], $12::boolean[], $13::boolean[], $14::jsonb[],
                   $15::jsonb[])
            AS v(order_id, state, updated_at, created_at, accept_by, ship_by, decided_at, snapshot, received,
                 auto_refused, released, cancelled, incidents)
       ON CONFLICT (marketplace, order_id) DO UPDATE SET
         mirakl_state = EXCLUDED.mirakl_state, mirakl_updated_at = EXCLUDED.mirakl_updated_at,
         last_seen_at = EXCLUDED.last_seen_at, ship_by = EXCLUDED.ship_by,
         acceptance_decided_at = EXCLUDED.acceptance_decided_at, snapshot = EXCLUDED.snapshot,
         received_published_at = COALESCE(mirakl_order.received_published_at, EXCLUDED.received_published_at),
         decision_published_at = COALESCE(mirakl_order.decision_published_at, EXCLUDED.decision_published_at),
         released_at = COALESCE(mirakl_order.released_at, EXCLUDED.released_at),
         cancelled_line_ids = EXCLUDED.cancelled_line_ids, incident_line_ids = EXCLUDED.incident_line_ids`,
      [
        ctx.marketplace,
        now,
        col((r) => r.o.order_id),
        col((r) => r.s.miraklState),
        col((r) => new Date(r.s.miraklUpdatedAt)),
        col((r) => new Date(r.s.createdAt)),
        col((r) => (r.s.deadlines.acceptBy ? new Date(r.s.deadlines.acceptBy) : null)),
        col((r) => (r.s.deadlines.shipBy ? new Date(r.s.deadlines.shipBy) : null)),
        col((r) => (r.o.acceptance_decision_date ? new Date(r.o.acceptance_decision_date) : null)),
        col((r) => JSON.stringify(r.s)),
        col((r) => r.t.publishReceived),
        col((r) => r.t.publishAutoRefusal),
        col((r) => r.t.publishReadyForFulfilment),
        col((r) => JSON.stringify(r.after.cancelledLineIds)),
        col((r) => JSON.stringify(r.after.incidentLineIds)),
      ],
    );
    const moved = rows.filter((r) => r.t.stateChanged || r.isNew);
    if (moved.length > 0)
      await m.query(
        `INSERT INTO order_state_history (marketplace, order_id, from_state, to_state, mirakl_updated_at, seen_at)
         SELECT $1, v.order_id, v.from_state, v.to_state, v.updated_at, $2
         FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS v(order_id, from_state, to_state, updated_at)`,
        [
          ctx.marketplace,
          now,
          moved.map((r) => r.o.order_id),
          moved.map((r) => r.t.fromState ?? null),
          moved.map((r) => r.s.miraklState),
          moved.map((r) => new Date(r.s.miraklUpdatedAt)),
        ],
      );
    // A decision not yet sent is moot once Mirakl refused (timeout) or cancelled the order.
    const moot = rows.filter((r) => r.t.publishAutoRefusal || r.s.miraklState === 'CANCELED');
    if (moot.length > 0)
      await m.query(
        `UPDATE order_decision d SET status = 'superseded', outcome = v.outcome
         FROM unnest($2::text[], $3::text[]) AS v(order_id, outcome)
         WHERE d.marketplace = $1 AND d.order_id = v.order_id AND d.status IN ('waiting-erp', 'pending', 'sending')`,
        [
          ctx.marketplace,
          moot.map((r) => r.o.order_id),
          moot.map((r) => (r.t.publishAutoRefusal ? 'auto-refused' : 'cancelled')),
        ],
      );
  }

  private eventsOf(ctx: BookContext, s: OrderSnapshot, t: Transition): PendingEvent<any>[] {
    const { marketplace, orderId } = s;
    const events: PendingEvent<any>[] = [];
    if (t.publishReceived) events.push({ topic: Topics.orderReceived, payload: s });
    if (t.stateChanged)
      events.push({
        topic: Topics.orderStateChanged,
        payload: {
          marketplace,
          orderId,
          ...(t.fromState ? { fromState: t.fromState } : {}),
          toState: s.miraklState,
          changedAt: s.miraklUpdatedAt,
        },
      });
    if (t.publishAutoRefusal) {
      const lines: LineDecision[] = s.lines.map((l) => ({
        lineId: l.lineId,
        sku: l.sku,
        decision: 'REFUSE',
        reasonCode: 'MARKETPLACE_TIMEOUT',
        reason: 'the marketplace refused the order when its acceptance window passed',
      }));
      events.push({
        topic: Topics.orderRefused,
        payload: {
          marketplace,
          orderId,
          refusedBy: 'MARKETPLACE_TIMEOUT',
          lines,
          decidedAt: s.miraklUpdatedAt,
        },
      });
      events.push({
        topic: Topics.exceptionRaised,
        payload: orderException(
          'ACCEPTANCE_MISSED',
          { marketplace, orderId },
          ctx.service,
          ctx.now,
          'The marketplace auto-refused the order.',
        ),
      });
    }
    if (t.cancelledLineIds.length > 0)
      events.push({
        topic: Topics.orderCancelled,
        payload: orderCancelled(s, t.cancelledLineIds, t.cancelledBy ?? 'MARKETPLACE'),
      });
    if (t.incidentLineIds.length > 0)
      events.push({
        topic: Topics.orderIncidentOpened,
        payload: { marketplace, orderId, lineIds: t.incidentLineIds, openedAt: s.miraklUpdatedAt },
      });
    if (t.publishReadyForFulfilment)
      events.push({
        topic: Topics.orderReadyForFulfilment,
        payload: readyForFulfilment(s),
      });
    return events;
  }

  /** Ends a poll: the poll's event (after the received events of its chunks, which committed first) and the cursor. */
  async recordPoll(
    m: EntityManager,
    marketplace: string,
    startedAt: Date,
    finishedAt: Date,
    receivedIds: readonly string[],
    seen: number,
  ): Promise<void> {
    await this.outbox.emit(m, Topics.marketplacePolled, {
      marketplace,
      visibleAt: startedAt.toISOString(),
      orderIds: [...receivedIds],
      finishedAt: finishedAt.toISOString(),
    });
    await m.query(
      `INSERT INTO poll_cursor (marketplace, last_started_at, last_finished_at, orders_seen) VALUES ($1, $2, $3, $4)
       ON CONFLICT (marketplace) DO UPDATE SET last_started_at = EXCLUDED.last_started_at,
         last_finished_at = EXCLUDED.last_finished_at, orders_seen = EXCLUDED.orders_seen`,
      [marketplace, startedAt, finishedAt, seen],
    );
  }

  async cursor(m: EntityManager, marketplace: string): Promise<Date | undefined> {
    const rows: { last_started_at: Date }[] = await m.query(
      `SELECT last_started_at FROM poll_cursor WHERE marketplace = $1`,
      [marketplace],
    );
    return rows[0] ? new Date(rows[0].last_started_at) : undefined;
  }
}
