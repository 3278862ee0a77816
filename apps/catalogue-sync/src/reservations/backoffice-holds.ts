import type { HoldAnswer, HoldRequest } from '../backoffice/backoffice-client';

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

/** Back-office refusals that mean "this line cannot be reserved", and the reason recorded for each. */
export const REFUSED_BY_BACKOFFICE: Record<
  string,
  { outcome: 'insufficient-stock' | 'unknown-sku'; reason: string }
> = {
  insufficient_stock: { outcome: 'insufficient-stock', reason: 'NO_STOCK_IN_BACKOFFICE' },
  inactive_product: { outcome: 'insufficient-stock', reason: 'BLOCKED_IN_BACKOFFICE' },
  unknown_sku: { outcome: 'unknown-sku', reason: 'UNKNOWN_SKU_IN_BACKOFFICE' },
};
