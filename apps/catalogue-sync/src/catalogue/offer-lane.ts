import type { EntityManager } from 'typeorm';
import type { ProductChanged } from '@seller-bridge/contracts';
import { publishedQuantity, safetyBufferOf } from '../availability/availability';
import {
  CatalogueExceptionType,
  exceptionId,
  normaliseReason,
  type ExceptionEvent,
} from './catalogue-exceptions';
import { ImportLane, type LaneContext, type LaneStep, type OpenBatch } from './import-lane';
import { buildOffer } from './offer-builder';
import { availableSql } from '../availability/available-sql';

/**
 * Offers to a marketplace by OF24, always complete (price from the product master, quantity as published
 * now, every managed field): `pending_push` rows of kind `offer`, which the product lane queues when a product
 * is accepted. Only SKUs whose product the marketplace has accepted are taken (an offer needs its product).
 *
 * Stock-only changes are not this lane's job: they go by STO01 (the stock pusher), which touches nothing else.
 * Priority: orders, then stock, then catalogue. The quantity an offer carries is computed like a stock push, so
 * it waits for the same thing a push does (every order of the marketplace's latest poll reserved, decision 0008)
 * and gives way while stock work is pending, so an OF24 never sits in Mirakl's import queue before a STO01.
 */
export class OfferLane extends ImportLane {
  readonly kind = 'offers' as const;
  protected readonly failedType = CatalogueExceptionType.offerImportFailed;

  protected async gate(ctx: LaneContext): Promise<string | undefined> {
    const mp = ctx.marketplace.code;
    const [{ unreserved }]: { unreserved: boolean }[] = await this.d.dataSource.query(
      `SELECT EXISTS (
         SELECT 1 FROM marketplace_poll p CROSS JOIN unnest(p.order_ids) AS o(id)
         WHERE p.marketplace = $1
           AND NOT EXISTS (SELECT 1 FROM order_seen s WHERE s.marketplace = $1 AND s.order_id = o.id)
       ) AS unreserved`,
      [mp],
    );
    if (unreserved) return 'orders of the latest poll are not all reserved yet';
    return this.stockGate(mp);
  }

  protected async prepare(ctx: LaneContext): Promise<OpenBatch | LaneStep> {
    const mp = ctx.marketplace.code;
    return this.tx(ctx, async (m) => {
      if (await this.openBatch(mp, m)) return { action: 'busy', detail: 'a batch is open' } as LaneStep;
      // Taken off the queue in the transaction that records the batch: a change queued after this commits
      // inserts a new row, so it is not lost.
      const picked: { sku: string }[] = await m.query(
        `WITH gone AS (DELETE FROM pending_push pp USING (
           SELECT q.sku FROM pending_push q
           JOIN catalogue_sku s ON s.marketplace = q.marketplace AND s.sku = q.sku
                               AND s.accepted_version IS NOT NULL
           WHERE q.marketplace = $1 AND q.kind = 'offer'
           ORDER BY q.first_change_at, q.sku LIMIT $2
           FOR UPDATE OF q SKIP LOCKED
         ) picked
         WHERE pp.marketplace = $1 AND pp.kind = 'offer' AND pp.sku = picked.sku
         RETURNING pp.sku) SELECT sku FROM gone`,
        [mp, this.d.options.offerBatchSize],
      );
      if (picked.length === 0) return { action: 'idle', lines: 0, detail: 'no offer due' } as LaneStep;
      const skus = picked.map((p) => p.sku).sort();
      return this.insertBatch(m, mp, 0, skus);
    });
  }

  protected async send(ctx: LaneContext, batch: OpenBatch): Promise<string> {
    const settings = ctx.marketplace;
    // One statement, so every quantity comes from one snapshot of stock and reservations.
    const rows: {
      sku: string;
      price_minor: string;
      currency: string;
      active: boolean;
      master: Partial<ProductChanged>;
      available: number;
      reserved: number;
    }[] = await this.d.dataSource.query(
      `SELECT l.sku, p.price_minor::text AS price_minor, p.currency, p.active, p.master,
              ${availableSql('l.sku', '$2')} AS available,
              COALESCE(ss.reserved, 0)::int AS reserved
       FROM catalogue_batch_line l
       JOIN product p ON p.sku = l.sku
       LEFT JOIN sku_stock ss ON ss.sku = l.sku
       WHERE l.batch_id = $1 ORDER BY l.line`,
      [batch.id, settings.warehouses ?? null],
    );
    const offers = rows.map((r) =>
      buildOffer(
        {
          sku: r.sku,
          priceMinor: r.price_minor,
          currency: r.currency,
          active: r.active,
          master: r.master,
          quantity: publishedQuantity(r.available, r.reserved, safetyBufferOf(settings, r.sku)).quantity,
        },
        this.d.options.offerDefaults,
      ),
    );
    await this.tx(ctx, async (m) => {
      await m.query(`DELETE FROM catalogue_batch_line WHERE batch_id = $1 AND NOT (sku = ANY($2))`, [
        batch.id,
        offers.map((o) => o.shop_sku),
      ]);
      await m.query(
        `UPDATE catalogue_batch_line l SET quantity = u.q, line = u.n
         FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS u(sku, q, n)
         WHERE l.batch_id = $1 AND l.sku = u.sku`,
        [batch.id, offers.map((o) => o.shop_sku), offers.map((o) => o.quantity)],
      );
      await m.query(
        `UPDATE catalogue_batch SET lines = $2, status = CASE WHEN $2 = 0 THEN 'done' ELSE status END
         WHERE id = $1`,
        [batch.id, offers.length],
      );
    });
    batch.lines = offers.length;
    if (offers.length === 0)
      throw new RangeError(`offer batch ${batch.id} had no product left to offer; dropped`);
    const { importId } = await ctx.client.upsertOffers(offers);
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
    const lines: { sku: string; offer_exception: string | null }[] = await m.query(
      `SELECT l.sku, s.offer_exception FROM catalogue_batch_line l
       LEFT JOIN catalogue_sku s ON s.marketplace = $2 AND s.sku = l.sku
       WHERE l.batch_id = $1`,
      [batch.id, mp],
    );
    const accepted: string[] = [];
    const skus: string[] = [];
    const ids: (string | null)[] = [];
    const events: ExceptionEvent[] = [];
    for (const { sku, offer_exception: before } of lines) {
      skus.push(sku);
      const message = refused.get(sku);
      if (message === undefined) {
        accepted.push(sku);
        ids.push(null);
        if (before)
          events.push(
            this.d.exceptions.resolved(
              before,
              CatalogueExceptionType.offerRejected,
              mp,
              `accepted by OF24 import ${batch.importId}`,
              now,
            ),
          );
        continue;
      }
      const reason = normaliseReason(message);
      const id = exceptionId(CatalogueExceptionType.offerRejected, mp, sku, reason);
      ids.push(id);
      if (before === id) continue;
      if (before)
        events.push(
          this.d.exceptions.resolved(
            before,
            CatalogueExceptionType.offerRejected,
            mp,
            `superseded: ${reason}`,
            now,
          ),
        );
      events.push(
        this.d.exceptions.raised(
          {
            exceptionId: id,
            type: CatalogueExceptionType.offerRejected,
            owner: 'ecommerce',
            marketplace: mp,
            entities: [{ kind: 'sku', id: sku }],
            reason: `${mp} refused the offer of ${sku} (OF24 import ${batch.importId}): ${reason}`,
            resolution: `Correct ${sku}'s price or master data in the back office as Mirakl's reason says; the offer is sent again when the product changes, and this clears once ${mp} accepts it.`,
          },
          now,
        ),
      );
    }
    await m.query(
      `UPDATE catalogue_sku s SET offer_exception = u.id, updated_at = $4
       FROM unnest($2::text[], $3::text[]) AS u(sku, id)
       WHERE s.marketplace = $1 AND s.sku = u.sku`,
      [mp, skus, ids, now],
    );
    // What the marketplace was told, for the stock pusher's "changes only"; a push sent after this offer wins.
    await m.query(
      `INSERT INTO published_quantity AS q (marketplace, sku, quantity, import_id, pushed_at)
       SELECT $1, l.sku, l.quantity, $3, $4 FROM catalogue_batch_line l
       WHERE l.batch_id = $2 AND l.sku = ANY($5) AND l.quantity IS NOT NULL
       ON CONFLICT (marketplace, sku) DO UPDATE SET quantity = EXCLUDED.quantity, import_id = EXCLUDED.import_id,
         pushed_at = EXCLUDED.pushed_at
       WHERE q.pushed_at <= EXCLUDED.pushed_at`,
      [mp, batch.id, `OF24:${batch.importId}`, batch.sentAt ?? now, accepted],
    );
    await this.d.exceptions.emit(m, events);
  }
}
