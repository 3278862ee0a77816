import type { DataSource, EntityManager } from 'typeorm';
import type { Clock, OutboxWriter } from '@seller-bridge/service-kit';
import { safetyBufferOf } from '../availability/availability';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import { minorToDecimal } from '../catalogue/price';
import { FINAL_ROW_STATES, type Fence } from '../publishing/stock-push.store';
import { correctedEvents } from './divergence-events';
import { DivergenceSettlement, type DivergenceRow, type PassTally } from './divergence-ledger';
import {
  compareOffer,
  DIVERGENCE_KINDS,
  type DivergenceKind,
  type ExpectedOffer,
  type FoundOffer,
} from './offer-comparison';
import { availableSql } from '../availability/available-sql';

/**
 * Offer work pending or in flight for `sku` (SQL over `$1` = marketplace, `$3` = since): an offer or product
 * queued or in an open import, a product change the publisher has not handled yet, or the publisher's record of
 * the SKU touched since `since` (an import finished while the marketplace was being read).
 */
const OFFER_BUSY = (sku: string, product: string, cs: string) => `(
  EXISTS (SELECT 1 FROM pending_push pp WHERE pp.marketplace = $1 AND pp.sku = ${sku} AND pp.kind = 'offer')
  OR EXISTS (SELECT 1 FROM catalogue_batch_line l JOIN catalogue_batch b ON b.id = l.batch_id
             WHERE b.marketplace = $1 AND b.status <> 'done' AND l.sku = ${sku})
  OR (${cs}.sku IS NOT NULL AND (${cs}.updated_at >= $3
      OR (${product}.sku IS NOT NULL AND ${cs}.product_version < ${product}.updated_at))))`;

/**
 * Stock work pending or in flight for `sku`: a queued push, a stock import carrying it that is not final or
 * finished since `since`, or a figure recorded as published since then.
 */
const STOCK_BUSY = (sku: string) => `(
  EXISTS (SELECT 1 FROM pending_push pp WHERE pp.marketplace = $1 AND pp.sku = ${sku} AND pp.kind = 'stock')
  OR EXISTS (SELECT 1 FROM stock_import si WHERE si.marketplace = $1
             AND (si.status <> ALL($4::text[]) OR si.finished_at >= $3)
             AND si.batch @> jsonb_build_array(jsonb_build_object('sku', ${sku})))
  OR EXISTS (SELECT 1 FROM published_quantity pq WHERE pq.marketplace = $1 AND pq.sku = ${sku} AND pq.pushed_at >= $3))`;

interface ExpectedRow {
  sku: string;
  known: boolean;
  active: boolean;
  price_minor: string | null;
  currency: string | null;
  available: number;
  reserved: number;
  stock_busy: boolean;
  offer_busy: boolean;
}

/**
 * Reconciliation's SQL (src/reconciliation/README.md). Each method is one transaction, fenced with the
 * marketplace's lease; OF21 is read between them, never inside one.
 */
export class ReconciliationStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly clock: Clock,
    private readonly service: string,
  ) {}

  /** A pass starts with no SKU seen. */
  async beginPass(marketplace: string, fence?: Fence): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await fence?.(m);
      await m.query(`DELETE FROM reconciliation_seen WHERE marketplace = $1`, [marketplace]);
    });
  }

  /**
   * One page of OF21 against what should be there, read for exactly those SKUs in one snapshot. `readAt` is
   * no later than the moment the page was requested: work finished since then may not show in what was read.
   */
  async comparePage(
    mp: MarketplaceSettings,
    offers: readonly FoundOffer[],
    readAt: Date,
    tally: PassTally,
    fence?: Fence,
  ): Promise<void> {
    const bySku = new Map(offers.map((o) => [o.sku, o]));
    const skus = [...bySku.keys()];
    await this.dataSource.transaction(async (m) => {
      await fence?.(m);
      await m.query(
        `INSERT INTO reconciliation_seen (marketplace, sku) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
        [mp.code, skus],
      );
      const rows: ExpectedRow[] = await m.query(
        `SELECT u.sku, p.sku IS NOT NULL AS known, COALESCE(p.active, false) AS active,
           p.price_minor::text AS price_minor, p.currency,
           ${availableSql('u.sku', '$2')} AS available,
           COALESCE(ss.reserved, 0)::int AS reserved,
           ${STOCK_BUSY('u.sku')} AS stock_busy,
           ${OFFER_BUSY('u.sku', 'p', 'cs')} AS offer_busy
         FROM unnest($5::text[]) AS u(sku)
         LEFT JOIN product p ON p.sku = u.sku
         LEFT JOIN sku_stock ss ON ss.sku = u.sku
         LEFT JOIN catalogue_sku cs ON cs.marketplace = $1 AND cs.sku = u.sku`,
        [mp.code, mp.warehouses?.length ? mp.warehouses : null, readAt, FINAL_ROW_STATES, skus],
      );
      const settlement = await this.settlement(m, mp.code, skus, tally);
      for (const r of rows) {
        const found = bySku.get(r.sku)!;
        const expected: ExpectedOffer = {
          sku: r.sku,
          known: r.known,
          active: r.active,
          priceMinor: r.price_minor,
          currency: r.currency,
          available: r.available,
          reserved: r.reserved,
          safetyBuffer: safetyBufferOf(mp, r.sku),
          quantityBusy: r.stock_busy,
          offerBusy: r.offer_busy,
        };
        const { checked, findings } = compareOffer(found, expected);
        if (checked.length < DIVERGENCE_KINDS.length) tally.skipped++;
        const quantity = String(found.quantity);
        settlement.settle(r.sku, checked, findings, {
          quantity: { expected: quantity, found: quantity },
          price: { found: `${found.price} ${found.currency ?? r.currency ?? ''}`.trim() },
          'missing-offer': { found: 'offer listed' },
        });
      }
      await settlement.flush(m, this.outbox);
    });
    tally.offersRead += offers.length;
    tally.pages++;
  }

  /**
   * Active products the marketplace accepted that OF21 did not list this pass, read in SKU order in pages of
   * `pageSize` (keyset on product.sku): each is a missing offer unless offer work for it is pending or was
   * touched since the pass began (`since`), when an offer created during the read may have been missed.
   */
  async findMissing(
    marketplace: string,
    since: Date,
    tally: PassTally,
    pageSize: number,
    fence?: Fence,
  ): Promise<void> {
    let after = '';
    for (;;) {
      const last = await this.dataSource.transaction(async (m) => {
        await fence?.(m);
        const rows: { sku: string; price_minor: string; currency: string; offer_busy: boolean }[] =
          await m.query(
            `SELECT p.sku, p.price_minor::text AS price_minor, p.currency, ${OFFER_BUSY('p.sku', 'p', 'cs')} AS offer_busy
             FROM product p
             JOIN catalogue_sku cs ON cs.marketplace = $1 AND cs.sku = p.sku AND cs.accepted_version IS NOT NULL
             WHERE p.sku > $2 AND p.active
               AND NOT EXISTS (SELECT 1 FROM reconciliation_seen s WHERE s.marketplace = $1 AND s.sku = p.sku)
             ORDER BY p.sku LIMIT $4`,
            [marketplace, after, since, pageSize],
          );
        if (rows.length === 0) return undefined;
        const settlement = await this.settlement(
          m,
          marketplace,
          rows.map((r) => r.sku),
          tally,
        );
        for (const r of rows) {
          if (r.offer_busy) {
            tally.skipped++;
            continue;
          }
          const price = `${minorToDecimal(r.price_minor, r.currency)} ${r.currency}`;
          settlement.settle(
            r.sku,
            ['missing-offer'],
            [{ kind: 'missing-offer', expected: `offer at ${price}`, found: 'no offer' }],
            {},
          );
        }
        await settlement.flush(m, this.outbox);
        return rows.length < pageSize ? undefined : rows[rows.length - 1].sku;
      });
      if (last === undefined) return;
      after = last;
    }
  }

  /**
   * The end of a complete pass: divergences of SKUs the marketplace no longer lists (quantity, price, extra
   * offer) and missing offers no longer expected (product inactive or not accepted) are corrected; the SKUs
   * seen are forgotten. Only after every page was read: a pass that stopped early proves nothing absent.
   */
  async endPass(marketplace: string, tally: PassTally, fence?: Fence): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await fence?.(m);
      // A DELETE … RETURNING comes back as [rows, affected].
      const [gone]: [{ sku: string; kind: DivergenceKind; status: string }[], number] = await m.query(
        `DELETE FROM offer_divergence d WHERE d.marketplace = $1
           AND NOT EXISTS (SELECT 1 FROM reconciliation_seen s WHERE s.marketplace = $1 AND s.sku = d.sku)
           AND (d.kind <> 'missing-offer' OR NOT EXISTS (
             SELECT 1 FROM product p JOIN catalogue_sku cs ON cs.marketplace = $1 AND cs.sku = p.sku
             WHERE p.sku = d.sku AND p.active AND cs.accepted_version IS NOT NULL))
         RETURNING d.sku, d.kind, d.status`,
        [marketplace],
      );
      const now = this.clock.now();
      const events = gone
        .filter((g) => g.status === 'open')
        .flatMap((g) =>
          correctedEvents(
            this.service,
            marketplace,
            g.sku,
            g.kind,
            {},
            g.kind === 'missing-offer'
              ? 'the SKU is no longer expected on the marketplace (product inactive or not accepted there)'
              : 'the marketplace no longer lists the offer',
            now,
          ),
        );
      tally.corrected += events.length / 2;
      if (events.length > 0) await this.outbox.emitMany(m, events);
      await m.query(`DELETE FROM reconciliation_seen WHERE marketplace = $1`, [marketplace]);
    });
  }

  /** Open divergences by kind, for the gauge. */
  async openByKind(marketplace: string): Promise<Record<DivergenceKind, number>> {
    const rows: { kind: DivergenceKind; n: number }[] = await this.dataSource.query(
      `SELECT kind, COUNT(*)::int AS n FROM offer_divergence
       WHERE marketplace = $1 AND status = 'open' GROUP BY kind`,
      [marketplace],
    );
    const out = Object.fromEntries(DIVERGENCE_KINDS.map((k) => [k, 0])) as Record<DivergenceKind, number>;
    for (const r of rows) out[r.kind] = r.n;
    return out;
  }

  private async settlement(
    m: EntityManager,
    marketplace: string,
    skus: readonly string[],
    tally: PassTally,
  ): Promise<DivergenceSettlement> {
    const rows: DivergenceRow[] = await m.query(
      `SELECT sku, kind, status, found FROM offer_divergence
       WHERE marketplace = $1 AND sku = ANY($2) ORDER BY sku, kind FOR UPDATE`,
      [marketplace, skus],
    );
    return new DivergenceSettlement(
      this.service,
      marketplace,
      new Map(rows.map((r) => [DivergenceSettlement.key(r.sku, r.kind), r])),
      tally,
      this.clock.now(),
    );
  }
}
