/** What a marketplace may be shown for a SKU, and how it was derived. */
export interface PublishedQuantity {
  quantity: number;
  available: number;
  reserved: number;
  safetyBuffer: number;
}

/**
 * The no-oversell rule: published = back-office available − open reservations − safety buffer, never below
 * zero. `available` is the sum over the warehouses serving the marketplace; reservations are every open one of
 * the SKU, whatever marketplace took it (stock is one).
 */
export function publishedQuantity(
  available: number,
  reserved: number,
  safetyBuffer: number,
): PublishedQuantity {
  if (![available, reserved, safetyBuffer].every(Number.isInteger))
    throw new RangeError('quantities are whole numbers');
  return {
    quantity: Math.max(0, available - reserved - Math.max(0, safetyBuffer)),
    available,
    reserved,
    safetyBuffer,
  };
}

/** A marketplace's buffer for a SKU: its per-SKU override, else its default. */
export function safetyBufferOf(
  settings: { safetyBuffer: number; skuSafetyBuffers?: Record<string, number> },
  sku: string,
): number {
  const own = settings.skuSafetyBuffers?.[sku];
  return typeof own === 'number' && Number.isInteger(own) && own >= 0 ? own : settings.safetyBuffer;
}
