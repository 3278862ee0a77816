import request from 'supertest';
import { Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';

/**
 * No order missed while pages shift under the poller: orders keep arriving (appended to OR11's pages) and
 * changing state (accepted, so their `last_updated_date` moves) while each poll reads page after page slowly;
 * some page reads are dropped, so some polls die half-way and must be repeated from the same cursor.
 */
describe('order-gateway: polling while the pages move', () => {
  const world = new World({
    label: 'paging',
    marketplaces: [marketplace('decathlon-fr', 'decathlon-fr', {}, { pollIntervalMs: 100 })],
  });

  beforeAll(async () => {
    await world.start();
    await world.seedStock({ 'SKU-PG': 1_000_000 });
  }, 120_000);
  afterAll(() => world.stop());

  it('receives and decides every order exactly once', async () => {
    world.sandbox.faults.set('decathlon-fr', {
      ...world.sandbox.faults.get('decathlon-fr')!,
      latencyMs: 25,
      dropRate: 0.03,
    });
    const ids: string[] = [];
    for (let burst = 0; burst < 30; burst++) {
      for (let i = 0; i < 20; i++)
        ids.push(world.place('decathlon-fr', [{ sku: 'SKU-PG', quantity: 1 }], `C-${ids.length}`));
      await new Promise((r) => setTimeout(r, 150));
    }
    const accepted = async () => (await world.published(Topics.orderAccepted)).length;
    expect(await waitFor(async () => (await accepted()) >= ids.length, 120_000, 250)).toBe(true);
    world.sandbox.faults.set('decathlon-fr', {
      ...world.sandbox.faults.get('decathlon-fr')!,
      latencyMs: 0,
      dropRate: 0,
    });

    const received = (await world.published(Topics.orderReceived)).map((r) => r.orderId);
    expect(received.length).toBe(ids.length);
    expect(new Set(received)).toEqual(new Set(ids));
    for (const id of ids) expect(world.acceptApplied.get(`decathlon-fr/${id}`)).toBe(1);
    const metrics = await world.metricsText();
    // Repeats were seen (overlap and re-read pages) and ignored.
    expect(metrics).toMatch(/order_gateway_orders_seen_total\{[^}]*kind="repeated"[^}]*\} [1-9]/);
  }, 180_000);

  it('serves /health/live, /health/ready and its metrics at /metrics', async () => {
    const http = world.gateway!.getHttpServer();
    expect((await request(http).get('/health/live')).status).toBe(200);
    expect((await request(http).get('/health/ready')).status).toBe(200);
    const metrics = (await request(http).get('/metrics')).text;
    for (const name of [
      'order_gateway_orders_seen_total',
      'order_gateway_orders_decided_total',
      'order_gateway_decision_latency_seconds',
      'order_gateway_poll_duration_seconds',
      'order_gateway_acceptance_queue',
      'order_gateway_deadlines_at_risk',
    ])
      expect(metrics).toContain(name);
    expect(metrics).toMatch(
      /order_gateway_orders_decided_total\{[^}]*marketplace="decathlon-fr"[^}]*decision="accepted"[^}]*\} [1-9]/,
    );
  });
});
