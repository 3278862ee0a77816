import type { EntityManager } from 'typeorm';
import type { ProductChanged } from '@seller-bridge/contracts';
import { categoryMapHash, mapCategory } from './category-map';
import {
  CatalogueExceptionType,
  exceptionId,
  normaliseReason,
  type ExceptionEvent,
} from './catalogue-exceptions';
import { FullSyncTracker } from './full-sync-tracker';
import { ImportLane, type LaneContext, type LaneDeps, type LaneStep, type OpenBatch } from './import-lane';
import { productFile, type ProductFileLine } from './product-file';

/** Which products are due: new, changed since last handled, asked for by a full sync, or unmapped under an old map. */
const due = (generation: string, mapHash: string) => `page.active AND (s.sku IS NULL
  OR s.product_version < page.updated_at OR s.generation < ${generation}
  OR (s.product_outcome = 'unmapped' AND s.map_hash IS DISTINCT FROM ${mapHash}))`;

interface Lane {
  cursor: string;
  generation: number;
}

/**
 * Products to a marketplace by P41 files. The product table is walked in SKU order (keyset pagination, one page
 * of `scanPageSize` rows at a time), so a catalogue of any size is read in bounded memory, and a batch of up to
 * `productBatchSize` due products is recorded and sent; the place in the walk is kept per marketplace. An
 * unmapped category raises an exception instead of a line. Each line Mirakl refuses (P44) raises an exception
 * naming the SKU and Mirakl's reason; the product is not sent again until it changes. When a later import
 * accepts it, the exception is resolved and its offer is queued (`pending_push` kind `offer`).
 */
export class ProductLane extends ImportLane {
  readonly kind = 'products' as const;
  protected readonly failedType = CatalogueExceptionType.productImportFailed;
  private readonly pending = new Map<string, number>();

  constructor(
    d: LaneDeps,
    private readonly fullSync: FullSyncTracker,
  ) {
    super(d);
  }

  protected gate(ctx: LaneContext): Promise<string | undefined> {
    return this.stockGate(ctx.marketplace.code);
  }

  protected async prepare(ctx: LaneContext): Promise<OpenBatch | LaneStep> {
    const mp = ctx.marketplace.code;
    const map = ctx.marketplace.categoryMap;
    const hash = categoryMapHash(map);
    const lane = await this.lane(mp);
    if (lane.cursor === '') await this.countPending(mp, lane.generation, hash);

    const { batchSize, skus, cursor, endOfPass } = await this.scan(mp, lane, hash);
    return this.tx(ctx, async (m) => {
      const now = this.d.clock.now();
      const held: { product_cursor: string; generation: number }[] = await m.query(
        `SELECT product_cursor, generation FROM catalogue_lane WHERE marketplace = $1 FOR UPDATE`,
        [mp],
      );
      // Someone else moved the walk (another holder, or a full sync began): start over next step.
      if (held[0].product_cursor !== lane.cursor || held[0].generation !== lane.generation)
        return { action: 'busy', detail: 'the product walk moved' } as LaneStep;
      if (await this.openBatch(mp, m)) return { action: 'busy', detail: 'a batch is open' } as LaneStep;

      const products: { sku: string; category: string }[] = await m.query(
        `SELECT sku, category FROM product WHERE sku = ANY($1) AND active ORDER BY sku`,
        [skus],
      );
      const mapped: { sku: string; code: string }[] = [];
      const unmapped: { sku: string; category: string }[] = [];
      for (const p of products) {
        const code = mapCategory(map, p.category);
        if (code) mapped.push({ sku: p.sku, code });
        else unmapped.push(p);
      }
      if (unmapped.length > 0) await this.recordUnmapped(m, mp, lane.generation, hash, unmapped, now);
      await m.query(`UPDATE catalogue_lane SET product_cursor = $2 WHERE marketplace = $1`, [mp, cursor]);
      await this.fullSync.handled(m, mp, lane.generation, unmapped.length, 0);
      this.handled(mp, unmapped.length);
      const batch =
        mapped.length > 0
          ? await this.insertBatch(
              m,
              mp,
              lane.generation,
              mapped.map((p) => p.sku),
              mapped.map((p) => p.code),
            )
          : undefined;
      if (endOfPass) await this.fullSync.scanDone(m, mp, lane.generation);
      if (!batch) {
        await this.fullSync.finishIfDone(m, mp);
        return {
          action: 'idle',
          lines: 0,
          detail:
            unmapped.length > 0
              ? `${unmapped.length} unmapped`
              : `nothing due (scanned to ${endOfPass ? 'the end' : cursor}, batch ${batchSize})`,
        } as LaneStep;
      }
      return batch;
    });
  }

  /** Reads keyset pages until a batch is full or the table ends; only SKUs are held, never the whole table. */
  private async scan(mp: string, lane: Lane, hash: string) {
    const batchSize = this.d.options.productBatchSize;
    const pageSize = Math.max(this.d.options.scanPageSize, 1);
    const skus: string[] = [];
    let cursor = lane.cursor;
    let endOfPass = false;
    while (skus.length < batchSize) {
      const need = batchSize - skus.length;
      const [page]: { scanned: number; last: string | null; skus: string[] }[] =
        await this.d.dataSource.query(
          `WITH page AS (
           SELECT sku, updated_at, active FROM product WHERE sku > $2 ORDER BY sku LIMIT $5
         ), due AS (
           SELECT page.sku FROM page
           LEFT JOIN catalogue_sku s ON s.marketplace = $1 AND s.sku = page.sku
           WHERE ${due('$3', '$4')} ORDER BY page.sku LIMIT $6
         )
         SELECT (SELECT count(*)::int FROM page) AS scanned, (SELECT max(sku) FROM page) AS last,
                COALESCE((SELECT array_agg(sku ORDER BY sku) FROM due), '{}') AS skus`,
          [mp, cursor, lane.generation, hash, pageSize, need],
        );
      skus.push(...page.skus);
      if (page.skus.length === need) {
        cursor = page.skus[page.skus.length - 1];
        break;
      }
      if (page.scanned < pageSize) {
        endOfPass = true;
        cursor = '';
        break;
      }
      cursor = page.last!;
    }
    return { batchSize, skus, cursor, endOfPass };
  }

  private async lane(mp: string): Promise<Lane> {
    await this.d.dataSource.query(
      `INSERT INTO catalogue_lane (marketplace) VALUES ($1) ON CONFLICT (marketplace) DO NOTHING`,
      [mp],
    );
    const [r]: { product_cursor: string; generation: number }[] = await this.d.dataSource.query(
      `SELECT product_cursor, generation FROM catalogue_lane WHERE marketplace = $1`,
      [mp],
    );
    return { cursor: r.product_cursor, generation: r.generation };
  }

  /** `catalogue_products_pending` at the start of each pass (one count; batches then count it down). */
  private async countPending(mp: string, generation: number, hash: string): Promise<void> {
    const [{ n }]: { n: number }[] = await this.d.dataSource.query(
      `SELECT count(*)::int AS n FROM product page
       LEFT JOIN catalogue_sku s ON s.marketplace = $1 AND s.sku = page.sku
       WHERE ${due('$2', '$3')}`,
      [mp, generation, hash],
    );
    this.pending.set(mp, n);
    this.d.metrics.productsPending.set({ marketplace: mp }, n);
  }

  private handled(mp: string, n: number): void {
    if (n === 0) return;
    const left = Math.max(0, (this.pending.get(mp) ?? 0) - n);
    this.pending.set(mp, left);
    this.d.metrics.productsPending.set({ marketplace: mp }, left);
  }

  private async recordUnmapped(
    m: EntityManager,
    mp: string,
    generation: number,
    hash: string,
    unmapped: { sku: string; category: string }[],
    now: Date,
  ): Promise<void> {
    const prior = await this.priorExceptions(
      m,
      mp,
      unmapped.map((u) => u.sku),
    );
    const events: ExceptionEvent[] = [];
    const ids: string[] = [];
    for (const u of unmapped) {
      const id = exceptionId(CatalogueExceptionType.unmappedCategory, mp, u.sku);
      ids.push(id);
      const before = prior.get(u.sku);
      if (before?.id === id) continue; // still open: raising it again would say nothing new
      if (before)
        events.push(
          this.d.exceptions.resolved(
            before.id,
            before.type,
            mp,
            'superseded: the category is now unmapped',
            now,
          ),
        );
      events.push(
        this.d.exceptions.raised(
          {
            exceptionId: id,
            type: CatalogueExceptionType.unmappedCategory,
            owner: 'ecommerce',
            marketplace: mp,
            entities: [
              { kind: 'sku', id: u.sku },
              { kind: 'category', id: u.category },
            ],
            reason: `Product ${u.sku} is not sent to ${mp}: its category '${u.category}' has no ${mp} category.`,
            resolution: `Add '${u.category}' (or a prefix of it) to ${mp}'s categoryMap in MARKETPLACES, or move the product to a mapped category; it is sent once mapped.`,
          },
          now,
        ),
      );
    }
    await m.query(
      `INSERT INTO catalogue_sku AS s (marketplace, sku, product_version, generation, product_outcome, map_hash,
         product_exception, product_exception_type, updated_at)
       SELECT $1, p.sku, p.updated_at, $2, 'unmapped', $3, u.id, $6, $7
       FROM unnest($4::text[], $5::text[]) AS u(sku, id) JOIN product p ON p.sku = u.sku
       ON CONFLICT (marketplace, sku) DO UPDATE SET product_version = EXCLUDED.product_version,
         generation = GREATEST(s.generation, EXCLUDED.generation), product_outcome = 'unmapped',
         map_hash = EXCLUDED.map_hash, product_exception = EXCLUDED.product_exception,
         product_exception_type = EXCLUDED.product_exception_type, updated_at = EXCLUDED.updated_at`,
      [mp, generation, hash, unmapped.map((u) => u.sku), ids, CatalogueExceptionType.unmappedCategory, now],
    );
    await this.d.exceptions.emit(m, events);
  }

  private async priorExceptions(m: EntityManager, mp: string, skus: string[]) {
    const rows: { sku: string; id: string; type: string }[] = await m.query(
      `SELECT sku, product_exception AS id, product_exception_type AS type FROM catalogue_sku
       WHERE marketplace = $1 AND sku = ANY($2) AND product_exception IS NOT NULL`,
      [mp, skus],
    );
    return new Map(rows.map((r) => [r.sku, r]));
  }

  protected async send(ctx: LaneContext, batch: OpenBatch): Promise<string> {
    const rows: {
      sku: string;
      line: number;
      category_code: string;
      title: string;
      master: Partial<ProductChanged>;
    }[] = await this.d.dataSource.query(
      `SELECT l.sku, l.line, l.category_code, p.title, p.master
       FROM catalogue_batch_line l JOIN product p ON p.sku = l.sku
       WHERE l.batch_id = $1 ORDER BY l.line`,
      [batch.id],
    );
    if (rows.length !== batch.lines || rows.some((r, i) => r.line !== i + 1)) {
      // A product left the table since the batch was recorded: number the lines as the file will.
      await this.tx(ctx, async (m) => {
        await m.query(`DELETE FROM catalogue_batch_line WHERE batch_id = $1 AND NOT (sku = ANY($2))`, [
          batch.id,
          rows.map((r) => r.sku),
        ]);
        await m.query(
          `UPDATE catalogue_batch_line l SET line = u.n FROM unnest($2::text[]) WITH ORDINALITY AS u(sku, n)
           WHERE l.batch_id = $1 AND l.sku = u.sku`,
          [batch.id, rows.map((r) => r.sku)],
        );
        await m.query(`UPDATE catalogue_batch SET lines = $2 WHERE id = $1`, [batch.id, rows.length]);
      });
      batch.lines = rows.length;
    }
    const lines: ProductFileLine[] = rows.map((r) => ({
      sku: r.sku,
      title: r.title,
      category: r.category_code,
      ean: r.master.gtin ?? null,
      brand: r.master.brand ?? null,
      description: r.master.description ?? null,
    }));
    const { importId } = await ctx.client.importProducts(productFile(lines));
    return String(importId);
  }

  protected async complete(
    m: EntityManager,
    ctx: LaneContext,
    batch: OpenBatch,
    refused: Map<string, string>,
  ): Promise<void> {
    const mp = ctx.marketplace.code;
    const now = this.d.clock.now();
    const lines: { sku: string }[] = await m.query(
      `SELECT sku FROM catalogue_batch_line WHERE batch_id = $1`,
      [batch.id],
    );
    const skus = lines.map((l) => l.sku);
    const prior = await this.priorExceptions(m, mp, skus);
    const outcomes: string[] = [];
    const ids: (string | null)[] = [];
    const types: (string | null)[] = [];
    const accepted: string[] = [];
    const events: ExceptionEvent[] = [];
    for (const sku of skus) {
      const message = refused.get(sku);
      const before = prior.get(sku);
      if (message === undefined) {
        accepted.push(sku);
        outcomes.push('accepted');
        ids.push(null);
        types.push(null);
        if (before)
          events.push(
            this.d.exceptions.resolved(
              before.id,
              before.type,
              mp,
              `accepted by P41 import ${batch.importId}`,
              now,
            ),
          );
        continue;
      }
      const reason = normaliseReason(message);
      const id = exceptionId(CatalogueExceptionType.productRejected, mp, sku, reason);
      outcomes.push('rejected');
      ids.push(id);
      types.push(CatalogueExceptionType.productRejected);
      if (before?.id === id) continue;
      if (before)
        events.push(this.d.exceptions.resolved(before.id, before.type, mp, `superseded: ${reason}`, now));
      events.push(
        this.d.exceptions.raised(
          {
            exceptionId: id,
            type: CatalogueExceptionType.productRejected,
            owner: 'ecommerce',
            marketplace: mp,
            entities: [{ kind: 'sku', id: sku }],
            reason: `${mp} refused product ${sku} (P41 import ${batch.importId}): ${reason}`,
            resolution: `Correct product ${sku} in the back office (PIM) as Mirakl's reason says; it is sent again when it changes, and this clears once ${mp} accepts it.`,
          },
          now,
        ),
      );
    }
    await m.query(
      `INSERT INTO catalogue_sku AS s (marketplace, sku, product_version, generation, product_outcome, map_hash,
         category_code, accepted_version, product_exception, product_exception_type, updated_at)
       SELECT $1, l.sku, l.version, $3, u.outcome, $4, l.category_code,
              CASE WHEN u.outcome = 'accepted' THEN l.version END, u.id, u.type, $5
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) AS u(sku, outcome, id, type)
       JOIN catalogue_batch_line l ON l.batch_id = $2 AND l.sku = u.sku
       ON CONFLICT (marketplace, sku) DO UPDATE SET product_version = EXCLUDED.product_version,
         generation = GREATEST(s.generation, EXCLUDED.generation), product_outcome = EXCLUDED.product_outcome,
         map_hash = EXCLUDED.map_hash, category_code = EXCLUDED.category_code,
         accepted_version = COALESCE(EXCLUDED.accepted_version, s.accepted_version),
         product_exception = EXCLUDED.product_exception, product_exception_type = EXCLUDED.product_exception_type,
         updated_at = EXCLUDED.updated_at`,
      [
        mp,
        batch.id,
        batch.generation,
        categoryMapHash(ctx.marketplace.categoryMap),
        now,
        skus,
        outcomes,
        ids,
        types,
      ],
    );
    // The product exists on the marketplace now: its offer (price, quantity) follows by OF24.
    await m.query(
      `INSERT INTO pending_push (marketplace, sku, kind, queued_at, first_change_at)
       SELECT $1, sku, 'offer', $3, $3 FROM unnest($2::text[]) AS sku
       ON CONFLICT (marketplace, sku, kind) DO UPDATE SET queued_at = EXCLUDED.queued_at`,
      [mp, accepted, now],
    );
    await this.d.exceptions.emit(m, events);
    await this.fullSync.handled(m, mp, batch.generation, skus.length, 1);
    this.handled(mp, skus.length);
  }

  protected override async afterDone(m: EntityManager, ctx: LaneContext): Promise<void> {
    await this.fullSync.finishIfDone(m, ctx.marketplace.code);
  }
}
