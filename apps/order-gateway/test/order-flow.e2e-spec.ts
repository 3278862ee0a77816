import { Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';
import { waitForPublished } from './support/wait-for-published';

const MIN = 60_000;

/**
 * order-gateway end to end: the Mirakl sandbox, catalogue-sync's reservation owner and order-gateway, over the
 * real Kafka broker and PostgreSQL. Each test places orders as a buyer would and checks what Mirakl ended up
 * with (the sandbox's order book), what order-gateway published, and the reservations catalogue-sync holds.
 */
describe('order-gateway: orders seen once, decided on reservations, released at SHIPPING', () => {
  const world = new World({
    label: 'flow',
    marketplaces: [
      marketplace('decathlon-fr', 'decathlon-fr', {}, { taxCategoryMap: { TVA: 'VAT20' } }),
      marketplace('carrefour-es', 'carrefour-es'),
      marketplace('debitfail-fr', 'decathlon-fr', { debitFailureRate: 1, debitFailureDelayMs: 10 * MIN }),
    ],
  });

  beforeAll(async () => {
    await world.start();
    await world.seedStock({ 'SKU-A': 1000, 'SKU-B': 1000, 'SKU-ONE': 1, 'SKU-ES': 50 });
  }, 120_000);
  afterAll(() => world.stop());

  it('processes an order repeated by the overlap and across pages once', async () => {
    // 250 orders: three OR11 pages; every poll (each 200 ms, 5 min overlap + Mirakl's 5 min margin) sees them all again.
    const ids = Array.from({ length: 250 }, (_, i) =>
      world.place('decathlon-fr', [{ sku: 'SKU-A', quantity: 1 }], `C-${i}`),
    );
    expect(
      await waitFor(async () => (await world.published(Topics.orderAccepted)).length >= 250, 60_000, 200),
    ).toBe(true);
    // Several more polls see the same versions again.
    const polls = async () => (await world.published(Topics.marketplacePolled)).length;
    const before = await polls();
    expect(await waitFor(async () => (await polls()) >= before + 3, 20_000, 100)).toBe(true);

    const received = await world.published(Topics.orderReceived);
    const receivedIds = received.filter((r) => r.marketplace === 'decathlon-fr').map((r) => r.orderId);
    expect(receivedIds.sort()).toEqual([...ids].sort());
    const accepted = (await world.published(Topics.orderAccepted)).map((a) => a.orderId);
    expect(new Set(accepted).size).toBe(accepted.length);
    for (const id of ids) expect(world.acceptApplied.get(`decathlon-fr/${id}`)).toBe(1);
    expect(world.acceptRefused.size).toBe(0);
    // The state history holds each state once per order.
    const [{ dupes }] = await world.gatewayDb.dataSource.query(
      `SELECT COUNT(*)::int AS dupes FROM (SELECT order_id, to_state FROM order_state_history
         GROUP BY order_id, to_state HAVING COUNT(*) > 1) d`,
    );
    expect(dupes).toBe(0);
    // The poll events name the received orders, after they were published (orders first, then stock).
    const lastPoll = (await world.published(Topics.marketplacePolled))
      .filter((p) => p.marketplace === 'decathlon-fr')
      .pop();
    expect(lastPoll.orderIds).toEqual(expect.arrayContaining(ids));
  }, 120_000);

  it('refuses a line whose SKU is unknown, accepts the rest (partial acceptance), and raises an exception', async () => {
    const id = world.place('decathlon-fr', [
      { sku: 'SKU-B', quantity: 1 },
      { sku: 'SKU-NOBODY-KNOWS', quantity: 1 },
    ]);
    expect(
      await world.waitForState('decathlon-fr', id, ['WAITING_DEBIT', 'WAITING_DEBIT_PAYMENT', 'SHIPPING']),
    ).toBe(true);
    const lines = world.order('decathlon-fr', id).order_lines;
    expect(lines.map((l: any) => l.order_line_state)).toEqual(['WAITING_DEBIT', 'REFUSED']);
    const exceptions = await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.type === 'UNKNOWN_SKU' && e.entities[0].id === `decathlon-fr:${id}`,
    );
    expect(exceptions[0]).toMatchObject({ owner: 'ecommerce', marketplace: 'decathlon-fr' });
    const [accepted] = await waitForPublished(world, Topics.orderAccepted, (e) => e.orderId === id);
    expect(accepted.lines.map((l: any) => [l.decision, l.reasonCode])).toEqual([
      ['ACCEPT', undefined],
      ['REFUSE', 'UNKNOWN_SKU'],
    ]);
  }, 60_000);

  it('refuses an order the stock cannot cover (NO_STOCK), raising an exception', async () => {
    const id = world.place('decathlon-fr', [{ sku: 'SKU-ONE', quantity: 2 }]);
    expect(await world.waitForState('decathlon-fr', id, ['REFUSED'])).toBe(true);
    expect(world.order('decathlon-fr', id).acceptance_decision_date).not.toBeNull();
    await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.type === 'NO_STOCK' && e.entities[0].id === `decathlon-fr:${id}`,
    );
    const [refused] = await waitForPublished(world, Topics.orderRefused, (e) => e.orderId === id);
    expect(refused).toMatchObject({
      refusedBy: 'SELLER',
      lines: [{ decision: 'REFUSE', reasonCode: 'NO_STOCK' }],
    });
    expect(await world.reservations('decathlon-fr', id)).toEqual([
      { order_line_id: `${id}-1`, state: 'rejected', reason: 'NO_STOCK' },
    ]);
  }, 60_000);

  it('refuses the whole order where partial acceptance is disabled, and the reserved line is released', async () => {
    const id = world.place('carrefour-es', [
      { sku: 'SKU-ES', quantity: 1 },
      { sku: 'SKU-ES-UNKNOWN', quantity: 1 },
    ]);
    expect(await world.waitForState('carrefour-es', id, ['REFUSED'])).toBe(true);
    expect(world.order('carrefour-es', id).order_lines.map((l: any) => l.order_line_state)).toEqual([
      'REFUSED',
      'REFUSED',
    ]);
    const [refused] = await waitForPublished(world, Topics.orderRefused, (e) => e.orderId === id);
    expect(refused.lines.map((l: any) => l.reasonCode)).toEqual(['WHOLE_ORDER_REFUSED', 'UNKNOWN_SKU']);
    // catalogue-sync gives the reserved unit back on orders.order.refused.v1.
    expect(
      await waitFor(
        async () => (await world.reservations('carrefour-es', id))[0]?.state === 'released',
        30_000,
      ),
    ).toBe(true);
    expect((await world.reservations('carrefour-es', id))[0]).toMatchObject({ reason: 'ORDER_REFUSED' });
  }, 60_000);

  it('releases an order to fulfilment only once Mirakl has it in SHIPPING, once, with what the ERP needs', async () => {
    const id = world.place('decathlon-fr', [{ sku: 'SKU-B', quantity: 3, unitPrice: 12.5 }], 'CUST-RELEASE');
    expect(await world.waitForState('decathlon-fr', id, ['WAITING_DEBIT'])).toBe(true);
    // Several polls while the debit is pending: nothing released.
    const key = `decathlon-fr:${id}`;
    await waitForPublished(
      world,
      Topics.orderStateChanged,
      (e) => e.orderId === id && e.toState === 'WAITING_DEBIT',
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await world.published(Topics.orderReadyForFulfilment, key)).toEqual([]);

    world.advance(3 * MIN); // debit done: SHIPPING
    expect(world.order('decathlon-fr', id).order_state).toBe('SHIPPING');
    const [ready] = await waitForPublished(world, Topics.orderReadyForFulfilment, (e) => e.orderId === id);
    expect(ready).toMatchObject({
      miraklState: 'SHIPPING',
      customer: { marketplaceCustomerId: 'CUST-RELEASE', shippingAddress: { street1: expect.any(String) } },
      lines: [{ sku: 'SKU-B', quantity: 3, unitPrice: { amountMinor: 1250 }, price: { amountMinor: 3750 } }],
      deadlines: { shipBy: expect.any(String) },
    });
    expect(ready.lines[0].taxes[0]).toMatchObject({ code: 'TVA' });
    expect(JSON.stringify(ready)).not.toContain('@notification');
    // More polls, and the order moving on (SHIPPED), release nothing more.
    await world.sandbox.orders.ship('decathlon-fr', id);
    await waitForPublished(
      world,
      Topics.orderStateChanged,
      (e) => e.orderId === id && e.toState === 'SHIPPED',
    );
    expect(await world.published(Topics.orderReadyForFulfilment, key)).toHaveLength(1);
  }, 60_000);

  it('publishes an incident a customer opens on a shipped line, once, naming the line', async () => {
    const id = world.place('decathlon-fr', [
      { sku: 'SKU-A', quantity: 1 },
      { sku: 'SKU-B', quantity: 1 },
    ]);
    expect(await world.waitForState('decathlon-fr', id, ['WAITING_DEBIT'])).toBe(true);
    world.advance(3 * MIN);
    world.sandbox.orders.ship('decathlon-fr', id);
    await waitForPublished(
      world,
      Topics.orderStateChanged,
      (e) => e.orderId === id && e.toState === 'SHIPPED',
    );
    const key = `decathlon-fr:${id}`;
    expect(await world.published(Topics.orderIncidentOpened, key)).toEqual([]);
    world.advance(1_000);
    world.sandbox.orders.openIncident('decathlon-fr', id, `${id}-2`, '1');
    const [incident] = await waitForPublished(world, Topics.orderIncidentOpened, (e) => e.orderId === id);
    expect(incident).toMatchObject({ orderId: id, lineIds: [`${id}-2`] });
    // Later polls (the overlap re-reads the order) publish nothing more.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await world.published(Topics.orderIncidentOpened, key)).toHaveLength(1);
  }, 60_000);

  it('publishes the cancellation of an order whose debit failed, and catalogue-sync releases its reservation', async () => {
    const id = world.place('debitfail-fr', [{ sku: 'SKU-B', quantity: 2 }]);
    expect(await world.waitForState('debitfail-fr', id, ['WAITING_DEBIT'])).toBe(true);
    expect(
      await waitFor(async () => (await world.reservations('debitfail-fr', id))[0]?.state === 'open', 20_000),
    ).toBe(true);
    world.advance(2 * MIN);
    world.advance(11 * MIN);
    expect(world.order('debitfail-fr', id).order_state).toBe('CANCELED');
    const [cancelled] = await waitForPublished(world, Topics.orderCancelled, (e) => e.orderId === id);
    expect(cancelled).toMatchObject({ lineIds: [`${id}-1`], cancelledBy: 'DEBIT_FAILED' });
    expect(
      await waitFor(
        async () => (await world.reservations('debitfail-fr', id))[0]?.state === 'released',
        30_000,
      ),
    ).toBe(true);
    expect((await world.reservations('debitfail-fr', id))[0].reason).toBe('ORDER_CANCELLED');
    expect(await world.published(Topics.orderReadyForFulfilment, `debitfail-fr:${id}`)).toEqual([]);
  }, 60_000);
});
