export { MiraklSandbox, type Faults, type SandboxOptions } from './http/sandbox-server';
export { demoMarketplaces, type MarketplaceSettings } from './marketplace';
export { SandboxClock } from './sandbox-clock';
export type { RealStockSource, Sale, BuyerSettings } from './buyers/buyers';
export type { OrderEvent, OrderInput, OrderLineInput } from './orders/order-book';
export { seedDemo } from './demo-seed';
