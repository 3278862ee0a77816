import type { LineReservation, Money, OrderLine } from '@seller-bridge/contracts';
import type { LineReasonCode } from '../exceptions/reason-codes';

/** What the validation of an order needs from the marketplace's configuration. */
export interface ValidationRules {
  /** Allowed relative difference between the line's unit price and the back office's price; absent: not checked. */
  priceTolerance?: number;
  shippingTypeMap?: Record<string, string>;
  taxCategoryMap?: Record<string, string>;
}

export interface LineFailure {
  code: LineReasonCode;
  detail: string;
}

export interface LineVerdict {
  lineId: string;
  sku: string;
  failures: LineFailure[];
}

export interface OrderToValidate {
  shippingTypeCode?: string;
  lines: Pick<OrderLine, 'lineId' | 'sku' | 'quantity' | 'unitPrice' | 'taxes' | 'shippingTaxes'>[];
}

/**
 * Every check on every line of an order, in a fixed order: SKU known and quantity reserved (the reservation
 * owner's answer, 0008 — order-gateway never computes stock), price consistent with the back office's price,
 * shipping type and tax codes mapped. A line with no failure may be accepted.
 */
export function validateOrder(
  order: OrderToValidate,
  reservations: readonly Pick<LineReservation, 'orderLineId' | 'outcome' | 'reservable'>[],
  rules: ValidationRules,
  offerPrices: ReadonlyMap<string, Money>,
): LineVerdict[] {
  const outcome = new Map(reservations.map((r) => [r.orderLineId, r]));
  const shippingUnmapped =
    rules.shippingTypeMap !== undefined &&
    !(order.shippingTypeCode !== undefined && order.shippingTypeCode in rules.shippingTypeMap);
  return order.lines.map((l) => {
    const failures: LineFailure[] = [];
    const r = outcome.get(l.lineId);
    if (!r) failures.push({ code: 'NO_STOCK', detail: 'no reservation was made for the line' });
    else if (r.outcome === 'unknown-sku')
      failures.push({ code: 'UNKNOWN_SKU', detail: `SKU ${l.sku} is unknown to the back office` });
    else if (r.outcome === 'insufficient-stock')
      failures.push({
        code: 'NO_STOCK',
        detail: `${l.quantity} ordered, ${Math.max(0, r.reservable)} reservable`,
      });

    const price = rules.priceTolerance === undefined ? undefined : offerPrices.get(l.sku);
    if (price && price.currency === l.unitPrice.currency && price.amountMinor > 0) {
      const gap = Math.abs(l.unitPrice.amountMinor - price.amountMinor) / price.amountMinor;
      if (gap > rules.priceTolerance!)
        failures.push({
          code: 'PRICE_MISMATCH',
          detail: `unit price ${l.unitPrice.amountMinor} vs back office ${price.amountMinor} (${l.unitPrice.currency} minor units)`,
        });
    }

    if (shippingUnmapped)
      failures.push({
        code: 'UNMAPPED_SHIPPING_TYPE',
        detail: `shipping type ${order.shippingTypeCode ?? '(none)'} is not mapped`,
      });

    if (rules.taxCategoryMap) {
      const unmapped = [...new Set([...l.taxes, ...l.shippingTaxes].map((t) => t.code))].filter(
        (c) => !(c in rules.taxCategoryMap!),
      );
      if (unmapped.length > 0)
        failures.push({
          code: 'UNMAPPED_TAX_CATEGORY',
          detail: `tax codes not mapped: ${unmapped.join(', ')}`,
        });
    }
    return { lineId: l.lineId, sku: l.sku, failures };
  });
}
