import type { BackboneMetrics, Clock } from '@seller-bridge/service-kit';

/** The service's prom-client registry (typed through the kit: prom-client is the kit's dependency, not ours). */
export type MetricsRegistry = BackboneMetrics['registry'];
type RegisteredMetric = Parameters<MetricsRegistry['registerMetric']>[0];

export type ChangeOutcome = 'applied' | 'ignored' | 'skipped' | 'invalid';

/**
 * One gauge or counter, registered through the registry's public `registerMetric` protocol (an object with
 * name, help, type and `get()`): what prom-client's own classes do, without catalogue-sync depending on
 * prom-client. `/metrics` renders it like any other metric, default labels included.
 */
class Series<L extends string> {
  readonly aggregator = 'sum';
  private readonly values = new Map<string, { labels: Partial<Record<L, string>>; value: number }>();

  constructor(
    registry: MetricsRegistry,
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
    /** For a gauge read at scrape time. */
    private readonly read?: () => number,
  ) {
    registry.registerMetric(this as unknown as RegisteredMetric);
  }

  set(value: number, labels: Partial<Record<L, string>> = {}): void {
    this.values.set(JSON.stringify(labels), { labels, value });
  }

  inc(labels: Partial<Record<L, string>>, by = 1): void {
    const key = JSON.stringify(labels);
    this.values.set(key, { labels, value: (this.values.get(key)?.value ?? 0) + by });
  }

  async get() {
    const values = this.read ? [{ labels: {}, value: this.read() }] : [...this.values.values()];
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.values.clear();
  }
}

/** What operations watch of the back-office feed, on the service's registry. */
export class BackofficeFeedMetrics {
  private readonly upSeries: Series<never>;
  private readonly changes: Series<'type' | 'outcome'>;
  private freshAsOf?: number;

  constructor(registry: MetricsRegistry, clock: Clock) {
    this.upSeries = new Series(
      registry,
      'backoffice_feed_up',
      '1 when the last call to the back office succeeded, 0 while it is down or failing',
      'gauge',
    );
    this.changes = new Series(
      registry,
      'backoffice_feed_changes_total',
      'Back-office changes (and full-load figures) by type and outcome: applied, ignored (not newer than held), skipped (type read elsewhere), invalid (raised as an exception)',
      'counter',
    );
    new Series(
      registry,
      'backoffice_feed_lag_seconds',
      "How old catalogue-sync's view of the back office is: now minus the as-of of the last change applied, or of the last read that reached the end of the feed when later",
      'gauge',
      () => (this.freshAsOf === undefined ? 0 : Math.max(0, (clock.now().getTime() - this.freshAsOf) / 1000)),
    );
  }

  up(isUp: boolean): void {
    this.upSeries.set(isUp ? 1 : 0);
  }

  /** The view is at least as fresh as `at` (a change applied as of then, or the feed read to its end then). */
  freshAt(at: Date | string): void {
    const t = new Date(at).getTime();
    if (Number.isFinite(t) && (this.freshAsOf === undefined || t > this.freshAsOf)) this.freshAsOf = t;
  }

  count(type: string, outcome: ChangeOutcome, n = 1): void {
    if (n > 0) this.changes.inc({ type: KNOWN_TYPES.has(type) ? type : 'other', outcome }, n);
  }
}

/** Label values are bounded: a back office inventing types must not multiply the series. */
const KNOWN_TYPES = new Set([
  'stock.changed',
  'product.changed',
  'sales_order.cancelled',
  'shipment.created',
  'stock.full-load',
  'product.full-load',
]);
