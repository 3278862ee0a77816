import type { Logger } from 'pino';
import { MAX_LEASE_NAME_LENGTH } from './lease-key';
import type { LeaseMetrics } from './lease.metrics';

export interface LeaseOptions {
  /** Connection string of the service's database; the lease keeps one dedicated connection to it. */
  databaseUrl: string;
  /** What is leased, e.g. `catalogue-sync:stock-push:decathlon-fr`. Every replica must use the same name. */
  name: string;
  /** Who this replica is (pod name, pid): written to `backbone_lease.holder_id` and to logs. */
  holderId: string;
  /** How often a replica that does not hold the lease tries again. Default 5 000. */
  retryMs?: number;
  /** How often the holder checks its connection; a check unanswered within `checkMs` is a loss. Default 1 000. */
  checkMs?: number;
  /**
   * PostgreSQL ends the holder's session (and so frees the lock) when it has sent nothing for this long: the
   * bound on takeover when the holder is frozen or cut off without its connection closing. Must be at least
   * 3 × `checkMs`, so a live holder never trips it and a cut-off one notices its loss first. Default
   * max(10 000, 3 × `checkMs`).
   */
  sessionTimeoutMs?: number;
  logger: Logger;
  metrics?: LeaseMetrics;
}

export type ResolvedLeaseOptions = Required<Omit<LeaseOptions, 'metrics'>> & Pick<LeaseOptions, 'metrics'>;

/** Fills defaults and refuses settings under which the lease could not keep its promises. */
export function resolveLeaseOptions(o: LeaseOptions): ResolvedLeaseOptions {
  const retryMs = o.retryMs ?? 5_000;
  const checkMs = o.checkMs ?? 1_000;
  const sessionTimeoutMs = o.sessionTimeoutMs ?? Math.max(10_000, 3 * checkMs);
  const problems: string[] = [];
  if (o.name.length === 0 || o.name.length > MAX_LEASE_NAME_LENGTH) {
    problems.push(`name must have 1 to ${MAX_LEASE_NAME_LENGTH} characters`);
  }
  if (o.holderId.length === 0) problems.push('holderId must not be empty');
  if (!Number.isInteger(retryMs) || retryMs < 10)
    problems.push(`retryMs must be an integer >= 10 (${retryMs})`);
  if (!Number.isInteger(checkMs) || checkMs < 10)
    problems.push(`checkMs must be an integer >= 10 (${checkMs})`);
  if (!Number.isInteger(sessionTimeoutMs) || sessionTimeoutMs < 3 * checkMs) {
    problems.push(
      `sessionTimeoutMs must be an integer >= 3 × checkMs (${sessionTimeoutMs} < ${3 * checkMs})`,
    );
  }
  if (problems.length > 0) {
    throw new RangeError(`Invalid options for lease "${o.name}": ${problems.join('; ')}`);
  }
  return { ...o, retryMs, checkMs, sessionTimeoutMs };
}
