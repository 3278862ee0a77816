export * from './lease';
export * from './lease-key';
export * from './lease-options';
export * from './lease-lost.error';
export * from './lease-fencing';
export * from './lease.metrics';
export * from './marketplace-loops';
