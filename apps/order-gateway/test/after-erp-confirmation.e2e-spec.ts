import { Topics } from '@seller-bridge/contracts';
import { waitFor } from '@seller-bridge/service-kit/testing';
import { Fulfilment } from './support/fulfilment';
import { waitForPublished } from './support/wait-for-published';
import { marketplace, World } from './support/world';

const MIN = 60_000;
const SKU = 'SHOE-0001';

/**
 * AFTER_ERP_CONFIRMATION end to end, on the real pieces: the Mirakl sandbox, catalogue-sync (reservations),
 * order-gateway, fulfilment-bridge and the back-office sandbox, over Kafka and PostgreSQL. The acceptance waits
 * for the ERP's sales order, which is taken on hold before the marketplace shows any address, and released into
 * the warehouse with the address once Mirakl has the order in SHIPPING.
 */
describe('accept only once the ERP has the sales order (order-gateway + fulfilment-bridge)', () => {
  const world = new World({
    label: 'erp_first',
    marketplaces: [
      marketplace('erphold-fr', 'decathlon-fr', {}, { acceptancePolicy: 'AFTER_ERP_CONFIRMATION' }),
      marketplace(
        'erplate-fr',
        'decathlon-fr',
        { acceptanceWindowMs: 30 * MIN },
        { acceptancePolicy: 'AFTER_ERP_CONFIRMATION', acceptanceAtRiskMs: 10 * MIN },
      ),
    ],
  });
  const fulfilment = new Fulfilment(world, { pickDelayMs: 5 * MIN });

  beforeAll(async () => {
    await world.start();
    await world.seedStock({ [SKU]: 100 });
    await fulfilment.start();
  }, 180_000);
  afterAll(async () => {
    await fulfilment.stop();
    await world.stop();
  });

  it('takes the order on hold in the ERP, accepts it on Mirakl, then releases that one sales order to the warehouse', async () => {
    const before = fulfilment.available(SKU);
    const id = world.place('erphold-fr', [{ sku: SKU, quantity: 2, unitPrice: 80 }], 'CUST-HOLD-1');

    // The ERP has the order on hold before Mirakl shows any address: allocated, not picked.
    expect(await waitFor(() => fulfilment.salesOrders('erphold-fr', id).length === 1, 60_000)).toBe(true);
    const [held] = fulfilment.salesOrders('erphold-fr', id);
    expect(held).toMatchObject({ status: 'on_hold', shipToKnown: false });
    expect(held.nextPickAt).toBeUndefined();
    expect(fulfilment.available(SKU)).toBe(before - 2);

    // Its ERP number reaches order-gateway, which accepts (OR21) once.
    expect(await world.waitForState('erphold-fr', id, ['WAITING_DEBIT', 'SHIPPING'], 60_000)).toBe(true);
    const [accepted] = await waitForPublished(world, Topics.orderAccepted, (e) => e.orderId === id);
    expect(accepted).toMatchObject({ policy: 'AFTER_ERP_CONFIRMATION', lines: [{ decision: 'ACCEPT' }] });
    expect(world.acceptApplied.get(`erphold-fr/${id}`)).toBe(1);

    // The debit goes through: SHIPPING, with the address. The held order is released with it.
    world.advance(3 * MIN);
    expect(await world.waitForState('erphold-fr', id, ['SHIPPING'])).toBe(true);
    expect(
      await waitFor(async () => (await fulfilment.orderRow('erphold-fr', id))?.erp_released === true, 60_000),
    ).toBe(true);
    const sos = fulfilment.salesOrders('erphold-fr', id);
    expect(sos).toHaveLength(1);
    expect(sos[0]).toMatchObject({ number: held.number, status: 'posted', shipToKnown: true });
    expect(sos[0].shipTo.line1).not.toBe('');
    expect(sos[0].lines.map((l) => [l.sku, l.quantity])).toEqual([[SKU, 2]]);

    // The warehouse picks it: the parcel leaves.
    fulfilment.backoffice.clock.advance(5 * MIN + 1000);
    fulfilment.backoffice.backOffice.settle();
    expect(
      fulfilment.backoffice.backOffice.warehouse.shipments.filter(
        (s) => s.sales_order_number === held.number,
      ),
    ).toEqual([expect.objectContaining({ lines: [expect.objectContaining({ sku: SKU, quantity: 2 })] })]);
    expect(fulfilment.salesOrders('erphold-fr', id)).toHaveLength(1);
    expect(fulfilment.backoffice.backOffice.orders.duplicates()).toEqual([]);
  }, 180_000);

  it('cancels the held sales order when the acceptance never lands and the marketplace auto-refuses the order', async () => {
    // OR21 is refused by the platform on this marketplace: the acceptance cannot land before the window closes.
    world.sandbox.faults.set('erplate-fr', {
      ...world.sandbox.faults.get('erplate-fr')!,
      refuse: { OR21: { status: 400, message: 'Shop is suspended' } },
    });
    const before = fulfilment.available(SKU);
    const id = world.place('erplate-fr', [{ sku: SKU, quantity: 1, unitPrice: 80 }], 'CUST-HOLD-2');
    expect(
      await waitFor(() => fulfilment.salesOrders('erplate-fr', id)[0]?.status === 'on_hold', 60_000),
    ).toBe(true);
    expect(fulfilment.available(SKU)).toBe(before - 1);

    world.advance(31 * MIN); // the window passes: Mirakl refuses the order on its own
    const [refused] = await waitForPublished(world, Topics.orderRefused, (e) => e.orderId === id, 60_000);
    expect(refused.refusedBy).toBe('MARKETPLACE_TIMEOUT');
    expect(
      await waitFor(async () => (await fulfilment.orderRow('erplate-fr', id))?.state === 'cancelled', 60_000),
    ).toBe(true);
    const sos = fulfilment.salesOrders('erplate-fr', id);
    expect(sos.map((o) => o.status)).toEqual(['cancelled']);
    expect(fulfilment.available(SKU)).toBe(before);
  }, 180_000);
});
