import pino from 'pino';
import { resolveLeaseOptions, type LeaseOptions } from './lease-options';

describe(resolveLeaseOptions.name, () => {
  const base: LeaseOptions = {
    databaseUrl: 'postgres://x@localhost/db',
    name: 'catalogue-sync:stock-push:decathlon-fr',
    holderId: 'pod-a',
    logger: pino({ level: 'silent' }),
  };

  it('fills defaults under which a cut-off holder notices its loss before PostgreSQL frees the lock', () => {
    const o = resolveLeaseOptions(base);
    expect(o).toMatchObject({ retryMs: 5_000, checkMs: 1_000, sessionTimeoutMs: 10_000 });
    expect(resolveLeaseOptions({ ...base, checkMs: 5_000 }).sessionTimeoutMs).toBe(15_000);
  });

  it('refuses a session timeout a healthy holder could trip, naming the setting', () => {
    expect(() => resolveLeaseOptions({ ...base, checkMs: 1_000, sessionTimeoutMs: 2_999 })).toThrow(
      /sessionTimeoutMs must be an integer >= 3 × checkMs/,
    );
    expect(() => resolveLeaseOptions({ ...base, checkMs: 1_000, sessionTimeoutMs: 3_000 })).not.toThrow();
  });

  it('refuses an empty holder id, a bad name and tiny or fractional intervals', () => {
    expect(() => resolveLeaseOptions({ ...base, holderId: '' })).toThrow(/holderId/);
    expect(() => resolveLeaseOptions({ ...base, name: '' })).toThrow(/name must have/);
    expect(() => resolveLeaseOptions({ ...base, retryMs: 5 })).toThrow(/retryMs/);
    expect(() => resolveLeaseOptions({ ...base, checkMs: 10.5 })).toThrow(/checkMs/);
  });
});
