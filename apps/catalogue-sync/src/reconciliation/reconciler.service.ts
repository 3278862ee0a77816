import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { MiraklClient, MiraklOffer } from '@seller-bridge/mirakl-client';
import {
  LeaseLostError,
  type BackboneLogger,
  type Clock,
  type Lease,
  MarketplaceLoops,
  sleep,
} from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import type { CatalogueSyncMetrics } from '../metrics/catalogue-sync.metrics';
import type { Fence } from '../publishing/stock-push.store';
import { emptyTally, type PassTally } from './divergence-ledger';
import { DIVERGENCE_KINDS, type DivergenceKind, type FoundOffer } from './offer-comparison';
import type { ReconciliationStore } from './reconciliation.store';

export interface ReconcilerOptions {
  /** RECONCILE_ENABLED: when false, no loop starts with the application. */
  enabled: boolean;
  /** The lease of a marketplace's loop (one replica reconciles each); absent: loops run unleased. */
  leaseFor?: (marketplace: string) => Lease;
  /** Offers compared per transaction (OF21 pages are at most 100). Default 100. */
  pageSize?: number;
  /** Expected SKUs read per page when looking for missing offers. Default 500. */
  missingPageSize?: number;
}

/** What one pass found, for tests and logs. */
export interface ReconcileReport extends PassTally {
  marketplace: string;
  outcome: 'clean' | 'diverged';
  /** Open divergences after the pass, by kind. */
  open: Record<DivergenceKind, number>;
  durationMs: number;
}

/**
 * Scheduled reconciliation (issue 4, src/reconciliation/README.md): per marketplace, on its
 * `reconcileIntervalMs`, reads every offer with OF21 page by page and compares each page with what should be
 * there; then looks for accepted products the marketplace did not list. Divergences become events and
 * exceptions, their corrections are queued, and a later pass that finds them right resolves them.
 */
export class Reconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly settings: Map<string, MarketplaceSettings>;
  private readonly loops = new MarketplaceLoops();

  constructor(
    private readonly store: ReconciliationStore,
    private readonly clients: ReadonlyMap<string, MiraklClient>,
    marketplaces: readonly MarketplaceSettings[],
    private readonly metrics: CatalogueSyncMetrics,
    private readonly logger: BackboneLogger,
    private readonly clock: Clock,
    private readonly options: ReconcilerOptions,
  ) {
    this.settings = new Map(marketplaces.map((m) => [m.code, m]));
  }

  onApplicationBootstrap(): void {
    if (!this.options.enabled) {
      this.logger.info('reconciliation is off (RECONCILE_ENABLED=false)');
      return;
    }
    this.loops.start(this.settings.keys(), this.options.leaseFor, (code, signal, epoch) =>
      this.run(code, signal, epoch),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.loops.stop();
  }

  /** A marketplace's loop: a pass, then one every `reconcileIntervalMs`, until `signal` aborts. */
  async run(marketplace: string, signal: AbortSignal, epoch?: number): Promise<void> {
    const mp = this.marketplace(marketplace);
    this.logger.info({ marketplace, epoch, intervalMs: mp.reconcileIntervalMs }, 'reconciliation starts');
    while (!signal.aborted) {
      try {
        await this.reconcileOnce(marketplace, epoch);
      } catch (err) {
        if (signal.aborted || err instanceof LeaseLostError) break;
        this.logger.error({ err, marketplace }, 'reconciliation pass failed; trying again next interval');
      }
      await sleep(mp.reconcileIntervalMs, signal);
    }
    this.logger.info({ marketplace, epoch }, 'reconciliation stops');
  }

  /** One pass for one marketplace (the loop's body; tests drive it directly). */
  async reconcileOnce(marketplace: string, epoch?: number): Promise<ReconcileReport> {
    const mp = this.marketplace(marketplace);
    const fence = this.fenceOf(marketplace, epoch);
    const started = this.clock.now();
    const tally = emptyTally();
    try {
      await this.store.beginPass(marketplace, fence);
      await this.readOffers(mp, this.clients.get(marketplace)!, started, tally, fence);
      await this.store.findMissing(marketplace, started, tally, this.options.missingPageSize ?? 500, fence);
      await this.store.endPass(marketplace, tally, fence);
    } catch (err) {
      this.metrics.reconciliations.inc({ marketplace, outcome: 'error' });
      throw err;
    }
    const open = await this.store.openByKind(marketplace);
    for (const kind of DIVERGENCE_KINDS) this.metrics.divergencesOpen.set({ marketplace, kind }, open[kind]);
    const outcome = Object.values(open).some((n) => n > 0) ? 'diverged' : 'clean';
    const durationMs = this.clock.now().getTime() - started.getTime();
    this.metrics.reconciliations.inc({ marketplace, outcome });
    this.metrics.reconciliationDuration.set({ marketplace }, Math.max(0, durationMs) / 1000);
    const report: ReconcileReport = { marketplace, outcome, open, durationMs, ...tally };
    this.logger.info(report, 'reconciliation pass done');
    return report;
  }

  /**
   * OF21, every page, compared page by page: only one page of offers is held at a time. Each page is compared
   * as of the moment the previous one started being read (a safe lower bound on when its offers were fetched).
   */
  private async readOffers(
    mp: MarketplaceSettings,
    client: MiraklClient,
    started: Date,
    tally: PassTally,
    fence?: Fence,
  ): Promise<void> {
    const pageSize = this.options.pageSize ?? 100;
    const offers = client.listOffers()[Symbol.asyncIterator]();
    let readAt = started;
    for (let done = false; !done;) {
      const pageStartedAt = this.clock.now();
      const page: FoundOffer[] = [];
      while (page.length < pageSize) {
        const next = await offers.next();
        if (next.done) {
          done = true;
          break;
        }
        page.push(foundOffer(next.value));
      }
      if (page.length > 0) await this.store.comparePage(mp, page, readAt, tally, fence);
      readAt = pageStartedAt;
    }
  }

  private fenceOf(marketplace: string, epoch?: number): Fence | undefined {
    return this.loops.fenceOf(marketplace, epoch);
  }

  private marketplace(code: string): MarketplaceSettings {
    const mp = this.settings.get(code);
    if (!mp || !this.clients.has(code)) throw new RangeError(`no marketplace ${code} is configured`);
    return mp;
  }
}

/** The offer's price as buyers pay it (a discount set in Mirakl counts), and its quantity. */
function foundOffer(o: MiraklOffer): FoundOffer {
  const price = typeof o.price === 'number' ? o.price : (o.applicable_pricing?.price ?? null);
  return {
    sku: o.shop_sku,
    quantity: Number(o.quantity ?? 0),
    price: typeof price === 'number' ? price : null,
    currency: o.currency_iso_code ?? null,
  };
}

/** The lease every replica competes for to reconcile one marketplace. */
export const reconcileLeaseName = (marketplace: string) => `catalogue-sync:reconcile:${marketplace}`;
