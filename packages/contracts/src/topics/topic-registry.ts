import { orderKey } from '../common/marketplace-order';
import { ExceptionRaised, ExceptionResolved } from '../ops/exception-events';
import {
  OrderAccepted,
  OrderAwaitingErpConfirmation,
  OrderCancelled,
  OrderIncidentOpened,
  OrderReadyForFulfilment,
  OrderReceived,
  OrderRefused,
  OrderStateChanged,
} from '../orders/order-events';
import {
  OrderPostedToErp,
  OrderShippedOnMarketplace,
  ShipmentConfirmed,
} from '../fulfilment/fulfilment-events';
import { defineTopic, type TopicDefinition } from './topic';
import { ProductChanged, StockChanged } from '../backoffice/backoffice-events';
import {
  AvailabilityChanged,
  MarketplacePolled,
  OrderReservationDecided,
  ReservationChanged,
} from '../inventory/inventory-events';
import { CatalogueDivergence } from '../catalogue/catalogue-events';

const ORDER_KEY = 'marketplace code and Mirakl order id, `<marketplace>:<order_id>`';
const SKU_KEY = "the seller's SKU (back-office SKU, Mirakl offer SKU)";

/** Every topic of the platform, by a stable property name. The public surface for other systems. */
export const Topics = {
  orderReceived: defineTopic({
    type: 'orders.order.received',
    version: 1,
    payload: OrderReceived,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'A marketplace order was seen for the first time.',
  }),
  orderAccepted: defineTopic({
    type: 'orders.order.accepted',
    version: 1,
    payload: OrderAccepted,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'The acceptance decision (OR21) landed on the marketplace; refused lines are listed.',
  }),
  orderAwaitingErpConfirmation: defineTopic({
    type: 'orders.order.awaiting-erp-confirmation',
    version: 1,
    payload: OrderAwaitingErpConfirmation,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description:
      'The order passed validation and its acceptance waits for the ERP (AFTER_ERP_CONFIRMATION): create the sales order on hold, without an address.',
  }),
  orderRefused: defineTopic({
    type: 'orders.order.refused',
    version: 1,
    payload: OrderRefused,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'The whole order was refused, by the seller with reasons or by the marketplace on timeout.',
  }),
  orderReadyForFulfilment: defineTopic({
    type: 'orders.order.ready-for-fulfilment',
    version: 1,
    payload: OrderReadyForFulfilment,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description:
      'The order is in SHIPPING on the marketplace (debit and fraud checks done): post it to the ERP.',
  }),
  orderCancelled: defineTopic({
    type: 'orders.order.cancelled',
    version: 1,
    payload: OrderCancelled,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'The order or some of its lines were cancelled; their reservations are released.',
  }),
  orderStateChanged: defineTopic({
    type: 'orders.order.state-changed',
    version: 1,
    payload: OrderStateChanged,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: "Mirakl's state of the order moved.",
  }),
  orderIncidentOpened: defineTopic({
    type: 'orders.order.incident-opened',
    version: 1,
    payload: OrderIncidentOpened,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'Lines of an order opened an incident on the marketplace (INCIDENT_OPEN).',
  }),
  shipmentConfirmed: defineTopic({
    type: 'backoffice.shipment.confirmed',
    version: 1,
    payload: ShipmentConfirmed,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'The warehouse shipped (part of) an order; the carrier is named as the warehouse names it.',
  }),
  orderPostedToErp: defineTopic({
    type: 'fulfilment.order.posted',
    version: 1,
    payload: OrderPostedToErp,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'The order exists in the ERP as a sales order, with its ERP number.',
  }),
  orderShippedOnMarketplace: defineTopic({
    type: 'fulfilment.order.shipped',
    version: 1,
    payload: OrderShippedOnMarketplace,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description: 'Tracking and ship were sent to the marketplace for a shipment.',
  }),
  productChanged: defineTopic({
    type: 'backoffice.product.changed',
    version: 1,
    payload: ProductChanged,
    keyOf: (p) => p.sku,
    keyDescription: SKU_KEY,
    description: 'The product master of a SKU changed in the back office (or an internal system says so).',
  }),
  stockChanged: defineTopic({
    type: 'backoffice.stock.changed',
    version: 1,
    payload: StockChanged,
    keyOf: (s) => s.sku,
    keyDescription: SKU_KEY,
    description:
      'The stock of a SKU in one warehouse changed in the back office: available, on hand, as of when.',
  }),
  reservationChanged: defineTopic({
    type: 'inventory.reservation.changed',
    version: 1,
    payload: ReservationChanged,
    keyOf: (r) => r.sku,
    keyDescription: SKU_KEY,
    description:
      "An order line's reservation of stock was opened, released, consumed (the back office counts the order) or rejected.",
  }),
  orderReservationDecided: defineTopic({
    type: 'inventory.order-reservation.decided',
    version: 1,
    payload: OrderReservationDecided,
    keyOf: orderKey,
    keyDescription: ORDER_KEY,
    description:
      'Every line of an order was tried against stock: reserved, insufficient stock, or unknown SKU.',
  }),
  availabilityChanged: defineTopic({
    type: 'inventory.availability.changed',
    version: 1,
    payload: AvailabilityChanged,
    keyOf: (a) => a.sku,
    keyDescription: SKU_KEY,
    description: 'The quantity to publish for a SKU on each marketplace, and how it was derived.',
  }),
  marketplacePolled: defineTopic({
    type: 'orders.marketplace.polled',
    version: 1,
    payload: MarketplacePolled,
    keyOf: (p) => p.marketplace,
    keyDescription: 'marketplace code',
    description:
      'A poll of a marketplace finished: every order visible when it started was published as received.',
  }),
  catalogueDivergence: defineTopic({
    type: 'catalogue.offer.diverged',
    version: 1,
    payload: CatalogueDivergence,
    keyOf: (d) => d.sku,
    keyDescription: SKU_KEY,
    description:
      'A marketplace holds something else than it should for a SKU (quantity, price, missing or extra offer); or it was corrected.',
  }),
  exceptionRaised: defineTopic({
    type: 'ops.exception.raised',
    version: 1,
    payload: ExceptionRaised,
    keyOf: (e) => e.exceptionId,
    keyDescription: 'exception id',
    description: 'Something a person must act on; the owner team is named.',
  }),
  exceptionResolved: defineTopic({
    type: 'ops.exception.resolved',
    version: 1,
    payload: ExceptionResolved,
    keyOf: (e) => e.exceptionId,
    keyDescription: 'exception id',
    description: 'An exception cleared, automatically or by a person.',
  }),
} as const;

/** A set of topics looked up by name (the global one is {@link TOPIC_REGISTRY}). */
export class TopicRegistry {
  private readonly byName = new Map<string, TopicDefinition>();

  constructor(topics: Iterable<TopicDefinition<any>>) {
    for (const t of topics) {
      if (this.byName.has(t.name)) throw new Error(`topic ${t.name} is defined twice`);
      this.byName.set(t.name, t);
    }
  }

  get(name: string): TopicDefinition | undefined {
    return this.byName.get(name);
  }

  all(): TopicDefinition[] {
    return [...this.byName.values()];
  }
}

export const TOPIC_REGISTRY = new TopicRegistry(Object.values(Topics));
