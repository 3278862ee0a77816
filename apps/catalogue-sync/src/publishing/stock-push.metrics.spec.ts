import { createRequire } from 'node:module';
import { StockPushMetrics, type MetricsRegistry } from './stock-push.metrics';

const { Registry, Counter } = createRequire(require.resolve('@seller-bridge/service-kit'))('prom-client') as {
  Registry: new () => MetricsRegistry;
  Counter: new (o: {
    name: string;
    help: string;
    labelNames: string[];
    registers: MetricsRegistry[];
  }) => unknown;
};

describe(StockPushMetrics.name, () => {
  it('renders its series on the registry, histogram buckets included', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'catalogue-sync' });
    const m = new StockPushMetrics(registry);
    m.latency.observe({ marketplace: 'decathlon-fr' }, 3);
    m.latency.observe({ marketplace: 'decathlon-fr' }, 90);
    m.pushes.inc({ marketplace: 'decathlon-fr', outcome: 'sent' });
    m.pushes.inc({ marketplace: 'decathlon-fr', outcome: 'sent' });
    m.pending.set({ marketplace: 'decathlon-fr', kind: 'stock' }, 7);
    m.gateBlocked.set({ marketplace: 'decathlon-fr' }, 1);
    const text = await registry.metrics();
    const mp = 'marketplace="decathlon-fr"';
    expect(text).toContain('# TYPE catalogue_stock_push_latency_seconds histogram');
    expect(text).toContain(
      `catalogue_stock_push_latency_seconds_bucket{${mp},le="1",service="catalogue-sync"} 0`,
    );
    expect(text).toContain(
      `catalogue_stock_push_latency_seconds_bucket{${mp},le="5",service="catalogue-sync"} 1`,
    );
    expect(text).toContain(
      `catalogue_stock_push_latency_seconds_bucket{${mp},le="120",service="catalogue-sync"} 2`,
    );
    expect(text).toContain(
      `catalogue_stock_push_latency_seconds_bucket{${mp},le="+Inf",service="catalogue-sync"} 2`,
    );
    expect(text).toContain(`catalogue_stock_push_latency_seconds_sum{${mp},service="catalogue-sync"} 93`);
    expect(text).toContain(`catalogue_stock_push_latency_seconds_count{${mp},service="catalogue-sync"} 2`);
    expect(text).toContain(`catalogue_stock_pushes_total{${mp},outcome="sent",service="catalogue-sync"} 2`);
    expect(text).toContain(`catalogue_pending_pushes{${mp},kind="stock",service="catalogue-sync"} 7`);
    expect(text).toContain(`catalogue_orders_gate_blocked{${mp},service="catalogue-sync"} 1`);
  });

  it('refuses a second registration of the same names (one instance per process)', () => {
    const registry = new Registry();
    new StockPushMetrics(registry);
    expect(() => new StockPushMetrics(registry)).toThrow(/already been registered/);
  });

  it("counts stock import errors on catalogue publishing's counter when that one is registered first", async () => {
    const registry = new Registry();
    new Counter({
      name: 'catalogue_import_errors_total',
      help: 'catalogue publishing',
      labelNames: ['marketplace', 'kind'],
      registers: [registry],
    });
    const m = new StockPushMetrics(registry);
    m.importErrors.inc({ marketplace: 'decathlon-fr', kind: 'stock' }, 2);
    expect(await registry.metrics()).toContain(
      'catalogue_import_errors_total{marketplace="decathlon-fr",kind="stock"} 2',
    );
  });
});
