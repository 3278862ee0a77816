import { leaseKey, leaseLockId, MAX_LEASE_NAME_LENGTH } from './lease-key';

describe(leaseKey.name, () => {
  it('gives the same key for a name in every build, so replicas of two releases still exclude each other', () => {
    // Fixed vectors: if the derivation changes, an old and a new replica would hold "one" lease together.
    expect(leaseKey('catalogue-sync:stock-push:decathlon-fr')).toBe(3967078780613427580n);
    expect(leaseKey('order-gateway:order-poll:decathlon-fr')).toBe(-7435741640108469683n);
    expect(leaseKey('é')).toBe(566375980965075996n);
  });

  it('stays within PostgreSQL bigint and spreads distinct names over distinct keys', () => {
    const keys = new Set<bigint>();
    for (let i = 0; i < 20_000; i++) {
      const k = leaseKey(`service:job:marketplace-${i}`);
      expect(k >= -(2n ** 63n) && k < 2n ** 63n).toBe(true);
      keys.add(k);
    }
    expect(keys.size).toBe(20_000);
    expect([...keys].some((k) => k < 0n)).toBe(true); // the sign bit is used, not wasted
  });

  it('refuses an empty or overlong name', () => {
    expect(() => leaseKey('')).toThrow(RangeError);
    expect(() => leaseKey('x'.repeat(MAX_LEASE_NAME_LENGTH + 1))).toThrow(RangeError);
    expect(() => leaseKey('x'.repeat(MAX_LEASE_NAME_LENGTH))).not.toThrow();
  });
});

describe(leaseLockId.name, () => {
  it('maps a key to the classid and objid pg_locks shows for it', () => {
    // Read from pg_locks after `SELECT pg_advisory_lock(-7435741640108469683)` on PostgreSQL 15.
    expect(leaseLockId(-7435741640108469683n)).toEqual({ classid: 2563698783, objid: 3821081165 });
    expect(leaseLockId(3967078780613427580n)).toEqual({ classid: 923657505, objid: 3933471100 });
  });
});
