import type { EntityManager } from 'typeorm';
import { hostname } from 'node:os';
import { assertStillHolder } from './lease-fencing';
import { Lease } from './lease';

type LeaseOptions = ConstructorParameters<typeof Lease>[0];

/** Checks, inside a transaction, that this replica still holds the lease its work runs under. */
export type Fence = (m: EntityManager) => Promise<void>;

/**
 * One loop per marketplace for a piece of scheduled work (order polling, acceptance, stock pushes,
 * catalogue publishing, reconciliation…): under the marketplace's lease when one is given, so one replica
 * does the work at a time and hands it over when it dies (decision 0007); else unleased (tests, tools).
 * `stop()` ends them all and waits.
 */
export class MarketplaceLoops {
  private readonly leases: Lease[] = [];
  private readonly leaseNames = new Map<string, string>();
  private readonly stopping = new AbortController();
  private readonly unleased: Promise<void>[] = [];

  start(
    marketplaces: Iterable<string>,
    leaseFor: ((marketplace: string) => Lease | undefined) | undefined,
    work: (marketplace: string, signal: AbortSignal, epoch?: number) => Promise<void>,
  ): void {
    for (const code of marketplaces) {
      const lease = leaseFor?.(code);
      if (lease) {
        this.leases.push(lease);
        this.leaseNames.set(code, lease.name);
        lease.run((signal, epoch) => work(code, signal, epoch));
      } else {
        this.unleased.push(work(code, this.stopping.signal));
      }
    }
  }

  /** The lease a marketplace's loop runs under, if any. */
  leaseNameOf(marketplace: string): string | undefined {
    return this.leaseNames.get(marketplace);
  }

  /** The fence of a marketplace's loop at `epoch`; none when it runs unleased. */
  fenceOf(marketplace: string, epoch?: number): Fence | undefined {
    const name = this.leaseNames.get(marketplace);
    return epoch === undefined || name === undefined ? undefined : (m) => assertStillHolder(m, name, epoch);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.leases.map((l) => l.stop()), ...this.unleased]);
  }
}

/**
 * A lease of this service on its own database, held by this process, with the service's lease metrics
 * (and its `LEASE_RETRY_MS`, when its config has one).
 */
export function serviceLease(
  config: { DATABASE_URL: string; LEASE_RETRY_MS?: number },
  metrics: { leases: LeaseOptions['metrics'] },
  logger: LeaseOptions['logger'],
  name: string,
): Lease {
  return new Lease({
    databaseUrl: config.DATABASE_URL,
    name,
    holderId: `${hostname()}:${process.pid}`,
    logger,
    metrics: metrics.leases,
    ...(config.LEASE_RETRY_MS !== undefined ? { retryMs: config.LEASE_RETRY_MS } : {}),
  });
}

/** Waits `ms`, or less when the signal aborts (then resolves; the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
