import type { MiraklOrder } from '@seller-bridge/mirakl-client';

export interface ShippedLine {
  lineId: string;
  sku: string;
  quantity: number;
}

/**
 * Has every line Mirakl still expects (state SHIPPING, less cancelled quantities) shipped in full, summing
 * the given shipments? Lines are matched by Mirakl line id, or by SKU when the warehouse named only that.
 * The marketplace's OR24 ships the whole order, so it is sent only once this is true.
 */
export function orderFullyShipped(order: MiraklOrder, shipments: readonly ShippedLine[][]): boolean {
  const byLine = new Map<string, number>();
  const bySku = new Map<string, number>();
  for (const s of shipments)
    for (const l of s) {
      if (l.lineId.startsWith('sku:')) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
      else byLine.set(l.lineId, (byLine.get(l.lineId) ?? 0) + l.quantity);
    }
  for (const line of order.order_lines) {
    if (line.order_line_state !== 'SHIPPING') continue;
    const cancelled = (line.cancelations ?? []).reduce((n, c) => n + (c.quantity ?? 0), 0);
    const wanted = line.quantity - cancelled;
    let got = byLine.get(line.order_line_id) ?? 0;
    if (got < wanted) {
      const fromSku = Math.min(bySku.get(line.offer_sku) ?? 0, wanted - got);
      bySku.set(line.offer_sku, (bySku.get(line.offer_sku) ?? 0) - fromSku);
      got += fromSku;
    }
    if (got < wanted) return false;
  }
  return true;
}
