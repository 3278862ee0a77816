/**
 * The back-office availability reservations and pushes start from, in SQL: per warehouse, the back office's
 * `available` plus what it holds for our own orders (`held`). Those holds are ours to count: each is an open
 * reservation here until the sales order takes it over or a release gives it back, so counting it in the back
 * office's figure as well would count it twice (decision 0008, "Holds").
 */
export const AVAILABLE_WITH_OUR_HOLDS = 'w.available + w.held';

/** Σ over the SKU's warehouses (those in `warehouses`, a text[] parameter, or all when it is NULL), as int. */
export function availableSql(sku: string, warehouses: string): string {
  return `COALESCE((SELECT SUM(${AVAILABLE_WITH_OUR_HOLDS}) FROM warehouse_stock w
    WHERE w.sku = ${sku} AND (${warehouses}::text[] IS NULL OR w.warehouse = ANY(${warehouses}::text[]))), 0)::int`;
}
