import type { EntityManager } from 'typeorm';

/**
 * Queues SKUs whose published quantity must be recomputed for every marketplace. One row per marketplace and
 * SKU: a second change before the push coalesces into the first (the push reads the latest state, so the
 * latest wins) and keeps the time of the first unpushed change, which latency is measured from.
 */
export async function queueStockPush(
  m: EntityManager,
  marketplaces: readonly string[],
  skus: readonly string[],
  at: Date,
): Promise<void> {
  if (skus.length === 0 || marketplaces.length === 0) return;
  await m.query(
    `INSERT INTO pending_push (marketplace, sku, kind, queued_at, first_change_at)
     SELECT mp, sku, 'stock', $3, $3 FROM unnest($1::text[]) AS mp CROSS JOIN unnest($2::text[]) AS sku
     ON CONFLICT (marketplace, sku, kind) DO UPDATE SET queued_at = EXCLUDED.queued_at`,
    [marketplaces, [...new Set(skus)], at],
  );
}
