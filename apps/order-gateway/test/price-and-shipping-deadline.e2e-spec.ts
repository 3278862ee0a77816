import { money, Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';
import { waitForPublished } from './support/wait-for-published';

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * Two rules that need the world around order-gateway: the price check against the back office's selling price
 * (`backoffice.product.changed.v1`), and the shipping deadline Mirakl sets once the order is debited
 * ("at risk" before it passes, "missed" after, the at-risk exception resolved once the order ships).
 */
describe('order-gateway: price check and shipping deadline', () => {
  const world = new World({
    label: 'rules',
    marketplaces: [
      marketplace('pricecheck-fr', 'decathlon-fr', {}, { priceTolerance: 0.05 }),
      marketplace('shipclock-fr', 'decathlon-fr', {}, { shippingAtRiskMs: 12 * HOUR }),
    ],
  });

  beforeAll(async () => {
    await world.start();
    await world.seedStock({ 'SKU-PR': 100, 'SKU-NOPRICE': 100, 'SKU-SH': 100 });
  }, 120_000);
  afterAll(() => world.stop());

  const exceptionsOf = (key: string) =>
    world
      .published(Topics.exceptionRaised)
      .then((all) => all.filter((e) => e.entities[0].id.startsWith(key)));

  it('refuses a line priced beyond the tolerance from the back office price, raises PRICE_MISMATCH for e-commerce, and accepts one within it', async () => {
    await world.send(Topics.productChanged, {
      sku: 'SKU-PR',
      title: 'Trail shoe',
      category: 'Sports > Running > Shoes',
      price: money(1000, 'EUR'),
      taxRate: '20.00',
      active: true,
      updatedAt: new Date(world.sandbox.clock.now()).toISOString(),
      source: 'backoffice-poll',
    });
    expect(
      await waitFor(
        async () =>
          (await world.gatewayDb.dataSource.query(`SELECT 1 FROM offer_price WHERE sku = 'SKU-PR'`))
            .length === 1,
        30_000,
      ),
    ).toBe(true);

    // 12.50 against 10.00 (25 % off); the other line has no known price and is not checked.
    const id = world.place('pricecheck-fr', [
      { sku: 'SKU-PR', quantity: 1, unitPrice: 12.5 },
      { sku: 'SKU-NOPRICE', quantity: 1, unitPrice: 99 },
    ]);
    expect(await world.waitForState('pricecheck-fr', id, ['WAITING_DEBIT'])).toBe(true);
    expect(world.order('pricecheck-fr', id).order_lines.map((l: any) => l.order_line_state)).toEqual([
      'REFUSED',
      'WAITING_DEBIT',
    ]);
    const [accepted] = await waitForPublished(world, Topics.orderAccepted, (e) => e.orderId === id);
    expect(accepted.lines).toEqual([
      expect.objectContaining({ lineId: `${id}-1`, decision: 'REFUSE', reasonCode: 'PRICE_MISMATCH' }),
      expect.objectContaining({ lineId: `${id}-2`, decision: 'ACCEPT' }),
    ]);
    const raised = await exceptionsOf(`pricecheck-fr:${id}`);
    expect(raised).toEqual([expect.objectContaining({ type: 'PRICE_MISMATCH', owner: 'ecommerce' })]);
    expect(JSON.stringify(raised[0])).toContain('1250');

    // 10.40: 4 % off, within the 5 % tolerance.
    const ok = world.place('pricecheck-fr', [{ sku: 'SKU-PR', quantity: 1, unitPrice: 10.4 }]);
    expect(await world.waitForState('pricecheck-fr', ok, ['WAITING_DEBIT'])).toBe(true);
    expect(await exceptionsOf(`pricecheck-fr:${ok}`)).toEqual([]);
  }, 60_000);

  it('raises shipping at risk before the shipping deadline and missed after it; an order shipped in time has its at-risk exception resolved', async () => {
    const late = world.place('shipclock-fr', [{ sku: 'SKU-SH', quantity: 1 }]);
    const onTime = world.place('shipclock-fr', [{ sku: 'SKU-SH', quantity: 1 }]);
    expect(await world.waitForState('shipclock-fr', late, ['WAITING_DEBIT'])).toBe(true);
    expect(await world.waitForState('shipclock-fr', onTime, ['WAITING_DEBIT'])).toBe(true);
    world.advance(3 * MIN); // debited: SHIPPING, to be shipped within 2 days
    for (const id of [late, onTime])
      await waitForPublished(
        world,
        Topics.orderStateChanged,
        (e) => e.orderId === id && e.toState === 'SHIPPING',
      );
    const ofType = (id: string, type: string) =>
      exceptionsOf(`shipclock-fr:${id}`).then((all) => all.filter((e) => e.type === type));
    await new Promise((r) => setTimeout(r, 600));
    expect(await ofType(late, 'SHIPPING_AT_RISK')).toEqual([]); // 2 days left

    world.advance(2 * 24 * HOUR - 11 * HOUR); // 11 hours left: within the 12-hour warning
    const [atRisk] = await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.entities[0].id === `shipclock-fr:${late}` && e.type === 'SHIPPING_AT_RISK',
    );
    expect(atRisk.owner).toBe('operations');
    await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.entities[0].id === `shipclock-fr:${onTime}` && e.type === 'SHIPPING_AT_RISK',
    );

    // One ships now; the other does not ship before the deadline.
    world.sandbox.orders.ship('shipclock-fr', onTime);
    await waitForPublished(
      world,
      Topics.exceptionResolved,
      (e) => e.type === 'SHIPPING_AT_RISK' && e.exceptionId.includes(onTime),
    );
    world.advance(12 * HOUR);
    await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.entities[0].id === `shipclock-fr:${late}` && e.type === 'SHIPPING_MISSED',
    );
    expect(await ofType(onTime, 'SHIPPING_MISSED')).toEqual([]);
    // Raised once each, however many checks ran.
    expect(await ofType(late, 'SHIPPING_AT_RISK')).toHaveLength(1);
    expect(await ofType(late, 'SHIPPING_MISSED')).toHaveLength(1);
  }, 90_000);
});
