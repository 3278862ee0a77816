import type { LineDecision, OrderAwaitingErpConfirmation } from '@seller-bridge/contracts';
import type { OrderSnapshot } from '../orders/mirakl-order-mapper';

/**
 * `orders.order.awaiting-erp-confirmation.v1` for a decision that waits for the ERP (AFTER_ERP_CONFIRMATION):
 * the lines the decision accepts, as Mirakl gives them (prices, taxes, shipping, charges), the currency, the
 * references and the marketplace customer id. Names and addresses are left out on purpose: Mirakl withholds
 * them before SHIPPING, and the ERP gets them with the release (`orders.order.ready-for-fulfilment.v1`).
 */
export function awaitingErpConfirmation(
  s: OrderSnapshot,
  decision: readonly LineDecision[],
  decidedAt: Date,
): OrderAwaitingErpConfirmation {
  const accepted = new Set(decision.filter((d) => d.decision === 'ACCEPT').map((d) => d.lineId));
  return {
    marketplace: s.marketplace,
    orderId: s.orderId,
    ...(s.commercialId ? { commercialId: s.commercialId } : {}),
    marketplaceCustomerId: s.customer.marketplaceCustomerId,
    currency: s.currency,
    createdAt: s.createdAt,
    ...(s.shippingTypeCode ? { shippingTypeCode: s.shippingTypeCode } : {}),
    deadlines: { ...s.deadlines },
    lines: s.lines.filter((l) => accepted.has(l.lineId)),
    decidedAt: decidedAt.toISOString(),
  };
}
