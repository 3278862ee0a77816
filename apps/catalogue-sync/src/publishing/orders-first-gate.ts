import type { DataSource } from 'typeorm';

/**
 * Orders before stock (decision 0008): a push for a marketplace is computed only once every order of
 * order-gateway's latest poll of it has had its reservations decided. Read before the claim's transaction;
 * an order is in `order_seen` in the same transaction as its reservations, so once the gate is open, every
 * statement of the claim that follows sees those reservations.
 */
export type GateState =
  | { state: 'no-poll' }
  | { state: 'open'; visibleAt: Date }
  | { state: 'blocked'; visibleAt: Date; undecided: string[]; undecidedCount: number };

/** How many undecided order ids are returned (for the log line); the count is always exact. */
const SAMPLE = 10;

export async function readOrdersGate(dataSource: DataSource, marketplace: string): Promise<GateState> {
  const rows: { visible_at: Date; undecided: string[]; undecided_count: number }[] = await dataSource.query(
    `SELECT p.visible_at,
       (SELECT COALESCE(array_agg(u.id ORDER BY u.id), '{}') FROM (
          SELECT DISTINCT id FROM unnest(p.order_ids) AS id
          WHERE NOT EXISTS (SELECT 1 FROM order_seen s WHERE s.marketplace = p.marketplace AND s.order_id = id)
          ORDER BY id LIMIT ${SAMPLE}) u) AS undecided,
       (SELECT COUNT(DISTINCT id)::int FROM unnest(p.order_ids) AS id
          WHERE NOT EXISTS (SELECT 1 FROM order_seen s WHERE s.marketplace = p.marketplace AND s.order_id = id)
       ) AS undecided_count
     FROM marketplace_poll p WHERE p.marketplace = $1`,
    [marketplace],
  );
  if (rows.length === 0) return { state: 'no-poll' };
  const r = rows[0];
  const visibleAt = new Date(r.visible_at);
  return r.undecided_count === 0
    ? { state: 'open', visibleAt }
    : { state: 'blocked', visibleAt, undecided: r.undecided, undecidedCount: r.undecided_count };
}
