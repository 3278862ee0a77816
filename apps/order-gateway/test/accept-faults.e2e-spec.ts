import { Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';

/**
 * Mirakl writes have no idempotency key: with 429s, 5xx answers and answers lost after the write landed, every
 * order must still be decided exactly once on Mirakl (the sandbox's own order book counts the OR21s applied).
 */
describe('order-gateway: 429 and 5xx during acceptance', () => {
  const world = new World({ label: 'faults', marketplaces: [marketplace('decathlon-fr', 'decathlon-fr')] });

  beforeAll(async () => {
    await world.start();
    await world.seedStock({ 'SKU-F': 10_000 });
  }, 120_000);
  afterAll(() => world.stop());

  it('accepts each order exactly once when OR21 answers 429, 500 or loses its answer after landing', async () => {
    world.sandbox.faults.set('decathlon-fr', {
      ...world.sandbox.faults.get('decathlon-fr')!,
      error5xxRate: 0.25,
      dropAfterWriteRate: 0.3,
      rateLimits: { OR21: { limit: 5, perMs: 1000 } },
    });
    const ids = Array.from({ length: 40 }, (_, i) =>
      world.place('decathlon-fr', [{ sku: 'SKU-F', quantity: 1 }], `C-${i}`),
    );
    const allDecided = async () =>
      ids.every((id) => world.order('decathlon-fr', id).order_state !== 'WAITING_ACCEPTANCE');
    expect(await waitFor(allDecided, 90_000, 200)).toBe(true);
    expect(
      await waitFor(
        async () => (await world.published(Topics.orderAccepted)).length >= ids.length,
        60_000,
        200,
      ),
    ).toBe(true);

    for (const id of ids) expect(world.acceptApplied.get(`decathlon-fr/${id}`)).toBe(1);
    // No OR21 was ever sent to an order that already had its decision (the read-back came first).
    expect([...world.acceptRefused.entries()]).toEqual([]);
    const accepted = (await world.published(Topics.orderAccepted)).map((a) => a.orderId);
    expect(accepted.sort()).toEqual([...ids].sort());
    const metrics = await world.metricsText();
    // The faults really happened: 429s and 5xx were answered to OR21.
    expect(metrics).toMatch(
      /mirakl_api_calls_total\{[^}]*operation="OR21"[^}]*outcome="(5xx|429|no_response)"[^}]*\} [1-9]/,
    );
    const outcomes = await world.gatewayDb.dataSource.query(
      `SELECT outcome, COUNT(*)::int AS n FROM order_decision GROUP BY outcome ORDER BY outcome`,
    );
    // Some decisions were found landed by a read-back (the answer lost after the write).
    expect(
      outcomes.find((o: { outcome: string }) => o.outcome === 'already-decided')?.n ?? 0,
    ).toBeGreaterThan(0);
  }, 180_000);
});
