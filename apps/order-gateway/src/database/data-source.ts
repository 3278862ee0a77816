import { OrderGateway1764400000000 } from './migrations/1764400000000-order-gateway';

/** The service's migrations (the backbone's own are added by the kit). Tables are used through SQL. */
export const ORDER_GATEWAY_ENTITIES = [];
export const ORDER_GATEWAY_MIGRATIONS = [OrderGateway1764400000000];
