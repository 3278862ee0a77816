import type { EntityManager } from 'typeorm';
import { LeaseLostError } from './lease-lost.error';

/**
 * Fences a transaction: passes only if `epoch` is still the lease's current epoch, and keeps it so until the
 * transaction ends. Call it inside the transaction that makes the holder's writes, before them:
 * `dataSource.transaction(async (m) => { await assertStillHolder(m, name, epoch); ... })`.
 *
 * It share-locks the lease row, and a new holder records its epoch by updating that row, so a takeover waits
 * for every fenced transaction of the previous holder to end: the previous holder's writes all come before the
 * next holder's. Throws {@link LeaseLostError} (`LEASE_LOST`) when another holder has taken over.
 */
export async function assertStillHolder(manager: EntityManager, name: string, epoch: number): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('assertStillHolder must run inside a transaction (dataSource.transaction(...))');
  }
  const rows: { epoch: string; holder_id: string }[] = await manager.query(
    `SELECT epoch::text AS epoch, holder_id FROM backbone_lease WHERE name = $1 FOR SHARE`,
    [name],
  );
  const current = rows.length > 0 ? Number(rows[0].epoch) : undefined;
  if (current !== epoch) {
    throw new LeaseLostError(name, epoch, 'epoch-moved', {
      currentEpoch: current ?? null,
      currentHolder: rows[0]?.holder_id ?? null,
    });
  }
}
