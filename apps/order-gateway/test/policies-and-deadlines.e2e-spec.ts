import { Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { marketplace, World } from './support/world';
import { waitForPublished } from './support/wait-for-published';

const MIN = 60_000;

/**
 * The accept-after-ERP policy, and the marketplace's clock: "at risk" before the acceptance window closes,
 * the auto-refusal when it passes (published, reservations released, "missed" raised).
 */
describe('order-gateway: acceptance policy and deadlines', () => {
  const world = new World({
    label: 'policy',
    marketplaces: [
      marketplace('erpfirst-fr', 'decathlon-fr', {}, { acceptancePolicy: 'AFTER_ERP_CONFIRMATION' }),
      marketplace(
        'slow-fr',
        'decathlon-fr',
        { acceptanceWindowMs: 30 * MIN },
        { acceptancePolicy: 'AFTER_ERP_CONFIRMATION', acceptanceAtRiskMs: 10 * MIN },
      ),
    ],
  });

  beforeAll(async () => {
    await world.start();
    await world.seedStock({ 'SKU-P': 100 });
  }, 120_000);
  afterAll(() => world.stop());

  it('accepts under AFTER_ERP_CONFIRMATION only once the ERP has the sales order', async () => {
    const id = world.place('erpfirst-fr', [{ sku: 'SKU-P', quantity: 1 }]);
    expect(
      await waitFor(async () => (await world.decision('erpfirst-fr', id))?.status === 'waiting-erp', 30_000),
    ).toBe(true);
    // Polls and the acceptance loop run on: Mirakl still waits for a decision.
    await new Promise((r) => setTimeout(r, 1500));
    expect(world.order('erpfirst-fr', id).order_state).toBe('WAITING_ACCEPTANCE');
    expect(world.acceptApplied.has(`erpfirst-fr/${id}`)).toBe(false);
    // The ERP is asked for the sales order on hold, once, with the lines to accept and no address.
    const asked = await waitForPublished(world, Topics.orderAwaitingErpConfirmation, (e) => e.orderId === id);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      marketplace: 'erpfirst-fr',
      marketplaceCustomerId: expect.any(String),
      currency: 'EUR',
      lines: [{ lineId: `${id}-1`, sku: 'SKU-P', quantity: 1 }],
    });
    expect(asked[0]).not.toHaveProperty('customer');

    // fulfilment-bridge's event: the ERP created the sales order.
    await world.send(Topics.orderPostedToErp, {
      marketplace: 'erpfirst-fr',
      orderId: id,
      erpOrderNumber: 'SO-1001',
      postedAt: new Date(world.sandbox.clock.now()).toISOString(),
    });
    expect(await world.waitForState('erpfirst-fr', id, ['WAITING_DEBIT'])).toBe(true);
    const [accepted] = await waitForPublished(world, Topics.orderAccepted, (e) => e.orderId === id);
    expect(accepted).toMatchObject({ policy: 'AFTER_ERP_CONFIRMATION', lines: [{ decision: 'ACCEPT' }] });
    expect(world.acceptApplied.get(`erpfirst-fr/${id}`)).toBe(1);
    expect(
      (await world.published(Topics.orderAwaitingErpConfirmation)).filter((e) => e.orderId === id),
    ).toHaveLength(1);
  }, 60_000);

  it('resumes a send a dead process left behind by reading back first: an OR21 that landed is never sent again', async () => {
    const id = world.place('erpfirst-fr', [{ sku: 'SKU-P', quantity: 1 }]);
    expect(
      await waitFor(async () => (await world.decision('erpfirst-fr', id))?.status === 'waiting-erp', 30_000),
    ).toBe(true);
    // What a process killed between OR21 and its commit leaves: the decision on Mirakl, the row still `sending`.
    world.sandbox.orders.accept('erpfirst-fr', id, [{ id: `${id}-1`, accepted: true }]);
    await world.gatewayDb.dataSource.query(
      `UPDATE order_decision SET status = 'sending', attempts = 1, next_attempt_at = now() - interval '1 second'
       WHERE marketplace = 'erpfirst-fr' AND order_id = $1`,
      [id],
    );
    expect(
      await waitFor(async () => (await world.decision('erpfirst-fr', id))?.status === 'landed', 30_000),
    ).toBe(true);
    expect((await world.decision('erpfirst-fr', id))?.outcome).toBe('already-decided');
    expect(world.acceptApplied.get(`erpfirst-fr/${id}`)).toBe(1);
    expect(world.acceptRefused.get(`erpfirst-fr/${id}`)).toBeUndefined();
    const [accepted] = await waitForPublished(world, Topics.orderAccepted, (e) => e.orderId === id);
    expect(accepted.lines).toEqual([expect.objectContaining({ decision: 'ACCEPT' })]);
  }, 60_000);

  it('raises acceptance at risk before the window closes, then publishes the auto-refusal and releases the reservation', async () => {
    const id = world.place('slow-fr', [{ sku: 'SKU-P', quantity: 2 }]);
    const key = `slow-fr:${id}`;
    expect(
      await waitFor(async () => (await world.decision('slow-fr', id))?.status === 'waiting-erp', 30_000),
    ).toBe(true);
    expect(
      await waitFor(async () => (await world.reservations('slow-fr', id))[0]?.state === 'open', 30_000),
    ).toBe(true);
    const risk = () =>
      world.published(Topics.exceptionRaised).then((all) => all.filter((e) => e.entities[0].id === key));
    await new Promise((r) => setTimeout(r, 600));
    expect(await risk()).toEqual([]); // 30 minutes left: nothing to say yet

    world.advance(21 * MIN); // 9 minutes left
    const [atRisk] = await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.entities[0].id === key && e.type === 'ACCEPTANCE_AT_RISK',
    );
    expect(atRisk.owner).toBe('operations');

    world.advance(10 * MIN); // the window passed: Mirakl refuses the order on its own
    expect(world.order('slow-fr', id)).toMatchObject({
      order_state: 'REFUSED',
      acceptance_decision_date: null,
    });
    const [refused] = await waitForPublished(world, Topics.orderRefused, (e) => e.orderId === id);
    expect(refused.refusedBy).toBe('MARKETPLACE_TIMEOUT');
    await waitForPublished(
      world,
      Topics.exceptionRaised,
      (e) => e.entities[0].id === key && e.type === 'ACCEPTANCE_MISSED',
    );
    expect(
      await waitFor(async () => (await world.reservations('slow-fr', id))[0]?.state === 'released', 30_000),
    ).toBe(true);
    expect((await world.reservations('slow-fr', id))[0].reason).toBe('AUTO_REFUSED');
    // The decision that waited is not sent any more, even if the ERP confirms now.
    await world.send(Topics.orderPostedToErp, {
      marketplace: 'slow-fr',
      orderId: id,
      erpOrderNumber: 'SO-LATE',
      postedAt: new Date(world.sandbox.clock.now()).toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await world.decision('slow-fr', id))?.status).toBe('superseded');
    expect(world.acceptApplied.has(`slow-fr/${id}`)).toBe(false);
    expect(await world.published(Topics.orderRefused, key)).toHaveLength(1);
    const metrics = await world.metricsText();
    expect(metrics).toMatch(/order_gateway_deadlines_missed_total\{[^}]*marketplace="slow-fr"[^}]*\} [1-9]/);
  }, 90_000);
});
