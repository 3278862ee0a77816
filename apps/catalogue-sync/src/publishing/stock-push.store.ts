import { type Fence } from '@seller-bridge/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import {
  Topics,
  type AvailabilityChanged,
  type ExceptionRaised,
  type ExceptionResolved,
} from '@seller-bridge/contracts';
import type { Clock, OutboxWriter, PendingEvent } from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import { publishedQuantity, safetyBufferOf } from '../availability/availability';

/** Checks, inside a transaction, that this replica still holds the marketplace's lease (see the lease). */
import { availableSql } from '../availability/available-sql';
export type { Fence };

/** One line of a stock import, as computed in the claim's transaction. */
export interface PushLine {
  sku: string;
  quantity: number;
  available: number;
  reserved: number;
  safetyBuffer: number;
  /** The first unpushed change of the SKU (ISO): latency is measured from it, and a re-queue keeps it. */
  firstChangeAt: string;
}

/** A line of a FAILED import, with how many imports carrying its SKU failed in a row (this one included). */
export interface FailedLine extends PushLine {
  failedImports: number;
}

/** A claimed batch: `lines` are the SKUs whose quantity differs from what the marketplace was last told. */
export interface ClaimedBatch {
  claimed: number;
  /** Our `stock_import.id` (set when there are lines). */
  rowId?: string;
  lines: PushLine[];
}

/** A stock import Mirakl accepted and that is not final yet. */
export interface OpenImport {
  rowId: string;
  importId: string;
  status: string;
  lines: PushLine[];
}

/** Our own states of a stock import row; the Mirakl states in between (WAITING, RUNNING…) are stored as-is. */
export const FINAL_ROW_STATES = ['COMPLETE', 'FAILED', 'CANCELLED', 'REQUEUED', 'SUPERSEDED'] as const;

interface ClaimRow {
  sku: string;
  first_change_at: Date;
  available: number;
  reserved: number;
  stock_as_of: Date | null;
  published: number | null;
  known: boolean;
  accepted: boolean;
}

/**
 * The stock pusher's SQL (decision 0008, src/publishing/README.md). Every method is one transaction; the HTTP
 * calls happen between them, never inside.
 */
export class StockPushStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    /**
     * When catalogue-sync also publishes the catalogue, a SKU's stock goes out only once its product is
     * accepted on the marketplace: before that there is no offer to update, and the offer (OF24) carries the
     * quantity of the moment it is created.
     */
    private readonly requireAcceptedProduct = false,
  ) {}

  /**
   * Takes the oldest queued stock changes of a marketplace, computes each SKU's quantity from the current
   * back-office stock and reservations, and records what will be sent — all in one transaction (one snapshot
   * per statement, after the orders-first gate was read, so every reservation the gate waited for counts).
   * The queue rows are deleted; the lines are kept in the SENDING import row so nothing is lost if the process
   * dies before Mirakl answers. Only `kind = 'stock'` is claimed: offer work waits while stock is queued.
   */
  async claim(mp: MarketplaceSettings, fence?: Fence): Promise<ClaimedBatch> {
    return this.dataSource.transaction(async (m) => {
      await fence?.(m);
      const rows: ClaimRow[] = await m.query(
        `WITH claimed AS (
           SELECT sku, first_change_at FROM pending_push
           WHERE marketplace = $1 AND kind = 'stock'
           ORDER BY first_change_at, sku
           LIMIT $2
           FOR UPDATE SKIP LOCKED
         )
         SELECT c.sku, c.first_change_at,
           ${availableSql('c.sku', '$3')} AS available,
           COALESCE(s.reserved, 0)::int AS reserved,
           COALESCE(s.stock_as_of, s.updated_at) AS stock_as_of,
           pq.quantity AS published,
           COALESCE(s.known, false) AS known,
           EXISTS (SELECT 1 FROM catalogue_sku cs WHERE cs.marketplace = $1 AND cs.sku = c.sku
                   AND cs.accepted_version IS NOT NULL) AS accepted
         FROM claimed c
         LEFT JOIN sku_stock s ON s.sku = c.sku
         LEFT JOIN published_quantity pq ON pq.marketplace = $1 AND pq.sku = c.sku
         ORDER BY c.first_change_at, c.sku`,
        [mp.code, mp.stockPushBatchSize, mp.warehouses?.length ? mp.warehouses : null],
      );
      if (rows.length === 0) return { claimed: 0, lines: [] };
      await m.query(`DELETE FROM pending_push WHERE marketplace = $1 AND kind = 'stock' AND sku = ANY($2)`, [
        mp.code,
        rows.map((r) => r.sku),
      ]);
      // A SKU the back office does not know (e.g. from an order for an unknown SKU) has no offer to update;
      // nor has one whose product the marketplace has not accepted yet (see `requireAcceptedProduct`).
      const changed = rows
        .filter((r) => r.known && (!this.requireAcceptedProduct || r.accepted))
        .map((r) => ({ row: r, q: publishedQuantity(r.available, r.reserved, safetyBufferOf(mp, r.sku)) }))
        .filter(({ row, q }) => row.published === null || row.published !== q.quantity);
      if (changed.length === 0) return { claimed: rows.length, lines: [] };

      const now = this.clock.now();
      const lines: PushLine[] = changed.map(({ row, q }) => ({
        sku: row.sku,
        quantity: q.quantity,
        available: q.available,
        reserved: q.reserved,
        safetyBuffer: q.safetyBuffer,
        firstChangeAt: new Date(row.first_change_at).toISOString(),
      }));
      const [{ id }]: { id: string }[] = await m.query(
        `INSERT INTO stock_import (marketplace, import_id, status, lines, batch, created_at, updated_at)
         VALUES ($1, NULL, 'SENDING', $2, $3, $4, $4) RETURNING id::text AS id`,
        [mp.code, lines.length, JSON.stringify(lines), now],
      );
      await m.query(
        `INSERT INTO published_quantity (marketplace, sku, quantity, import_id, pushed_at, stock_import_id)
         SELECT $1, sku, quantity, NULL, $4, $5 FROM unnest($2::text[], $3::int[]) AS u(sku, quantity)
         ON CONFLICT (marketplace, sku) DO UPDATE SET quantity = EXCLUDED.quantity, import_id = NULL,
           pushed_at = EXCLUDED.pushed_at, stock_import_id = EXCLUDED.stock_import_id`,
        [mp.code, lines.map((l) => l.sku), lines.map((l) => l.quantity), now, id],
      );
      await this.outbox.emitMany(
        m,
        changed.map(({ row }, i) => this.availability(mp.code, lines[i], row, now)),
      );
      return { claimed: rows.length, rowId: id, lines };
    });
  }

  /** STO01 accepted the batch: it now waits for Mirakl (followed with STO02). */
  async markSent(marketplace: string, rowId: string, importId: string, fence?: Fence): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await fence?.(m);
      const now = this.clock.now();
      // Mirakl gives an identical request that is still waiting the same import id: the earlier row (re-queued
      // after an answer-less failure) gives it up, so one row follows the import.
      await m.query(
        `UPDATE stock_import SET import_id = NULL, status = 'SUPERSEDED', updated_at = $4,
           last_error = COALESCE(last_error, '') || ' (its import id was reused by row ' || $3 || ')'
         WHERE marketplace = $1 AND import_id = $2 AND id <> $3::bigint`,
        [marketplace, importId, rowId, now],
      );
      const [, updated] = (await m.query(
        `UPDATE stock_import SET import_id = $3, status = 'SENT', sent_at = $4, updated_at = $4
         WHERE marketplace = $1 AND id = $2::bigint AND status = 'SENDING'`,
        [marketplace, rowId, importId, now],
      )) as [unknown, number];
      await m.query(
        `UPDATE published_quantity SET import_id = $3 WHERE marketplace = $1 AND stock_import_id = $2::bigint`,
        [marketplace, rowId, importId],
      );
      return updated === 1;
    });
  }

  /**
   * The batch did not reach Mirakl (or we cannot know): its SKUs go back in the queue with their first change
   * time, and the figures it recorded as published are forgotten (what Mirakl holds is unknown), so the next
   * cycle recomputes and sends them whatever they are. Only a row still SENDING is touched.
   */
  async requeue(marketplace: string, rowId: string, why: string, fence?: Fence): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await fence?.(m);
      const rows: { batch: PushLine[] }[] = await m.query(
        `SELECT batch FROM stock_import WHERE marketplace = $1 AND id = $2::bigint AND status = 'SENDING' FOR UPDATE`,
        [marketplace, rowId],
      );
      if (rows.length === 0) return 0;
      await this.requeueLines(m, marketplace, rowId, rows[0].batch, why);
      return rows[0].batch.length;
    });
  }

  /**
   * Rows left SENDING by a process that died (or lost its lease) between the claim and Mirakl's answer. Called
   * at the start of every cycle, when no batch of this loop is in flight: each is re-queued as after a failure.
   */
  async recoverUnsent(marketplace: string, fence?: Fence): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await fence?.(m);
      const rows: { id: string; batch: PushLine[] }[] = await m.query(
        `SELECT id::text AS id, batch FROM stock_import WHERE marketplace = $1 AND status = 'SENDING'
         ORDER BY id FOR UPDATE`,
        [marketplace],
      );
      for (const r of rows)
        await this.requeueLines(
          m,
          marketplace,
          r.id,
          r.batch,
          'interrupted before STO01 answered (restart or lease lost)',
        );
      return rows.reduce((n, r) => n + r.batch.length, 0);
    });
  }

  /** Imports Mirakl accepted that are not final yet, oldest first. */
  async openImports(marketplace: string, limit: number): Promise<OpenImport[]> {
    const rows: { id: string; import_id: string; status: string; batch: PushLine[] }[] =
      await this.dataSource.query(
        `SELECT id::text AS id, import_id, status, batch FROM stock_import
         WHERE marketplace = $1 AND import_id IS NOT NULL AND status <> ALL($2::text[])
         ORDER BY id LIMIT $3`,
        [marketplace, FINAL_ROW_STATES, limit],
      );
    return rows.map((r) => ({ rowId: r.id, importId: r.import_id, status: r.status, lines: r.batch }));
  }

  /** Mirakl's state of an import that is not final (WAITING, RUNNING), or REPORT_PENDING. */
  async recordProgress(rowId: string, status: string, linesInError?: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE stock_import SET status = $2, lines_in_error = COALESCE($3, lines_in_error), updated_at = $4
       WHERE id = $1::bigint AND status <> ALL($5::text[])`,
      [rowId, status, linesInError ?? null, this.clock.now(), FINAL_ROW_STATES],
    );
  }

  /**
   * A final import: its state, its lines in error, and one exception per refused line (stable ids). The
   * figures Mirakl refused are forgotten, so the SKU's next change sends it again; nothing is re-queued, since
   * a line Mirakl refuses would be refused again forever.
   */
  async finish(
    marketplace: string,
    imp: OpenImport,
    status: 'COMPLETE' | 'FAILED' | 'CANCELLED',
    refusedSkus: readonly string[],
    exceptions: readonly ExceptionRaised[],
    reason?: string,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const now = this.clock.now();
      await m.query(
        `UPDATE stock_import SET status = $2, lines_in_error = $3, finished_at = $4, updated_at = $4,
           last_error = COALESCE($5, last_error)
         WHERE id = $1::bigint`,
        [imp.rowId, status, refusedSkus.length, now, reason ?? null],
      );
      if (refusedSkus.length > 0) {
        await m.query(
          `DELETE FROM published_quantity WHERE marketplace = $1 AND sku = ANY($2) AND stock_import_id = $3::bigint`,
          [marketplace, refusedSkus, imp.rowId],
        );
      }
      if (status === 'COMPLETE') {
        // The import landed: the SKUs it carried start again from no failed import.
        await m.query(`DELETE FROM stock_import_failure WHERE marketplace = $1 AND sku = ANY($2)`, [
          marketplace,
          imp.lines.map((l) => l.sku),
        ]);
      }
      await this.outbox.emitMany(
        m,
        exceptions.map((e) => ({ topic: Topics.exceptionRaised, payload: e, meta: { marketplace } })),
      );
    });
  }

  /**
   * Mirakl ended a stock import FAILED: none of its quantities landed, so the marketplace still shows older
   * ones. Each SKU's count of failed imports in a row goes up; those within `maxRetries` go back in the queue
   * (first change time kept) and are recomputed and sent by the next cycle, the others are given up (their count
   * cleared, so a later change gets its retries again) with the exception `exceptionFor` makes of them. The
   * figures the import recorded as published are forgotten either way. Done once per import: `undefined` when
   * the row was already final (another replica followed it).
   */
  async finishFailed(
    marketplace: string,
    imp: OpenImport,
    reason: string,
    maxRetries: number,
    exceptionFor: (gaveUp: FailedLine[]) => ExceptionRaised,
  ): Promise<{ requeued: FailedLine[]; gaveUp: FailedLine[] } | undefined> {
    return this.dataSource.transaction(async (m) => {
      const [row]: { status: string }[] = await m.query(
        `SELECT status FROM stock_import WHERE id = $1::bigint FOR UPDATE`,
        [imp.rowId],
      );
      if (!row || (FINAL_ROW_STATES as readonly string[]).includes(row.status)) return undefined;
      const now = this.clock.now();
      const counts: { sku: string; failed_imports: number }[] = await m.query(
        `INSERT INTO stock_import_failure AS f (marketplace, sku, failed_imports, last_import_id, updated_at)
         SELECT $1, sku, 1, $3, $4 FROM unnest($2::text[]) AS u(sku)
         ON CONFLICT (marketplace, sku) DO UPDATE SET failed_imports = f.failed_imports + 1,
           last_import_id = EXCLUDED.last_import_id, updated_at = EXCLUDED.updated_at
         RETURNING sku, failed_imports`,
        [marketplace, [...new Set(imp.lines.map((l) => l.sku))], imp.importId, now],
      );
      const failures = new Map(counts.map((c) => [c.sku, c.failed_imports]));
      const lines = imp.lines.map((l) => ({ ...l, failedImports: failures.get(l.sku) ?? 1 }));
      const requeued = lines.filter((l) => l.failedImports <= maxRetries);
      const gaveUp = lines.filter((l) => l.failedImports > maxRetries);
      if (requeued.length > 0) await this.queueAgain(m, marketplace, requeued, now);
      if (gaveUp.length > 0)
        await m.query(`DELETE FROM stock_import_failure WHERE marketplace = $1 AND sku = ANY($2)`, [
          marketplace,
          gaveUp.map((l) => l.sku),
        ]);
      await m.query(
        `DELETE FROM published_quantity WHERE marketplace = $1 AND stock_import_id = $2::bigint`,
        [marketplace, imp.rowId],
      );
      await m.query(
        `UPDATE stock_import SET status = 'FAILED', lines_in_error = $2, finished_at = $3, updated_at = $3,
           last_error = $4
         WHERE id = $1::bigint`,
        [imp.rowId, imp.lines.length, now, reason.slice(0, 2000)],
      );
      if (gaveUp.length > 0)
        await this.outbox.emit(m, Topics.exceptionRaised, exceptionFor(gaveUp), { marketplace });
      return { requeued, gaveUp };
    });
  }

  async raise(exception: ExceptionRaised): Promise<void> {
    await this.dataSource.transaction((m) =>
      this.outbox.emit(m, Topics.exceptionRaised, exception, { marketplace: exception.marketplace }),
    );
  }

  async resolve(resolved: ExceptionResolved, marketplace: string): Promise<void> {
    await this.dataSource.transaction((m) =>
      this.outbox.emit(m, Topics.exceptionResolved, resolved, { marketplace }),
    );
  }

  /** Queued SKUs by kind, for the gauge. */
  async pendingByKind(marketplace: string): Promise<Record<'stock' | 'offer', number>> {
    const rows: { kind: 'stock' | 'offer'; n: number }[] = await this.dataSource.query(
      `SELECT kind, COUNT(*)::int AS n FROM pending_push WHERE marketplace = $1 GROUP BY kind`,
      [marketplace],
    );
    const out = { stock: 0, offer: 0 };
    for (const r of rows) out[r.kind] = r.n;
    return out;
  }

  /** Units held by open and posted reservations, all SKUs. */
  async reservedUnits(): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT COALESCE(SUM(reserved), 0)::int AS n FROM sku_stock`,
    );
    return row.n;
  }

  private async requeueLines(
    m: EntityManager,
    marketplace: string,
    rowId: string,
    lines: PushLine[],
    why: string,
  ): Promise<void> {
    const now = this.clock.now();
    await this.queueAgain(m, marketplace, lines, now);
    await m.query(`DELETE FROM published_quantity WHERE marketplace = $1 AND stock_import_id = $2::bigint`, [
      marketplace,
      rowId,
    ]);
    await m.query(
      `UPDATE stock_import SET status = 'REQUEUED', last_error = $2, finished_at = $3, updated_at = $3
       WHERE id = $1::bigint`,
      [rowId, why.slice(0, 2000), now],
    );
  }

  /** The lines' SKUs back in the stock queue, each keeping the earlier of its first change times. */
  private async queueAgain(
    m: EntityManager,
    marketplace: string,
    lines: readonly PushLine[],
    now: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO pending_push (marketplace, sku, kind, queued_at, first_change_at)
       SELECT $1, sku, 'stock', $4, first_change_at FROM unnest($2::text[], $3::timestamptz[]) AS u(sku, first_change_at)
       ON CONFLICT (marketplace, sku, kind) DO UPDATE
         SET first_change_at = LEAST(pending_push.first_change_at, EXCLUDED.first_change_at)`,
      [marketplace, lines.map((l) => l.sku), lines.map((l) => l.firstChangeAt), now],
    );
  }

  private availability(
    marketplace: string,
    line: PushLine,
    row: ClaimRow,
    now: Date,
  ): PendingEvent<AvailabilityChanged> {
    return {
      topic: Topics.availabilityChanged,
      payload: {
        sku: line.sku,
        available: line.available,
        openReservations: Math.max(0, line.reserved),
        marketplaces: [
          { marketplace, quantity: line.quantity, safetyBuffer: Math.max(0, line.safetyBuffer) },
        ],
        stockAsOf: (row.stock_as_of ? new Date(row.stock_as_of) : now).toISOString(),
        at: now.toISOString(),
      },
      meta: { marketplace },
    };
  }
}
