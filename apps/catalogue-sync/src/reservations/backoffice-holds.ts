import type { HoldAnswer, HoldRequest } from '../backoffice/backoffice-client';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';

/**
 * The back office's holds as the reservation ledger uses them (decision 0008, "Holds"): each reserved line is
 * also held in the back office, so no other channel sells the unit before the order is a sales order. The
 * back office answers per hold; `insufficient_stock` there means the unit is gone although the feed has not
 * said so yet, and the line is not reserved.
 */
export interface HoldGateway {
  place(holds: HoldRequest[]): Promise<Map<string, HoldAnswer>>;
  release(key: string): Promise<'released' | 'converted' | 'absent'>;
  /** Holds the back office still holds, created before a time, a page at a time (reconciliation). */
  held(
    createdBefore: Date,
    after: string | undefined,
    limit: number,
  ): Promise<{ holds: { key: string; reference: HoldRequest['reference'] }[]; nextAfter: string | null }>;
}

export const HOLD_GATEWAY = Symbol('HOLD_GATEWAY');

/** One hold per reserved order line; the key is what makes a retried or redelivered placement harmless. */
export const holdKey = (marketplace: string, orderId: string, lineId: string) =>
  `${marketplace}:${orderId}:${lineId}`;

/**
 * The hold of one reserved line, limited to the warehouses that serve its marketplace (its `warehouses`, when
 * set): the units held are those the marketplace was offered, and the sales order ships them from there.
 */
export function holdRequest(
  marketplaces: readonly Pick<MarketplaceSettings, 'code' | 'warehouses'>[],
  line: { marketplace: string; orderId: string; lineId: string; sku: string; quantity: number },
): HoldRequest {
  const warehouses = marketplaces.find((m) => m.code === line.marketplace)?.warehouses;
  return {
    key: holdKey(line.marketplace, line.orderId, line.lineId),
    sku: line.sku,
    quantity: line.quantity,
    reference: { marketplace: line.marketplace, order_id: line.orderId, line_id: line.lineId },
    ...(warehouses?.length ? { warehouses } : {}),
  };
}

/** Back-office refusals that mean "this line cannot be reserved", and the reason recorded for each. */
export const REFUSED_BY_BACKOFFICE: Record<
  string,
  { outcome: 'insufficient-stock' | 'unknown-sku'; reason: string }
> = {
  insufficient_stock: { outcome: 'insufficient-stock', reason: 'NO_STOCK_IN_BACKOFFICE' },
  inactive_product: { outcome: 'insufficient-stock', reason: 'BLOCKED_IN_BACKOFFICE' },
  unknown_sku: { outcome: 'unknown-sku', reason: 'UNKNOWN_SKU_IN_BACKOFFICE' },
};
