import type { EntityManager } from 'typeorm';
import type { BackboneLogger, Clock } from '@seller-bridge/service-kit';
import type { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';

/** Where a marketplace's full sync stands. */
export interface FullSyncState {
  generation: number;
  total: number;
  done: number;
  batches: number;
  progress: number;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/**
 * A full sync asks for every active product again: the marketplace's generation goes up, and every product
 * handled in an older generation is due (no row is touched to mark them, whatever the catalogue's size). Its
 * progress is the share of the products counted at the start that have been handled since, sent or found
 * unmapped; it is done once the walk has reached the end of the table and the last batch has completed.
 */
export class FullSyncTracker {
  constructor(
    private readonly clock: Clock,
    private readonly metrics: CatalogueSyncMetrics,
    private readonly logger: BackboneLogger,
    private readonly logEveryBatches: number,
  ) {}

  async start(m: EntityManager, mp: string): Promise<FullSyncState> {
    await m.query(
      `INSERT INTO catalogue_lane (marketplace) VALUES ($1) ON CONFLICT (marketplace) DO NOTHING`,
      [mp],
    );
    await m.query(`SELECT 1 FROM catalogue_lane WHERE marketplace = $1 FOR UPDATE`, [mp]);
    const [{ n }]: { n: number }[] = await m.query(`SELECT count(*)::int AS n FROM product WHERE active`);
    await m.query(
      `UPDATE catalogue_lane SET generation = generation + 1, product_cursor = '', full_sync_total = $2,
         full_sync_done = 0, full_sync_batches = 0, full_sync_scan_done = false, full_sync_started_at = $3,
         full_sync_finished_at = NULL
       WHERE marketplace = $1`,
      [mp, n, this.clock.now()],
    );
    this.metrics.fullSyncProgress.set({ marketplace: mp }, n === 0 ? 1 : 0);
    this.logger.info({ marketplace: mp, products: n }, 'catalogue: full sync started');
    return (await this.state(m, mp))!;
  }

  /** Counts products handled in `generation` (sent in a batch that completed, or found unmapped). */
  async handled(m: EntityManager, mp: string, generation: number, products: number, batches: number) {
    if (products === 0 && batches === 0) return;
    const rows: { done: string; total: string; batches: number }[] = await m.query(
      // (UPDATE … RETURNING inside a CTE: TypeORM answers a bare UPDATE with [rows, count].)
      `WITH u AS (
         UPDATE catalogue_lane SET full_sync_done = full_sync_done + $3, full_sync_batches = full_sync_batches + $4
         WHERE marketplace = $1 AND generation = $2 AND full_sync_started_at IS NOT NULL
           AND full_sync_finished_at IS NULL
         RETURNING full_sync_done::text AS done, full_sync_total::text AS total, full_sync_batches AS batches
       ) SELECT * FROM u`,
      [mp, generation, products, batches],
    );
    if (rows.length === 0) return;
    const { done, total, batches: count } = rows[0];
    const progress = Number(total) === 0 ? 1 : Math.min(1, Number(done) / Number(total));
    this.metrics.fullSyncProgress.set({ marketplace: mp }, progress);
    if (batches > 0 && count % this.logEveryBatches === 0) {
      this.logger.info(
        { marketplace: mp, done: Number(done), total: Number(total), batches: count, progress },
        `catalogue: full sync of ${mp}: ${done} / ${total} products (${(progress * 100).toFixed(1)}%), ${count} imports`,
      );
    }
  }

  /** The walk of `generation` reached the end of the product table. */
  async scanDone(m: EntityManager, mp: string, generation: number): Promise<void> {
    await m.query(
      `UPDATE catalogue_lane SET full_sync_scan_done = true
       WHERE marketplace = $1 AND generation = $2 AND full_sync_started_at IS NOT NULL`,
      [mp, generation],
    );
  }

  /** Ends the full sync once the walk is over and no product batch is open. */
  async finishIfDone(m: EntityManager, mp: string): Promise<void> {
    const rows: { done: string; total: string; batches: number }[] = await m.query(
      `WITH u AS (
         UPDATE catalogue_lane SET full_sync_finished_at = $2
         WHERE marketplace = $1 AND full_sync_started_at IS NOT NULL AND full_sync_finished_at IS NULL
           AND full_sync_scan_done
           AND NOT EXISTS (SELECT 1 FROM catalogue_batch b WHERE b.marketplace = $1 AND b.kind = 'products'
                           AND b.status <> 'done')
         RETURNING full_sync_done::text AS done, full_sync_total::text AS total, full_sync_batches AS batches
       ) SELECT * FROM u`,
      [mp, this.clock.now()],
    );
    if (rows.length === 0) return;
    this.metrics.fullSyncProgress.set({ marketplace: mp }, 1);
    this.logger.info(
      { marketplace: mp, done: Number(rows[0].done), total: Number(rows[0].total), batches: rows[0].batches },
      `catalogue: full sync of ${mp} finished: ${rows[0].done} products in ${rows[0].batches} imports`,
    );
  }

  async state(m: EntityManager, mp: string): Promise<FullSyncState | undefined> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT generation, full_sync_total::text AS total, full_sync_done::text AS done, full_sync_batches AS batches,
              full_sync_started_at AS started, full_sync_finished_at AS finished
       FROM catalogue_lane WHERE marketplace = $1`,
      [mp],
    );
    const r = rows[0];
    if (!r) return undefined;
    const total = Number(r.total ?? 0);
    const done = Number(r.done ?? 0);
    return {
      generation: r.generation as number,
      total,
      done,
      batches: r.batches as number,
      progress: r.finished || total === 0 ? (r.started ? 1 : 0) : Math.min(1, done / total),
      startedAt: (r.started as Date | null) ?? null,
      finishedAt: (r.finished as Date | null) ?? null,
    };
  }
}
