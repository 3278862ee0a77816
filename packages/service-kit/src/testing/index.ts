import 'reflect-metadata';

/** Helpers for integration tests and benchmarks on the real broker and database. */
export * from './test-event';
export * from './test-database';
export * from './kafka-test-tools';
export * from './free-port';
