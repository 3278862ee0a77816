/**
 * The catalogue-sync-specific ceiling of the feed-to-queued benchmark: the same SQL a feed page runs, per change,
 * from one pgbench connection. The machine's general ceilings are in `@seller-bridge/service-kit/bench`.
 */
import { fmt, pgbench } from '@seller-bridge/service-kit/bench';

/**
 * The statements `StockLedger.applyStock` runs for one counted change (upsert the warehouse figure, make sure
 * the SKU row exists, re-sum the SKU, look for reservations it settles, queue the push for both marketplaces),
 * `perTx` changes per transaction, from ONE pgbench connection, on catalogue-sync's schema in `database`.
 * The C client's round trips without Node, TypeORM or HTTP: what one serial reader could at best do.
 */
export function pgbenchFeedSql(database: string, perTx: number, skus: number): string {
  const lines = ['BEGIN;'];
  for (let i = 0; i < perTx; i++) {
    const sku = `'PGB-' || :s${i}`;
    const wh = i % 2 === 0 ? `'LYON-1'` : `'MADRID-2'`;
    lines.unshift(`\\set s${i} random(1, ${skus})`);
    lines.push(
      `INSERT INTO warehouse_stock AS w (sku, warehouse, available, on_hand, as_of, source_version, source, updated_at) VALUES (${sku}, ${wh}, 5, 5, clock_timestamp(), 1, 'backoffice-feed', now()) ON CONFLICT (sku, warehouse) DO UPDATE SET available = EXCLUDED.available, on_hand = EXCLUDED.on_hand, as_of = EXCLUDED.as_of, source_version = EXCLUDED.source_version, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at WHERE (EXCLUDED.as_of, COALESCE(EXCLUDED.source_version, -1)) > (w.as_of, COALESCE(w.source_version, -1)) RETURNING sku;`,
      `INSERT INTO sku_stock (sku) VALUES (${sku}) ON CONFLICT DO NOTHING;`,
      `UPDATE sku_stock SET known = true, updated_at = now(), stock_as_of = GREATEST(COALESCE(stock_as_of, now()), now()), available = (SELECT COALESCE(SUM(available), 0) FROM warehouse_stock WHERE sku = ${sku}) WHERE sku = ${sku};`,
      `SELECT sku, quantity, order_line_id, marketplace, order_id FROM reservation WHERE sku = ${sku} AND state = 'posted' AND erp_created_at <= now() AND NOT EXISTS (SELECT 1 FROM erp_allocation a WHERE a.erp_order_number = reservation.erp_order_number) ORDER BY sku;`,
      `INSERT INTO pending_push (marketplace, sku, kind, queued_at, first_change_at) SELECT mp, ${sku}, 'stock', now(), now() FROM unnest(ARRAY['decathlon-fr','carrefour-es']) AS mp ON CONFLICT (marketplace, sku, kind) DO UPDATE SET queued_at = EXCLUDED.queued_at;`,
    );
  }
  lines.push('COMMIT;');
  const tps = pgbench(database, `${lines.join('\n')}\n`, 1, 10);
  return tps === undefined
    ? 'not measured (pgbench not found)'
    : `${fmt(tps * perTx)} changes/s (${tps.toFixed(2)} transactions/s of ${perTx} changes × 5 statements, pgbench, 1 connection)`;
}
