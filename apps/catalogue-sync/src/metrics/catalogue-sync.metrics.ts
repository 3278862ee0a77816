import type { Provider } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  BackboneMetrics,
  CLOCK,
  LeaseMetrics,
  MiraklCallMetrics,
  type Clock,
} from '@seller-bridge/service-kit';

/** What a stock, product or offer import is, as the `kind` label of `catalogue_import_errors_total`. */
export type ImportKind = 'stock' | 'products' | 'offers';

/** Outcomes of a stock push cycle, one label value each (bounded). */
export type PushOutcome = 'sent' | 'unchanged' | 'idle' | 'gated' | 'retry' | 'refused' | 'error';

/** What became of a back-office change (or full-load figure). */
export type ChangeOutcome = 'applied' | 'ignored' | 'skipped' | 'invalid';

/** Label values are bounded: a back office inventing types must not multiply the series. */
const KNOWN_CHANGE_TYPES = new Set([
  'stock.changed',
  'product.changed',
  'sales_order.cancelled',
  'shipment.created',
  'stock.full-load',
  'product.full-load',
]);

/**
 * Every metric catalogue-sync exports, registered once on the service's registry (the kit's, rendered at
 * `/metrics` with its default labels): the back-office feed, stock publishing, catalogue publishing, the
 * Mirakl clients' calls and the leases. One instance per process, made by the Nest provider below and handed
 * to whatever records; registering a name twice throws, so two owners of one metric cannot start.
 */
export class CatalogueSyncMetrics {
  // Back-office feed.
  readonly feedUp: Gauge;
  readonly feedLag: Gauge;
  readonly feedChanges: Counter<'type' | 'outcome'>;

  // Stock publishing (src/publishing/README.md).
  readonly stockPushLatency: Histogram<'marketplace'>;
  readonly pendingPushes: Gauge<'marketplace' | 'kind'>;
  readonly reservationsOpen: Gauge;
  /** Back-office holds by outcome (held, refused, pending, released, retry). */
  readonly holds: Counter<'outcome'>;
  /** Holds waiting to be placed or released in the back office. */
  readonly holdsWaiting: Gauge<'work'>;
  readonly stockPushes: Counter<'marketplace' | 'outcome'>;
  readonly ordersGateBlocked: Gauge<'marketplace'>;

  // Catalogue publishing.
  readonly productsPending: Gauge<'marketplace'>;
  readonly fullSyncProgress: Gauge<'marketplace'>;
  readonly importsSent: Counter<'marketplace' | 'kind'>;

  /** Stock, product and offer imports alike; `kind` is an {@link ImportKind}. */
  readonly importErrors: Counter<'marketplace' | 'kind'>;

  // Reconciliation (src/reconciliation/README.md).
  readonly divergencesOpen: Gauge<'marketplace' | 'kind'>;
  readonly reconciliations: Counter<'marketplace' | 'outcome'>;
  readonly reconciliationDuration: Gauge<'marketplace'>;

  /** `mirakl_api_*`: every call of every marketplace's client. */
  readonly miraklCalls: MiraklCallMetrics;
  /** `lease_*`: the feed reader's, the stock pusher's and the catalogue publisher's leases. */
  readonly leases: LeaseMetrics;

  private feedFreshAsOf?: number;

  constructor(registry: Registry, clock: Clock) {
    const registers = [registry];
    const freshAsOf = () => this.feedFreshAsOf;

    this.feedUp = new Gauge({
      name: 'backoffice_feed_up',
      help: '1 when the last call to the back office succeeded, 0 while it is down or failing',
      registers,
    });
    this.feedLag = new Gauge({
      name: 'backoffice_feed_lag_seconds',
      help: "How old catalogue-sync's view of the back office is: now minus the as-of of the last change applied, or of the last read that reached the end of the feed when later",
      registers,
      collect() {
        const at = freshAsOf();
        this.set(at === undefined ? 0 : Math.max(0, (clock.now().getTime() - at) / 1000));
      },
    });
    this.feedChanges = new Counter({
      name: 'backoffice_feed_changes_total',
      help: 'Back-office changes (and full-load figures) by type and outcome: applied, ignored (not newer than held), skipped (type read elsewhere), invalid (raised as an exception)',
      labelNames: ['type', 'outcome'],
      registers,
    });

    this.stockPushLatency = new Histogram({
      name: 'catalogue_stock_push_latency_seconds',
      help: 'Time from the first unpushed stock change of a SKU to Mirakl accepting the stock import (STO01) that carries it',
      labelNames: ['marketplace'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.pendingPushes = new Gauge({
      name: 'catalogue_pending_pushes',
      help: 'SKUs waiting to be pushed to a marketplace, by kind (stock is served before offer)',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
    this.reservationsOpen = new Gauge({
      name: 'catalogue_reservations_open',
      help: 'Units held by open (or posted, not yet consumed) reservations, all SKUs: subtracted from every published quantity',
      registers,
    });
    this.holds = new Counter({
      name: 'catalogue_backoffice_holds_total',
      help: 'Back-office holds for reserved lines by outcome: held, refused (the back office has not the units), pending (no answer; placed later), released, late_refusal (refused after the line was reserved: an exception), orphan_released (held for no open reservation), retry',
      labelNames: ['outcome'],
      registers,
    });
    this.holdsWaiting = new Gauge({
      name: 'catalogue_backoffice_holds_waiting',
      help: 'Holds still to send to the back office, by work: place (it did not answer in time) or release',
      labelNames: ['work'],
      registers,
    });
    this.stockPushes = new Counter({
      name: 'catalogue_stock_pushes_total',
      help: 'Stock push cycles by outcome: sent, unchanged (nothing differed), idle (nothing queued), gated (orders first), retry (transient STO01 failure), refused (STO01 4xx), error',
      labelNames: ['marketplace', 'outcome'],
      registers,
    });
    this.ordersGateBlocked = new Gauge({
      name: 'catalogue_orders_gate_blocked',
      help: '1 while stock pushes wait for the orders of the latest poll to be reserved (orders before stock), else 0',
      labelNames: ['marketplace'],
      registers,
    });

    this.productsPending = new Gauge({
      name: 'catalogue_products_pending',
      help: 'Active products new or changed since last sent to the marketplace (counted at the start of each pass)',
      labelNames: ['marketplace'],
      registers,
    });
    this.fullSyncProgress = new Gauge({
      name: 'catalogue_full_sync_progress',
      help: 'Share of the active products a full sync has handled (1 when done or when none is running)',
      labelNames: ['marketplace'],
      registers,
    });
    this.importsSent = new Counter({
      name: 'catalogue_imports_sent_total',
      help: 'Product (P41) and offer (OF24) imports sent, retries included',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
    this.importErrors = new Counter({
      name: 'catalogue_import_errors_total',
      help: 'Import lines Mirakl refused (error report lines), plus imports that failed as a whole, by marketplace and kind (stock, products, offers)',
      labelNames: ['marketplace', 'kind'],
      registers,
    });

    this.divergencesOpen = new Gauge({
      name: 'catalogue_divergences',
      help: 'Open divergences between what a marketplace holds and what should be there, by kind (quantity, price, missing-offer, extra-offer), as of the last reconciliation',
      labelNames: ['marketplace', 'kind'],
      registers,
    });
    this.reconciliations = new Counter({
      name: 'catalogue_reconciliations_total',
      help: 'Reconciliation passes by outcome: clean (no open divergence left), diverged (some open), error (the pass stopped)',
      labelNames: ['marketplace', 'outcome'],
      registers,
    });
    this.reconciliationDuration = new Gauge({
      name: 'catalogue_reconciliation_duration_seconds',
      help: 'How long the last finished reconciliation pass of the marketplace took',
      labelNames: ['marketplace'],
      registers,
    });

    this.miraklCalls = new MiraklCallMetrics(registry);
    this.leases = new LeaseMetrics(registry);

    // A gauge without labels shows 0 from the start; these show nothing until first known, so a replica that
    // does not hold the feed's lease does not report the back office as down, nor zero reservations.
    this.feedUp.remove({});
    this.reservationsOpen.remove({});
  }

  /** The last call to the back office succeeded (true) or failed (false). */
  recordFeedUp(isUp: boolean): void {
    this.feedUp.set(isUp ? 1 : 0);
  }

  /** The view of the back office is at least as fresh as `at` (a change applied as of then, or the feed read to its end then). */
  recordFeedFreshAt(at: Date | string): void {
    const t = new Date(at).getTime();
    if (Number.isFinite(t) && (this.feedFreshAsOf === undefined || t > this.feedFreshAsOf))
      this.feedFreshAsOf = t;
  }

  /** Counts back-office changes by type (unknown types as `other`) and outcome. */
  countFeedChanges(type: string, outcome: ChangeOutcome, n = 1): void {
    if (n > 0) this.feedChanges.inc({ type: KNOWN_CHANGE_TYPES.has(type) ? type : 'other', outcome }, n);
  }

  /** Counts import lines Mirakl refused, or an import that failed as a whole (n = 1). */
  countImportErrors(marketplace: string, kind: ImportKind, n = 1): void {
    if (n > 0) this.importErrors.inc({ marketplace, kind }, n);
  }
}

/**
 * The one {@link CatalogueSyncMetrics} of the process, on the kit's registry. The kit's module provides
 * `Registry` without exporting it; `BackboneMetrics.registry` is that same instance.
 */
export const CATALOGUE_SYNC_METRICS_PROVIDER: Provider = {
  provide: CatalogueSyncMetrics,
  inject: [BackboneMetrics, CLOCK],
  useFactory: (backbone: BackboneMetrics, clock: Clock) => new CatalogueSyncMetrics(backbone.registry, clock),
};
