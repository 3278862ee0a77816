import 'reflect-metadata';

export * from './envelope/event-envelope';
export * from './topics/topic';
export * from './topics/topic-registry';
export * from './common/money';
export * from './common/marketplace-order';
export * from './common/mirakl-order-state';
export * from './orders/order-parts';
export * from './orders/order-events';
export * from './fulfilment/fulfilment-events';
export * from './ops/exception-events';
export * from './backoffice/backoffice-events';
export * from './inventory/inventory-events';
export * from './catalogue/catalogue-events';
export * from './decode/decode-event';
export * from './schema/json-schema';
