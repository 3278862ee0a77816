import type { DataSource, EntityManager } from 'typeorm';
import { MiraklApiError, MiraklClient, type ImportErrorLine } from '@seller-bridge/mirakl-client';
import { assertStillHolder, type BackboneLogger, type Clock } from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import { CatalogueExceptionType, exceptionId, type CatalogueExceptions } from './catalogue-exceptions';
import type { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import type { CatalogueOptions } from './catalogue-options';

/** The lease epoch a step's writes are fenced with (absent when one process drives the publisher alone). */
export interface Fence {
  lease: string;
  epoch: number;
}

/** One marketplace as a step sees it. */
export interface LaneContext {
  marketplace: MarketplaceSettings;
  client: MiraklClient;
  fence?: Fence;
}

/** What one step of a lane did. */
export interface LaneStep {
  action:
    'idle' | 'yielded' | 'prepared' | 'sent' | 'waiting' | 'backing-off' | 'completed' | 'failed' | 'busy';
  importId?: string;
  lines?: number;
  linesInError?: number;
  detail?: string;
}

export interface OpenBatch {
  id: string;
  status: 'prepared' | 'sent' | 'retry';
  generation: number;
  lines: number;
  importId: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
}

export interface LaneDeps {
  dataSource: DataSource;
  clock: Clock;
  exceptions: CatalogueExceptions;
  metrics: CatalogueSyncMetrics;
  logger: BackboneLogger;
  options: CatalogueOptions;
}

const FINAL = new Set(['COMPLETE', 'FAILED', 'CANCELLED', 'TRANSFORMATION_FAILED']);

/**
 * One kind of import to one marketplace, one file at a time: pick a batch and record it, send it, follow it to
 * COMPLETE or FAILED, read its error report, and record the outcome of every line. Each step is one of these
 * and returns, so a loop (or a test) drives it and nothing waits inside. A batch is recorded before it is sent,
 * so a crash between the two sends the same lines again (imports carry absolute values). A FAILED file (or one
 * Mirakl refuses outright) raises one exception and is sent again with back-off until it completes.
 */
export abstract class ImportLane {
  abstract readonly kind: 'products' | 'offers';
  protected abstract readonly failedType: CatalogueExceptionType;

  constructor(protected readonly d: LaneDeps) {}

  /** Why new work must wait (stock or orders first), or undefined. */
  protected abstract gate(ctx: LaneContext): Promise<string | undefined>;
  /** Picks and records the next batch; an outcome when there is none to send. */
  protected abstract prepare(ctx: LaneContext): Promise<OpenBatch | LaneStep>;
  /** Builds the batch's file or request from the database and sends it; the import id. */
  protected abstract send(ctx: LaneContext, batch: OpenBatch): Promise<string>;
  /** Records each line's outcome (accepted, or refused with Mirakl's reason) in the caller's transaction. */
  protected abstract complete(
    m: EntityManager,
    ctx: LaneContext,
    batch: OpenBatch,
    refused: Map<string, string>,
  ): Promise<void>;
  /** Where the batch's full sync stands once it is done (products only). */
  protected async afterDone(_m: EntityManager, _ctx: LaneContext, _batch: OpenBatch): Promise<void> {}

  async step(ctx: LaneContext): Promise<LaneStep> {
    let batch = await this.openBatch(ctx.marketplace.code);
    if (!batch || batch.status !== 'sent') {
      const waitFor = await this.gate(ctx);
      if (waitFor) return { action: 'yielded', detail: waitFor };
    }
    if (!batch) {
      const prepared = await this.prepare(ctx);
      if (!('id' in prepared)) return prepared;
      batch = prepared;
    }
    if (batch.status === 'retry' && batch.nextAttemptAt && batch.nextAttemptAt > this.d.clock.now())
      return { action: 'backing-off', detail: `next attempt at ${batch.nextAttemptAt.toISOString()}` };
    if (batch.status !== 'sent') return this.sendBatch(ctx, batch);
    return this.follow(ctx, batch);
  }

  protected tx<T>(ctx: LaneContext, fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.d.dataSource.transaction(async (m) => {
      if (ctx.fence) await assertStillHolder(m, ctx.fence.lease, ctx.fence.epoch);
      return fn(m);
    });
  }

  protected async openBatch(marketplace: string, m?: EntityManager): Promise<OpenBatch | undefined> {
    const rows: Record<string, unknown>[] = await (m ?? this.d.dataSource).query(
      `SELECT id::text, status, generation, lines, import_id, attempts, next_attempt_at, last_error, sent_at
       FROM catalogue_batch WHERE marketplace = $1 AND kind = $2 AND status <> 'done'`,
      [marketplace, this.kind],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id as string,
          status: r.status as OpenBatch['status'],
          generation: r.generation as number,
          lines: r.lines as number,
          importId: r.import_id as string | null,
          attempts: r.attempts as number,
          nextAttemptAt: r.next_attempt_at as Date | null,
          lastError: r.last_error as string | null,
          sentAt: r.sent_at as Date | null,
        }
      : undefined;
  }

  /** Records a new batch and its lines (`skus` in file order); the caller's transaction. */
  protected async insertBatch(
    m: EntityManager,
    marketplace: string,
    generation: number,
    skus: string[],
    categoryCodes?: string[],
  ): Promise<OpenBatch> {
    const [{ id }]: { id: string }[] = await m.query(
      `INSERT INTO catalogue_batch (marketplace, kind, status, generation, lines, created_at)
       VALUES ($1, $2, 'prepared', $3, $4, $5) RETURNING id::text`,
      [marketplace, this.kind, generation, skus.length, this.d.clock.now()],
    );
    // The version is copied from the product row in the database: a JS Date would drop its microseconds.
    await m.query(
      `INSERT INTO catalogue_batch_line (batch_id, sku, line, version, category_code)
       SELECT $1, u.sku, u.n, p.updated_at, u.code
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(sku, code, n)
       LEFT JOIN product p ON p.sku = u.sku`,
      [id, skus, categoryCodes ?? skus.map(() => null)],
    );
    return {
      id,
      status: 'prepared',
      generation,
      lines: skus.length,
      importId: null,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      sentAt: null,
    };
  }

  private async sendBatch(ctx: LaneContext, batch: OpenBatch): Promise<LaneStep> {
    const mp = ctx.marketplace.code;
    let importId: string;
    try {
      importId = await this.send(ctx, batch);
    } catch (err) {
      // A refusal of the whole request (4xx) is the file's fault, like a FAILED import; anything else
      // (Mirakl down, no answer) leaves the batch as it is, to be sent again by the next step.
      if (err instanceof MiraklApiError && !err.transient) return this.markFailed(ctx, batch, err.message);
      throw err;
    }
    const now = this.d.clock.now();
    await this.tx(ctx, (m) =>
      m.query(
        `UPDATE catalogue_batch SET status = 'sent', import_id = $2, attempts = attempts + 1, sent_at = $3
         WHERE id = $1 AND status IN ('prepared', 'retry')`,
        [batch.id, importId, now],
      ),
    );
    this.d.metrics.importsSent.inc({ marketplace: mp, kind: this.kind });
    this.d.logger.info(
      {
        marketplace: mp,
        kind: this.kind,
        batch: batch.id,
        importId,
        lines: batch.lines,
        attempt: batch.attempts + 1,
      },
      `catalogue: ${this.kind} import sent`,
    );
    return { action: 'sent', importId, lines: batch.lines };
  }

  private async follow(ctx: LaneContext, batch: OpenBatch): Promise<LaneStep> {
    const importId = batch.importId!;
    let status;
    try {
      status = await ctx.client.getImport(this.kind as 'products', importId);
    } catch (err) {
      // The marketplace no longer knows the import (purged, or another instance's state): following it would
      // wait forever. It is treated as failed: the batch is sent again under the retry rules.
      if (err instanceof MiraklApiError && err.status === 404)
        return this.markFailed(ctx, batch, `import ${importId} is unknown to the marketplace (404)`);
      throw err;
    }
    const state = MiraklClient.importState(status);
    if (!FINAL.has(state)) return { action: 'waiting', importId, detail: state };
    if (state !== 'COMPLETE') {
      const reason = String(status.reason_status ?? '') || `the import ended ${state}`;
      return this.markFailed(ctx, batch, `import ${importId} ${state}: ${reason}`);
    }
    const errors = await ctx.client.getImportErrors(this.kind, importId);
    const refused = await this.refusedBySku(batch, errors);
    const mp = ctx.marketplace.code;
    const done = await this.tx(ctx, async (m) => {
      const locked: unknown[] = await m.query(
        `SELECT id FROM catalogue_batch WHERE id = $1 AND status = 'sent' AND import_id = $2 FOR UPDATE`,
        [batch.id, importId],
      );
      if (locked.length === 0) return false; // already recorded (a second follower)
      await this.complete(m, ctx, batch, refused);
      const now = this.d.clock.now();
      await m.query(
        `UPDATE catalogue_batch SET status = 'done', lines_in_error = $2, finished_at = $3, next_attempt_at = NULL
         WHERE id = $1`,
        [batch.id, refused.size, now],
      );
      await m.query(`DELETE FROM catalogue_batch_line WHERE batch_id = $1`, [batch.id]);
      if (batch.lastError) {
        await this.d.exceptions.emit(m, [
          this.d.exceptions.resolved(
            this.failedId(mp, batch),
            this.failedType,
            mp,
            `import ${importId} completed`,
            now,
          ),
        ]);
      }
      await this.afterDone(m, ctx, batch);
      return true;
    });
    if (!done) return { action: 'busy', importId };
    if (errors.length > 0) this.d.metrics.countImportErrors(mp, this.kind, errors.length);
    return { action: 'completed', importId, lines: batch.lines, linesInError: refused.size };
  }

  /** Error report lines by SKU: the line's `sku` field, else its line number in the file. */
  private async refusedBySku(batch: OpenBatch, errors: ImportErrorLine[]): Promise<Map<string, string>> {
    const refused = new Map<string, string>();
    if (errors.length === 0) return refused;
    const lines: { sku: string; line: number }[] = await this.d.dataSource.query(
      `SELECT sku, line FROM catalogue_batch_line WHERE batch_id = $1`,
      [batch.id],
    );
    const byLine = new Map(lines.map((l) => [l.line, l.sku]));
    const inBatch = new Set(lines.map((l) => l.sku));
    for (const e of errors) {
      const named = e.fields.sku ?? e.fields['offer-sku'] ?? e.fields.shop_sku;
      const sku = named && inBatch.has(named) ? named : e.line !== null ? byLine.get(e.line) : undefined;
      if (sku === undefined) {
        this.d.logger.warn(
          { batch: batch.id, error: e },
          'catalogue: an error report line names no SKU of the batch',
        );
        continue;
      }
      refused.set(sku, e.message);
    }
    return refused;
  }

  private async markFailed(ctx: LaneContext, batch: OpenBatch, reason: string): Promise<LaneStep> {
    const mp = ctx.marketplace.code;
    const now = this.d.clock.now();
    const attempts = Math.max(1, batch.attempts + (batch.status === 'sent' ? 0 : 1));
    const delay = Math.min(this.d.options.retryMaxMs, this.d.options.retryBaseMs * 2 ** (attempts - 1));
    const next = new Date(now.getTime() + delay);
    await this.tx(ctx, async (m) => {
      await m.query(
        `UPDATE catalogue_batch SET status = 'retry', attempts = $2, next_attempt_at = $3, last_error = $4
         WHERE id = $1 AND status <> 'done'`,
        [batch.id, attempts, next, reason],
      );
      await this.d.exceptions.emit(m, [
        this.d.exceptions.raised(
          {
            exceptionId: this.failedId(mp, batch),
            type: this.failedType,
            owner: 'integration',
            marketplace: mp,
            entities: [{ kind: 'import-batch', id: `${mp}:${this.kind}:${batch.id}` }],
            reason: `A ${this.kind} import of ${batch.lines} lines to ${mp} failed as a whole: ${reason}`,
            resolution:
              'Check the file format and the marketplace connection (P42/OF02 reason above). The same lines are ' +
              'sent again with back-off; the exception clears by itself once an attempt completes.',
          },
          now,
        ),
      ]);
    });
    this.d.metrics.countImportErrors(mp, this.kind);
    this.d.logger.warn(
      { marketplace: mp, kind: this.kind, batch: batch.id, reason, attempts, nextAttemptAt: next },
      `catalogue: ${this.kind} import failed; retrying with back-off`,
    );
    return { action: 'failed', importId: batch.importId ?? undefined, detail: reason };
  }

  private failedId(marketplace: string, batch: OpenBatch): string {
    return exceptionId(this.failedType, marketplace, `batch-${batch.id}`);
  }

  /** Whether stock work waits for this marketplace, and since when this lane has been giving way to it. */
  private yieldingSince = new Map<string, number>();

  /**
   * Stock first: catalogue work waits while stock rows are pending for the marketplace, so its imports never
   * sit in Mirakl's queue in front of a stock import. Bounded by `maxYieldToStockMs` against starvation.
   */
  protected async stockGate(marketplace: string): Promise<string | undefined> {
    const [{ pending }]: { pending: boolean }[] = await this.d.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM pending_push WHERE marketplace = $1 AND kind = 'stock') AS pending`,
      [marketplace],
    );
    const now = this.d.clock.now().getTime();
    if (!pending) {
      this.yieldingSince.delete(marketplace);
      return undefined;
    }
    const since = this.yieldingSince.get(marketplace) ?? now;
    this.yieldingSince.set(marketplace, since);
    if (now - since < this.d.options.maxYieldToStockMs) return 'stock work is pending for this marketplace';
    this.d.logger.warn(
      { marketplace, kind: this.kind, waitedMs: now - since },
      'catalogue: stock work has been pending for too long; catalogue work goes ahead of it once',
    );
    this.yieldingSince.delete(marketplace);
    return undefined;
  }
}
