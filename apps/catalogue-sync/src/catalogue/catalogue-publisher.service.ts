import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  LeaseLostError,
  type BackboneLogger,
  type Lease,
  MarketplaceLoops,
  sleep,
} from '@seller-bridge/service-kit';
import type { MarketplaceSettings } from '../config/catalogue-sync.config';
import { clientOf, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import type { FullSyncState, FullSyncTracker } from './full-sync-tracker';
import type { Fence, LaneStep } from './import-lane';
import type { OfferLane } from './offer-lane';
import type { ProductLane } from './product-lane';
import type { CatalogueOptions } from './catalogue-options';

/** What one `publishOnce` did on each lane. */
export interface PublishStep {
  marketplace: string;
  products: LaneStep;
  offers: LaneStep;
}

export interface CataloguePublisherDeps {
  dataSource: DataSource;
  marketplaces: MarketplaceSettings[];
  /** The process's Mirakl clients, shared with the stock pusher. */
  clients: MarketplaceClients;
  products: ProductLane;
  offers: OfferLane;
  fullSyncs: FullSyncTracker;
  logger: BackboneLogger;
  options: CatalogueOptions;
  /** CATALOGUE_PUSH_ENABLED: when false, no loop starts (publishOnce and fullSync still work). */
  enabled: boolean;
  /** One lease per marketplace (`catalogue-sync:catalogue-publish:<code>`); none in tests that drive steps. */
  leaseFor?: (marketplace: string) => Lease;
}

const WORKED = new Set<LaneStep['action']>(['sent', 'completed', 'prepared', 'failed', 'busy']);

/**
 * Catalogue publishing to every marketplace (issue 4): products by P41 files, then offers by complete OF24,
 * each followed to the end with its error report. `publishOnce` is one step of each lane and never waits for
 * Mirakl; the loop repeats it per marketplace under that marketplace's lease, so one replica publishes to a
 * marketplace at a time and its writes are fenced with the lease's epoch.
 *
 * Order of work for a marketplace: orders are reserved first, then stock goes by STO01 (the stock pusher), then
 * this. The stock pusher runs first in each cycle; this publisher gives way while stock rows are pending.
 */
export class CataloguePublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loops = new MarketplaceLoops();

  constructor(private readonly d: CataloguePublisherDeps) {}

  onApplicationBootstrap(): void {
    if (!this.d.enabled) {
      this.d.logger.info('catalogue publishing is off (CATALOGUE_PUSH_ENABLED=false)');
      return;
    }
    this.loops.start(
      this.d.marketplaces.map((mp) => mp.code),
      this.d.leaseFor,
      (code, signal, epoch) => {
        const lease = this.loops.leaseNameOf(code);
        return this.run(code, signal, lease && epoch !== undefined ? { lease, epoch } : undefined);
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.loops.stop();
  }

  /** One step for a marketplace: send the next batch or follow the current import, products then offers. */
  async publishOnce(marketplace: string, fence?: Fence): Promise<PublishStep> {
    const ctx = {
      marketplace: this.settings(marketplace),
      client: clientOf(this.d.clients, marketplace),
      fence,
    };
    const products = await this.d.products.step(ctx);
    const offers = await this.d.offers.step(ctx);
    return { marketplace, products, offers };
  }

  /** Asks for every active product again on this marketplace (and so, once accepted, every offer). */
  fullSync(marketplace: string): Promise<FullSyncState> {
    this.settings(marketplace);
    return this.d.dataSource.transaction((m) => this.d.fullSyncs.start(m, marketplace));
  }

  fullSyncState(marketplace: string): Promise<FullSyncState | undefined> {
    return this.d.fullSyncs.state(this.d.dataSource.manager, marketplace);
  }

  /** The loop of one marketplace until `signal` aborts; paced by what the last step did. */
  async run(marketplace: string, signal: AbortSignal, fence?: Fence): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let delay: number;
      try {
        const step = await this.publishOnce(marketplace, fence);
        failures = 0;
        const actions = [step.products.action, step.offers.action];
        delay = actions.some((a) => WORKED.has(a))
          ? this.d.options.busyDelayMs
          : actions.some((a) => a === 'waiting')
            ? this.d.options.followDelayMs
            : this.d.options.idleDelayMs;
      } catch (err) {
        if (err instanceof LeaseLostError || signal.aborted) return;
        failures++;
        delay = Math.min(this.d.options.retryMaxMs, this.d.options.busyDelayMs * 2 ** Math.min(failures, 16));
        this.d.logger.warn(
          { err, marketplace, failures, retryInMs: delay },
          'catalogue: publishing step failed',
        );
      }
      await sleep(delay, signal);
    }
  }

  private settings(marketplace: string): MarketplaceSettings {
    const s = this.d.marketplaces.find((m) => m.code === marketplace);
    if (!s) throw new RangeError(`unknown marketplace ${marketplace}`);
    return s;
  }
}
