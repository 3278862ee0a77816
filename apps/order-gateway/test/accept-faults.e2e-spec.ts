import { Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';
import { waitForPublished } from './support/wait-for-published';

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
    const decided = await waitFor(allDecided, 90_000, 200);
    if (!decided) {
      const states = ids.map((id) => world.order('decathlon-fr', id).order_state as string);
      const decisions = await world.gatewayDb.dataSource.query(
        `SELECT status, outcome, attempts, last_error, COUNT(*)::int AS n FROM order_decision GROUP BY 1, 2, 3, 4`,
      );
      throw new Error(`not all decided: ${JSON.stringify({ states, decisions })}`);
    }
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

  it('an OR21 Mirakl refuses (4xx) raises ACCEPTANCE_REJECTED for the integration team, keeps the order waiting and retrying, and lands once when the cause is fixed', async () => {
    const base = world.sandbox.faults.get('decathlon-fr')!;
    world.sandbox.faults.set('decathlon-fr', {
      ...base,
      error5xxRate: 0,
      dropAfterWriteRate: 0,
      rateLimits: {},
      refuse: { OR21: { status: 403, message: 'The API key is not allowed to accept orders' } },
    });
    const id = world.place('decathlon-fr', [{ sku: 'SKU-F', quantity: 1 }], 'C-403');
    const key = `decathlon-fr:${id}`;
    const [raised] = await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.entities[0].id === key && e.type === 'ACCEPTANCE_REJECTED',
    );
    expect(raised.owner).toBe('integration');
    expect(JSON.stringify(raised)).toContain('not allowed to accept');
    expect(JSON.stringify(raised)).not.toContain('key-decathlon-fr');
    // Still waiting on Mirakl, nothing applied, nothing published as decided; the sender keeps trying.
    expect(world.order('decathlon-fr', id).order_state).toBe('WAITING_ACCEPTANCE');
    expect(world.acceptApplied.has(`decathlon-fr/${id}`)).toBe(false);
    expect(await world.published(Topics.orderAccepted, key)).toEqual([]);
    expect((await world.decision('decathlon-fr', id))?.status).not.toBe('landed');

    world.sandbox.faults.set('decathlon-fr', {
      ...base,
      error5xxRate: 0,
      dropAfterWriteRate: 0,
      rateLimits: {},
    });
    expect(await world.waitForState('decathlon-fr', id, ['WAITING_DEBIT'], 60_000)).toBe(true);
    await waitForPublished(world, Topics.orderAccepted, (e) => e.orderId === id);
    expect(world.acceptApplied.get(`decathlon-fr/${id}`)).toBe(1);
  }, 120_000);
});
