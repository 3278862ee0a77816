import { FulfilmentBridge1764400000000 } from './migrations/1764400000000-fulfilment-bridge';
import { MarketplaceShipmentId1765100000000 } from './migrations/1765100000000-marketplace-shipment-id';
import { OrdersOnHold1765200000000 } from './migrations/1765200000000-orders-on-hold';
import { MarketplaceWriteStarted1765300000000 } from './migrations/1765300000000-marketplace-write-started';

/** The service's migrations (the backbone's own are added by the kit). Tables are used through SQL. */
export const FULFILMENT_ENTITIES = [];
export const FULFILMENT_MIGRATIONS = [
  FulfilmentBridge1764400000000,
  MarketplaceShipmentId1765100000000,
  OrdersOnHold1765200000000,
  MarketplaceWriteStarted1765300000000,
];
