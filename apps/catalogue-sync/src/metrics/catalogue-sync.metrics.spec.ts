import { Registry } from 'prom-client';
import type { Clock } from '@seller-bridge/service-kit';
import { CatalogueSyncMetrics } from './catalogue-sync.metrics';

/** The value of one sample of the exposition text, its labels in any order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = [...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]).sort();
    if (JSON.stringify(got) === want) return Number(m[3]);
  }
  return undefined;
}

describe(CatalogueSyncMetrics.name, () => {
  let now = Date.UTC(2026, 10, 27, 9, 0, 0);
  const clock: Clock = { now: () => new Date(now) };
  const fresh = () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'catalogue-sync' });
    return { registry, m: new CatalogueSyncMetrics(registry, clock) };
  };

  it('renders its series on the registry, histogram buckets included', async () => {
    const { registry, m } = fresh();
    m.stockPushLatency.observe({ marketplace: 'decathlon-fr' }, 3);
    m.stockPushLatency.observe({ marketplace: 'decathlon-fr' }, 90);
    m.stockPushes.inc({ marketplace: 'decathlon-fr', outcome: 'sent' });
    m.stockPushes.inc({ marketplace: 'decathlon-fr', outcome: 'sent' });
    m.pendingPushes.set({ marketplace: 'decathlon-fr', kind: 'stock' }, 7);
    m.ordersGateBlocked.set({ marketplace: 'decathlon-fr' }, 1);
    const text = await registry.metrics();
    const mp = { marketplace: 'decathlon-fr', service: 'catalogue-sync' };
    const latency = 'catalogue_stock_push_latency_seconds';
    expect(text).toContain(`# TYPE ${latency} histogram`);
    expect(sample(text, `${latency}_bucket`, { ...mp, le: '1' })).toBe(0);
    expect(sample(text, `${latency}_bucket`, { ...mp, le: '5' })).toBe(1);
    expect(sample(text, `${latency}_bucket`, { ...mp, le: '120' })).toBe(2);
    expect(sample(text, `${latency}_bucket`, { ...mp, le: '+Inf' })).toBe(2);
    expect(sample(text, `${latency}_sum`, mp)).toBe(93);
    expect(sample(text, `${latency}_count`, mp)).toBe(2);
    expect(sample(text, 'catalogue_stock_pushes_total', { ...mp, outcome: 'sent' })).toBe(2);
    expect(sample(text, 'catalogue_pending_pushes', { ...mp, kind: 'stock' })).toBe(7);
    expect(sample(text, 'catalogue_orders_gate_blocked', mp)).toBe(1);
  });

  it('registers every name once: a second instance on the same registry is refused', () => {
    const { registry } = fresh();
    expect(() => new CatalogueSyncMetrics(registry, clock)).toThrow(/already been registered/);
  });

  it('counts stock, product and offer import errors on one counter, by marketplace and kind', async () => {
    const { registry, m } = fresh();
    m.countImportErrors('decathlon-fr', 'stock', 2);
    m.countImportErrors('decathlon-fr', 'offers');
    m.countImportErrors('decathlon-fr', 'products', 0); // nothing refused: no series
    const values = (await registry.getSingleMetric('catalogue_import_errors_total')!.get()).values;
    expect(values).toEqual([
      { labels: { marketplace: 'decathlon-fr', kind: 'stock' }, value: 2 },
      { labels: { marketplace: 'decathlon-fr', kind: 'offers' }, value: 1 },
    ]);
  });

  it('shows the feed as up or down only once known, and its lag from the freshest as-of', async () => {
    const { registry, m } = fresh();
    const svc = { service: 'catalogue-sync' };
    let text = await registry.metrics();
    expect(sample(text, 'backoffice_feed_up', svc)).toBeUndefined();
    expect(sample(text, 'catalogue_reservations_open', svc)).toBeUndefined();
    expect(sample(text, 'backoffice_feed_lag_seconds', svc)).toBe(0);

    m.recordFeedUp(false);
    m.recordFeedFreshAt(new Date(now - 30_000));
    m.recordFeedFreshAt(new Date(now - 90_000).toISOString()); // older: ignored
    now += 15_000;
    text = await registry.metrics();
    expect(sample(text, 'backoffice_feed_up', svc)).toBe(0);
    expect(sample(text, 'backoffice_feed_lag_seconds', svc)).toBe(45);
    m.recordFeedUp(true);
    expect(sample(await registry.metrics(), 'backoffice_feed_up', svc)).toBe(1);
  });

  it('bounds the feed change types it labels', async () => {
    const { registry, m } = fresh();
    m.countFeedChanges('stock.changed', 'applied', 3);
    m.countFeedChanges('something.new', 'skipped');
    const text = await registry.metrics();
    const changes = (type: string, outcome: string) =>
      sample(text, 'backoffice_feed_changes_total', { type, outcome, service: 'catalogue-sync' });
    expect(changes('stock.changed', 'applied')).toBe(3);
    expect(changes('other', 'skipped')).toBe(1);
    expect(changes('something.new', 'skipped')).toBeUndefined();
  });

  it('registers the Mirakl call and lease metrics of the kit with the rest', async () => {
    const { registry, m } = fresh();
    m.leases.held.set({ name: 'catalogue-sync:backoffice-feed' }, 1);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE mirakl_api_calls_total counter');
    expect(
      sample(text, 'lease_held', { name: 'catalogue-sync:backoffice-feed', service: 'catalogue-sync' }),
    ).toBe(1);
  });
});
