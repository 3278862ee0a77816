import { createHash } from 'node:crypto';

/**
 * Prefix hashed with every lease name so lease keys do not meet the keys other code may pass to the one-argument
 * (bigint) advisory lock functions. Changing it changes every key: replicas running two builds would then both
 * hold "the same" lease. Never change it.
 */
const NAMESPACE = 'seller-bridge/lease:';

/** Longest lease name accepted (names are labels and log fields, not documents). */
export const MAX_LEASE_NAME_LENGTH = 200;

/**
 * The 64-bit advisory lock key of a lease name: the first 8 bytes of SHA-256 over the namespaced UTF-8 name,
 * read as a signed big-endian integer (PostgreSQL's `bigint`). Stable across processes, Node versions and
 * builds, which is what lets every replica compete for the same lock. Two names collide with probability
 * about n²/2⁶⁵: negligible for the few hundred leases a platform has.
 */
export function leaseKey(name: string): bigint {
  if (name.length === 0 || name.length > MAX_LEASE_NAME_LENGTH) {
    throw new RangeError(
      `A lease name must have 1 to ${MAX_LEASE_NAME_LENGTH} characters; got ${name.length}`,
    );
  }
  return createHash('sha256')
    .update(NAMESPACE + name, 'utf8')
    .digest()
    .readBigInt64BE(0);
}

/**
 * Where a bigint advisory lock of `key` appears in `pg_locks` (`locktype = 'advisory'`, `objsubid = 1`):
 * the high and low 32 bits as unsigned `classid` and `objid`. For operators and tests that look for the holder.
 */
export function leaseLockId(key: bigint): { classid: number; objid: number } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: Number(unsigned >> 32n), objid: Number(unsigned & 0xffffffffn) };
}
