import type { OrderCancelled, OrderReadyForFulfilment } from '@seller-bridge/contracts';
import type { OrderSnapshot } from '../orders/mirakl-order-mapper';
import { fulfillableLines } from '../orders/order-transitions';

/**
 * `orders.order.ready-for-fulfilment.v1`: published once per order, when Mirakl first shows it in SHIPPING (or
 * later: a poll may skip SHIPPING) — the marketplace's fraud and debit checks are done. Carries what the ERP
 * needs to create the sales order: the lines it must fulfil (refused and cancelled lines left out), prices,
 * taxes and charges in minor units, the shipping and billing address, the marketplace customer id (never the
 * anonymised e-mail), the references (order id, commercial id) and the shipping deadline.
 */
export function readyForFulfilment(s: OrderSnapshot): OrderReadyForFulfilment {
  return { ...s, lines: fulfillableLines(s.lines) };
}

/**
 * `orders.order.cancelled.v1` for lines newly cancelled on the marketplace: the reservation owner releases
 * their reservations (catalogue-sync's OrderEventsConsumer.onCancelled), fulfilment stops them.
 */
export function orderCancelled(
  s: OrderSnapshot,
  lineIds: string[],
  cancelledBy: OrderCancelled['cancelledBy'],
): OrderCancelled {
  return {
    marketplace: s.marketplace,
    orderId: s.orderId,
    lineIds,
    cancelledBy,
    cancelledAt: s.miraklUpdatedAt,
  };
}
