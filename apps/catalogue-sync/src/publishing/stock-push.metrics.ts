import type { BackboneMetrics } from '@seller-bridge/service-kit';

/** The service's prom-client registry, typed through the kit (prom-client is the kit's dependency, not ours). */
export type MetricsRegistry = BackboneMetrics['registry'];
type RegisteredMetric = Parameters<MetricsRegistry['registerMetric']>[0];
type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/**
 * A series registered through the registry's public `registerMetric` protocol (name, help, type, `get()`), as
 * prom-client's own classes do, so `/metrics` renders it with the default labels like any other metric.
 */
abstract class Series {
  readonly aggregator = 'sum';
  constructor(
    registry: MetricsRegistry,
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {
    registry.registerMetric(this as unknown as RegisteredMetric);
  }
  protected abstract samples(): Sample[];
  abstract reset(): void;
  async get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples(),
    };
  }
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

export class CounterSeries extends Series {
  private readonly values = new Map<string, Sample>();
  constructor(registry: MetricsRegistry, name: string, help: string) {
    super(registry, name, help, 'counter');
  }
  inc(labels: Labels, by = 1): void {
    if (by <= 0) return;
    const k = keyOf(labels);
    this.values.set(k, { labels, value: (this.values.get(k)?.value ?? 0) + by });
  }
  value(labels: Labels): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }
  protected samples(): Sample[] {
    return [...this.values.values()];
  }
  reset(): void {
    this.values.clear();
  }
}

export class GaugeSeries extends Series {
  private readonly values = new Map<string, Sample>();
  constructor(registry: MetricsRegistry, name: string, help: string) {
    super(registry, name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.values.set(keyOf(labels), { labels, value });
  }
  value(labels: Labels): number | undefined {
    return this.values.get(keyOf(labels))?.value;
  }
  protected samples(): Sample[] {
    return [...this.values.values()];
  }
  reset(): void {
    this.values.clear();
  }
}

export class HistogramSeries extends Series {
  private readonly values = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    registry: MetricsRegistry,
    name: string,
    help: string,
    private readonly buckets: readonly number[],
  ) {
    super(registry, name, help, 'histogram');
  }
  observe(labels: Labels, value: number): void {
    const k = keyOf(labels);
    let h = this.values.get(k);
    if (!h) this.values.set(k, (h = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((le, i) => {
      if (value <= le) h.counts[i]++;
    });
    h.sum += value;
    h.count++;
  }
  count(labels: Labels): number {
    return this.values.get(keyOf(labels))?.count ?? 0;
  }
  protected samples(): Sample[] {
    return [...this.values.values()].flatMap((h) => [
      ...this.buckets.map((le, i) => ({
        labels: { ...h.labels, le: String(le) },
        value: h.counts[i],
        metricName: `${this.name}_bucket`,
      })),
      { labels: { ...h.labels, le: '+Inf' }, value: h.count, metricName: `${this.name}_bucket` },
      { labels: h.labels, value: h.sum, metricName: `${this.name}_sum` },
      { labels: h.labels, value: h.count, metricName: `${this.name}_count` },
    ]);
  }
  reset(): void {
    this.values.clear();
  }
}

const IMPORT_ERRORS = 'catalogue_import_errors_total';

/** Outcomes of a push cycle, one label value each (bounded). */
export type PushOutcome = 'sent' | 'unchanged' | 'idle' | 'gated' | 'retry' | 'refused' | 'error';

/** What operations watch of stock publishing (issue 4), on the service's registry. One instance per process. */
export class StockPushMetrics {
  readonly latency: HistogramSeries;
  readonly pending: GaugeSeries;
  readonly reservationsOpen: GaugeSeries;
  /** Shared with catalogue publishing (`kind` = stock here, products/offers there): reused when registered. */
  readonly importErrors: { inc(labels: Labels, by?: number): void };
  readonly pushes: CounterSeries;
  readonly gateBlocked: GaugeSeries;

  constructor(registry: MetricsRegistry) {
    this.latency = new HistogramSeries(
      registry,
      'catalogue_stock_push_latency_seconds',
      'Time from the first unpushed stock change of a SKU to Mirakl accepting the stock import (STO01) that carries it',
      [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    );
    this.pending = new GaugeSeries(
      registry,
      'catalogue_pending_pushes',
      'SKUs waiting to be pushed to a marketplace, by kind (stock is served before offer)',
    );
    this.reservationsOpen = new GaugeSeries(
      registry,
      'catalogue_reservations_open',
      'Units held by open (or posted, not yet consumed) reservations, all SKUs: subtracted from every published quantity',
    );
    const shared = registry.getSingleMetric(IMPORT_ERRORS) as unknown as
      StockPushMetrics['importErrors'] | undefined;
    this.importErrors =
      shared ??
      new CounterSeries(
        registry,
        IMPORT_ERRORS,
        'Import lines Mirakl refused (error report lines), and whole imports that failed, by marketplace and kind',
      );
    this.pushes = new CounterSeries(
      registry,
      'catalogue_stock_pushes_total',
      'Stock push cycles by outcome: sent, unchanged (nothing differed), idle (nothing queued), gated (orders first), retry (transient STO01 failure), refused (STO01 4xx), error',
    );
    this.gateBlocked = new GaugeSeries(
      registry,
      'catalogue_orders_gate_blocked',
      '1 while stock pushes wait for the orders of the latest poll to be reserved (orders before stock), else 0',
    );
  }
}
