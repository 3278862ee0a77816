import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ProductChanged, StockChanged } from '@seller-bridge/contracts';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import { CatalogueSyncConfig } from '../config/catalogue-sync.config';
import { queueStockPush } from '../availability/pending-pushes';
import { ReservationLedger } from '../reservations/reservation-ledger';

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
      `INSERT INTO warehouse_stock AS w (sku, warehouse, available, on_hand, as_of, source_version, source, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (sku, warehouse) DO UPDATE SET
         available = EXCLUDED.available, on_hand = EXCLUDED.on_hand, as_of = EXCLUDED.as_of,
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
      ],
    );
    if (applied.length === 0) return false;
    await m.query(`INSERT INTO sku_stock (sku) VALUES ($1) ON CONFLICT DO NOTHING`, [s.sku]);
    await m.query(
      `UPDATE sku_stock SET known = true, updated_at = $2,
         stock_as_of = GREATEST(COALESCE(stock_as_of, $3), $3),
         available = (SELECT COALESCE(SUM(available), 0) FROM warehouse_stock WHERE sku = $1)
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
