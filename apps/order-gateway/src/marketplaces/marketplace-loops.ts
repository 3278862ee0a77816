import { hostname } from 'node:os';
import { Lease, type BackboneLogger, type LeaseMetrics } from '@seller-bridge/service-kit';

/**
 * One loop per marketplace for a piece of scheduled work, each under its own lease, so one replica does the
 * work at a time and hands it over when it dies (decision 0007). `stop()` ends them all and waits.
 */
export class MarketplaceLoops {
  private readonly leases: Lease[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: BackboneLogger,
    private readonly metrics: LeaseMetrics,
    private readonly retryMs: number,
  ) {}

  start(
    leaseNameOf: (marketplace: string) => string,
    marketplaces: Iterable<string>,
    work: (marketplace: string, signal: AbortSignal, epoch: number) => Promise<void>,
  ): void {
    for (const code of marketplaces) {
      const lease = new Lease({
        databaseUrl: this.databaseUrl,
        name: leaseNameOf(code),
        holderId: `${hostname()}:${process.pid}`,
        logger: this.logger,
        metrics: this.metrics,
        retryMs: this.retryMs,
      });
      this.leases.push(lease);
      lease.run((signal, epoch) => work(code, signal, epoch));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.leases.map((l) => l.stop()));
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
