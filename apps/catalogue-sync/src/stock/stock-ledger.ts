import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ProductChanged, StockChanged } from '@seller-bridge/contracts';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { queueStockPush } from '../availability/pending-pushes';
import { AVAILABLE_WITH_OUR_HOLDS } from '../availability/available-sql';
import { ReservationLedger } from '../reservations/reservation-ledger';

/** Σ over every warehouse, as reservations count it (see available-sql.ts). */
const WITH_OUR_HOLDS = `COALESCE(SUM(${AVAILABLE_WITH_OUR_HOLDS}), 0)`;

/**
 * The back office's stock and product master as catalogue-sync holds them. A figure is applied only when it
 * is newer than the one held (back-office time, then feed position), so replays, duplicates and the same
 * change arriving by the feed and by Kafka are harmless. Every applied change queues the SKU for a push.
 */
@Injectable()
export class StockLedger {
  private readonly marketplaces: string[];

  constructor(
    private readonly reservations: ReservationLedger,
    @Inject(CLOCK) private readonly clock: Clock,
    config: CatalogueSyncConfig,
  ) {
    this.marketplaces = config.MARKETPLACES.map((m) => m.code);
  }

  /** Applies one warehouse figure; false when an equal or newer one is already held. */
  async applyStock(m: EntityManager, s: StockChanged): Promise<boolean> {
    const applied: unknown[] = await m.query(
      `INSERT INTO warehouse_stock AS w (sku, warehouse, available, on_hand, as_of, source_version, source, updated_at, held)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (sku, warehouse) DO UPDATE SET
         available = EXCLUDED.available, on_hand = EXCLUDED.on_hand, as_of = EXCLUDED.as_of, held = EXCLUDED.held,
         source_version = EXCLUDED.source_version, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
       WHERE (EXCLUDED.as_of, COALESCE(EXCLUDED.source_version, -1)) > (w.as_of, COALESCE(w.source_version, -1))
       RETURNING sku`,
      [
        s.sku,
        s.warehouse,
        s.available,
        s.onHand,
        new Date(s.asOf),
        s.sourceVersion ?? null,
        s.source,
        this.clock.now(),
        s.held ?? 0,
      ],
    );
    if (applied.length === 0) return false;
    await m.query(`INSERT INTO sku_stock (sku) VALUES ($1) ON CONFLICT DO NOTHING`, [s.sku]);
    await m.query(
      `UPDATE sku_stock SET known = true, updated_at = $2,
         stock_as_of = GREATEST(COALESCE(stock_as_of, $3), $3),
         available = (SELECT ${WITH_OUR_HOLDS} FROM warehouse_stock w WHERE w.sku = $1)
       WHERE sku = $1`,
      [s.sku, this.clock.now(), new Date(s.asOf)],
    );
    if (s.reason === 'allocated' && s.salesOrderNumber) {
      await this.reservations.onAllocation(m, s.salesOrderNumber, s.sku);
    } else {
      await this.reservations.consumeCountedBy(m, s.sku, new Date(s.asOf));
    }
    await queueStockPush(m, this.marketplaces, [s.sku], this.clock.now());
    return true;
  }

  /**
   * Applies a page of warehouse figures set-wise: a fixed number of statements whatever the page size (the
   * feed's hot path; `applyStock` is the one-figure form). Figures are taken in the order given; each is
   * applied only when newer than what is held at that point, exactly as one `applyStock` after another would.
   * Returns, per figure, whether it was applied. Locks every SKU's row first, in SKU order.
   */
  async applyStockMany(m: EntityManager, figures: readonly StockChanged[]): Promise<boolean[]> {
    if (figures.length === 0) return [];
    const skus = [...new Set(figures.map((f) => f.sku))].sort();
    await this.reservations.lockSkusInOrder(m, skus);
    const held: { sku: string; warehouse: string; as_of: Date; source_version: string | null }[] =
      await m.query(`SELECT sku, warehouse, as_of, source_version FROM warehouse_stock WHERE sku = ANY($1)`, [
        skus,
      ]);
    const key = (sku: string, warehouse: string) => `${sku}\u0000${warehouse}`;
    const current = new Map(
      held.map((h) => [
        key(h.sku, h.warehouse),
        { at: new Date(h.as_of).getTime(), version: Number(h.source_version ?? -1) },
      ]),
    );
    const latest = new Map<string, StockChanged>();
    const applied = figures.map((f) => {
      const k = key(f.sku, f.warehouse);
      const at = Date.parse(f.asOf);
      const version = f.sourceVersion ?? -1;
      const now = current.get(k);
      const newer = !now || at > now.at || (at === now.at && version > now.version);
      if (newer) {
        current.set(k, { at, version });
        latest.set(k, f);
      }
      return newer;
    });
    if (latest.size === 0) return applied;
    const rows = [...latest.values()];
    const now = this.clock.now();
    await m.query(
      `INSERT INTO warehouse_stock AS w (sku, warehouse, available, on_hand, as_of, source_version, source, held, updated_at)
       SELECT * , $9::timestamptz FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::timestamptz[], $6::bigint[], $7::text[], $8::int[])
       ON CONFLICT (sku, warehouse) DO UPDATE SET
         available = EXCLUDED.available, on_hand = EXCLUDED.on_hand, as_of = EXCLUDED.as_of, held = EXCLUDED.held,
         source_version = EXCLUDED.source_version, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at`,
      [
        rows.map((r) => r.sku),
        rows.map((r) => r.warehouse),
        rows.map((r) => r.available),
        rows.map((r) => r.onHand),
        rows.map((r) => new Date(r.asOf)),
        rows.map((r) => r.sourceVersion ?? null),
        rows.map((r) => r.source),
        rows.map((r) => r.held ?? 0),
        now,
      ],
    );
    const touched = new Map<string, Date>();
    for (const r of rows) {
      const at = new Date(r.asOf);
      const before = touched.get(r.sku);
      if (!before || at > before) touched.set(r.sku, at);
    }
    await m.query(
      `UPDATE sku_stock s SET known = true, updated_at = $3,
         stock_as_of = GREATEST(COALESCE(s.stock_as_of, v.as_of), v.as_of),
         available = (SELECT ${WITH_OUR_HOLDS} FROM warehouse_stock w WHERE w.sku = s.sku)
       FROM unnest($1::text[], $2::timestamptz[]) AS v(sku, as_of) WHERE s.sku = v.sku`,
      [[...touched.keys()], [...touched.values()], now],
    );
    // Reservations the back office now counts: by the sales order it names, else by time (see applyStock).
    const appliedFigures = figures.filter((_, i) => applied[i]);
    for (const f of appliedFigures) {
      if (f.reason === 'allocated' && f.salesOrderNumber)
        await this.reservations.onAllocation(m, f.salesOrderNumber, f.sku);
    }
    const posted: { sku: string }[] = await m.query(
      `SELECT DISTINCT sku FROM reservation WHERE state = 'posted' AND sku = ANY($1)`,
      [[...touched.keys()]],
    );
    for (const { sku } of posted) {
      const unnamed = appliedFigures.filter(
        (f) => f.sku === sku && !(f.reason === 'allocated' && f.salesOrderNumber),
      );
      if (unnamed.length > 0) await this.reservations.consumeCountedBy(m, sku, touched.get(sku)!);
    }
    await queueStockPush(m, this.marketplaces, [...touched.keys()], now);
    return applied;
  }

  /** Applies a product master; false when an equal or newer one is held. */
  async applyProduct(m: EntityManager, p: ProductChanged): Promise<boolean> {
    const applied: unknown[] = await m.query(
      `INSERT INTO product AS p (sku, title, category, price_minor, currency, active, master, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (sku) DO UPDATE SET title = EXCLUDED.title, category = EXCLUDED.category,
         price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency, active = EXCLUDED.active,
         master = EXCLUDED.master, updated_at = EXCLUDED.updated_at
       WHERE EXCLUDED.updated_at > p.updated_at
       RETURNING sku`,
      [
        p.sku,
        p.title,
        p.category,
        p.price.amountMinor,
        p.price.currency,
        p.active,
        JSON.stringify(p),
        new Date(p.updatedAt),
      ],
    );
    if (applied.length === 0) return false;
    await m.query(
      `INSERT INTO sku_stock (sku, known) VALUES ($1, true) ON CONFLICT (sku) DO UPDATE SET known = true`,
      [p.sku],
    );
    await queueStockPush(m, this.marketplaces, [p.sku], this.clock.now());
    return true;
  }
}
