import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  BACKBONE_LOGGER,
  CLOCK,
  OutboxWriter,
  TransientError,
  type BackboneLogger,
  type Clock,
  sleep,
} from '@seller-bridge/service-kit';
import { Topics } from '@seller-bridge/contracts';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import {
  HOLD_GATEWAY,
  holdKey,
  holdRequest,
  REFUSED_BY_BACKOFFICE,
  type HoldGateway,
} from './backoffice-holds';

/** Rows taken per round and per kind of work. */
const BATCH = 200;
/** After this many failed tries a placement stops being retried and becomes an exception. */
const MAX_PLACE_ATTEMPTS = 20;
const MAX_BACKOFF_MS = 60_000;
/**
 * A hold younger than this is never taken for an orphan: its reservation may still be in its transaction (which
 * lasts milliseconds to seconds); the margin also covers clock skew between this service and the back office.
 */
export const ORPHAN_MIN_AGE_MS = 5 * 60_000;

interface WorkRow {
  marketplace: string;
  order_id: string;
  order_line_id: string;
  sku: string;
  quantity: number;
  hold_attempts: number;
}

export interface HoldWorkDone {
  placed: number;
  refused: number;
  released: number;
  retried: number;
}

export interface HoldReconciliation {
  /** Holds the back office held (older than the minimum age). */
  checked: number;
  /** Of them, held for no reservation of ours that still needs them: released. */
  orphansReleased: number;
}

/**
 * Sends the back office the holds the reservation step could not settle at once (decision 0008, "Holds"):
 * placements it did not answer (`pending`) and releases of refused or cancelled lines (`releasing`). Rows are
 * taken with `FOR UPDATE SKIP LOCKED`, so replicas share the work without a lease; both calls are idempotent
 * on the hold key. A placement the back office refuses after the line was reserved is an exception for
 * operations: the order may be accepted for units another channel has sold.
 */
@Injectable()
export class HoldWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private controller?: AbortController;
  private running?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(HOLD_GATEWAY) private readonly holds: HoldGateway,
    private readonly outbox: OutboxWriter,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: CatalogueSyncMetrics,
    @Inject(BACKBONE_LOGGER) private readonly logger: BackboneLogger,
    private readonly config: CatalogueSyncConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.BACKOFFICE_HOLDS_ENABLED) return;
    this.controller = new AbortController();
    this.running = this.loop(this.controller.signal);
  }

  async onModuleDestroy(): Promise<void> {
    this.controller?.abort();
    await this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let lastReconcile = this.clock.now().getTime();
    while (!signal.aborted) {
      let busy = false;
      try {
        const done = await this.runOnce();
        busy = done.placed + done.refused + done.released >= BATCH;
        if (this.clock.now().getTime() - lastReconcile >= this.config.HOLD_RECONCILE_INTERVAL_MS) {
          lastReconcile = this.clock.now().getTime();
          await this.reconcileOnce();
        }
      } catch (err) {
        this.logger.error({ err }, 'hold worker round failed; trying again');
      }
      if (!busy) await sleep(this.config.HOLD_WORKER_INTERVAL_MS, signal);
    }
  }

  /**
   * Holds the back office still holds for which no reservation here is open (a crash between placing holds
   * and committing the reservation, then a different outcome on redelivery; a release lost by hand): they keep
   * units from every channel for nothing, so they are released. Only holds older than `minAgeMs` are looked at.
   */
  async reconcileOnce(minAgeMs = ORPHAN_MIN_AGE_MS): Promise<HoldReconciliation> {
    const result: HoldReconciliation = { checked: 0, orphansReleased: 0 };
    const before = new Date(this.clock.now().getTime() - minAgeMs);
    let after: string | undefined;
    do {
      const page = await this.holds.held(before, after, BATCH);
      result.checked += page.holds.length;
      if (page.holds.length > 0) {
        const ours: { marketplace: string; order_id: string; order_line_id: string }[] =
          await this.dataSource.query(
            `SELECT r.marketplace, r.order_id, r.order_line_id
             FROM unnest($1::text[], $2::text[], $3::text[]) AS h(marketplace, order_id, line_id)
             JOIN reservation r ON r.marketplace = h.marketplace AND r.order_id = h.order_id
               AND r.order_line_id = h.line_id
             WHERE r.state IN ('open', 'posted') AND r.hold_state IN ('held', 'pending', 'releasing')`,
            [
              page.holds.map((h) => h.reference.marketplace),
              page.holds.map((h) => h.reference.order_id),
              page.holds.map((h) => h.reference.line_id),
            ],
          );
        const needed = new Set(ours.map((r) => holdKey(r.marketplace, r.order_id, r.order_line_id)));
        for (const h of page.holds) {
          const k = holdKey(h.reference.marketplace, h.reference.order_id, h.reference.line_id);
          if (needed.has(k)) continue;
          await this.holds.release(h.key);
          result.orphansReleased++;
          this.metrics.holds.inc({ outcome: 'orphan_released' });
          this.logger.warn(
            { hold: h.key, marketplace: h.reference.marketplace, orderId: h.reference.order_id },
            'released a back-office hold no open reservation needs',
          );
        }
      }
      after = page.nextAfter ?? undefined;
    } while (after !== undefined);
    return result;
  }

  /** One round: due placements, then due releases. */
  async runOnce(): Promise<HoldWorkDone> {
    const done: HoldWorkDone = { placed: 0, refused: 0, released: 0, retried: 0 };
    await this.dataSource.transaction((m) => this.place(m, done));
    await this.dataSource.transaction((m) => this.release(m, done));
    const waiting: { work: string; n: number }[] = await this.dataSource.query(
      `SELECT CASE hold_state WHEN 'pending' THEN 'place' ELSE 'release' END AS work, count(*)::int AS n
       FROM reservation WHERE hold_state IN ('pending', 'releasing') GROUP BY 1`,
    );
    for (const work of ['place', 'release'])
      this.metrics.holdsWaiting.set({ work }, waiting.find((w) => w.work === work)?.n ?? 0);
    return done;
  }

  private async place(m: EntityManager, done: HoldWorkDone): Promise<void> {
    const rows = await this.due(m, 'pending');
    if (rows.length === 0) return;
    const now = this.clock.now();
    let answers;
    try {
      answers = await this.holds.place(
        rows.map((r) =>
          holdRequest(this.config.MARKETPLACES, {
            marketplace: r.marketplace,
            orderId: r.order_id,
            lineId: r.order_line_id,
            sku: r.sku,
            quantity: r.quantity,
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      await this.retryLater(m, rows, now);
      done.retried += rows.length;
      this.metrics.holds.inc({ outcome: 'retry' }, rows.length);
      return;
    }
    const later: WorkRow[] = [];
    for (const r of rows) {
      const a = answers.get(holdKey(r.marketplace, r.order_id, r.order_line_id));
      if (a?.outcome === 'held' && a.state !== 'released') {
        await this.setHold(m, r, a.state, now);
        done.placed++;
        this.metrics.holds.inc({ outcome: 'held' });
      } else if (
        (a?.outcome === 'refused' && REFUSED_BY_BACKOFFICE[a.code]) ||
        (a?.outcome === 'held' && a.state === 'released') ||
        r.hold_attempts + 1 >= MAX_PLACE_ATTEMPTS
      ) {
        const why =
          a?.outcome === 'refused' ? a.code : a?.outcome === 'held' ? 'hold_released' : 'no_usable_answer';
        await this.setHold(m, r, 'refused', now);
        await this.raiseLateRefusal(m, r, why, now);
        done.refused++;
        this.metrics.holds.inc({ outcome: 'late_refusal' });
      } else later.push(r);
    }
    if (later.length) {
      await this.retryLater(m, later, now);
      done.retried += later.length;
      this.metrics.holds.inc({ outcome: 'retry' }, later.length);
    }
  }

  private async release(m: EntityManager, done: HoldWorkDone): Promise<void> {
    const rows = await this.due(m, 'releasing');
    const now = this.clock.now();
    for (const r of rows) {
      try {
        const state = await this.holds.release(holdKey(r.marketplace, r.order_id, r.order_line_id));
        await this.setHold(m, r, state === 'converted' ? 'converted' : 'released', now);
        done.released++;
        this.metrics.holds.inc({ outcome: 'released' });
      } catch (err) {
        if (!(err instanceof TransientError)) throw err;
        await this.retryLater(m, rows.slice(rows.indexOf(r)), now);
        done.retried += rows.length - rows.indexOf(r);
        this.metrics.holds.inc({ outcome: 'retry' });
        return; // the back office is not answering: the rest waits for the next round
      }
    }
  }

  private due(m: EntityManager, state: 'pending' | 'releasing'): Promise<WorkRow[]> {
    return m.query(
      `SELECT marketplace, order_id, order_line_id, sku, quantity, hold_attempts FROM reservation
       WHERE hold_state = $1 AND hold_next_at <= $2
       ORDER BY hold_next_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      [state, this.clock.now()],
    );
  }

  private async setHold(m: EntityManager, r: WorkRow, state: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE reservation SET hold_state = $4, hold_next_at = NULL, updated_at = $5
       WHERE marketplace = $1 AND order_id = $2 AND order_line_id = $3`,
      [r.marketplace, r.order_id, r.order_line_id, state, now],
    );
  }

  private async retryLater(m: EntityManager, rows: WorkRow[], now: Date): Promise<void> {
    for (const r of rows) {
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(r.hold_attempts, 10));
      await m.query(
        `UPDATE reservation SET hold_attempts = hold_attempts + 1, hold_next_at = $4
         WHERE marketplace = $1 AND order_id = $2 AND order_line_id = $3`,
        [r.marketplace, r.order_id, r.order_line_id, new Date(now.getTime() + delay)],
      );
    }
  }

  private async raiseLateRefusal(m: EntityManager, r: WorkRow, why: string, now: Date): Promise<void> {
    const order = `${r.marketplace}:${r.order_id}`;
    this.logger.error(
      { marketplace: r.marketplace, orderId: r.order_id, lineId: r.order_line_id, sku: r.sku, why },
      'back office refused the hold of a line already reserved: the units may have been sold elsewhere',
    );
    await this.outbox.emitMany(m, [
      {
        topic: Topics.exceptionRaised,
        payload: {
          exceptionId: `catalogue-sync:HOLD_REFUSED_AFTER_RESERVATION:${holdKey(r.marketplace, r.order_id, r.order_line_id)}`,
          type: 'HOLD_REFUSED_AFTER_RESERVATION',
          owner: 'operations',
          service: this.config.SERVICE_NAME,
          marketplace: r.marketplace,
          entities: [
            { kind: 'order', id: order },
            { kind: 'sku', id: r.sku },
          ],
          reason: `The back office could not hold ${r.quantity} × ${r.sku} for order line ${r.order_line_id} (${why}) after the line was reserved while it did not answer: the units may have been sold by another channel.`,
          resolution:
            'Check the SKU in the back office. If the units are gone, source them or cancel the line on the marketplace (OR29/OR30) before the shipping deadline; if they are there, hold or post the order by hand.',
          raisedAt: now.toISOString(),
        },
        meta: { marketplace: r.marketplace },
      },
    ]);
  }
}
