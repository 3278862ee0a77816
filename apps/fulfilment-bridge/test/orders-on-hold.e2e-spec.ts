import 'reflect-metadata';
import { BackofficeSandbox } from '@seller-bridge/backoffice-sandbox';
import type { OrderAwaitingErpConfirmation } from '@seller-bridge/contracts';
import { readTopic, testKafka, waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { EventSender, releasedOrder, Topics, FulfilmentWorld } from './harness';

const MP = 'decathlon-fr';
const HOUR = 3_600_000;

/** What order-gateway publishes when an acceptance waits for the ERP: the released order less address and names. */
function awaiting(orderId: string, skus = ['SHOE-0001', 'SHOE-0002']): OrderAwaitingErpConfirmation {
  const r = releasedOrder(orderId, { skus });
  return {
    marketplace: r.marketplace,
    orderId: r.orderId,
    commercialId: r.commercialId,
    marketplaceCustomerId: r.customer.marketplaceCustomerId,
    currency: r.currency,
    createdAt: r.createdAt,
    deadlines: { acceptBy: '2026-11-28T08:00:00.000Z' },
    lines: r.lines.map((l) => ({ ...l, miraklState: 'WAITING_ACCEPTANCE' })),
    decidedAt: '2026-11-27T08:00:05.000Z',
  };
}

/**
 * AFTER_ERP_CONFIRMATION on fulfilment-bridge's side (the back-office sandbox over HTTP, the real broker and
 * database): the order is posted on hold, released at SHIPPING into the same sales order, cancelled when
 * refused; a release the ERP cannot ship to is dead-lettered and shown to operations.
 */
describe('sales orders on hold in the ERP', () => {
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  let db: TestDatabase;
  let bo: BackofficeSandbox;
  let boUrl: string;
  let events: EventSender;
  let w: FulfilmentWorld;
  const setFaults = (faults: Record<string, unknown>) =>
    fetch(`${boUrl}/admin/faults`, {
      method: 'PUT',
      headers: { 'x-admin-token': 'bo-admin', 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
  const salesOrdersOf = (orderId: string) => bo.backOffice.orders.byExternalReference(MP, orderId);
  const outbox = async (topic: { name: string }, orderId: string) =>
    (
      (await db.dataSource.query(
        `SELECT payload FROM backbone_outbox WHERE topic = $1 AND message_key = $2`,
        [topic.name, `${MP}:${orderId}`],
      )) as { payload: string }[]
    ).map((r) => JSON.parse(r.payload));
  const row = async (orderId: string) =>
    (
      (await db.dataSource.query(`SELECT * FROM fb_order WHERE order_id = $1`, [orderId])) as Record<
        string,
        unknown
      >[]
    )[0];
  const available = (sku: string) =>
    ['LYON-1', 'MADRID-2'].reduce((s, w) => {
      const l = bo.backOffice.stock.get(sku, w);
      return s + (l ? l.onHand - l.allocated - l.held : 0);
    }, 0);

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_hold',
      mirakl: false,
      backoffice: { warehouse: { pickDelayMs: HOUR } },
      extra: { BACKOFFICE_FEED_ENABLED: 'false' },
    });
    ({ db, bo, boUrl, events } = w);
  }, 90_000);

  afterAll(() => w?.stop());

  it('posts the order on hold once, publishes its ERP number, then releases that same order with the address', async () => {
    const id = `${run}H1-A`;
    const before = available('SHOE-0002');
    const sent = await events.send(Topics.orderAwaitingErpConfirmation, [awaiting(id)]);
    await events.resend(sent); // a redelivery
    await events.send(Topics.orderAwaitingErpConfirmation, [awaiting(id)]); // a duplicate
    expect(await waitFor(async () => (await outbox(Topics.orderPostedToErp, id)).length === 1, 20_000)).toBe(
      true,
    );
    const [held] = salesOrdersOf(id);
    expect(held).toMatchObject({ status: 'on_hold', shipToKnown: false });
    expect(held.nextPickAt).toBeUndefined(); // the warehouse does not pick it
    expect(held.lines.map((l) => [l.sku, l.quantity])).toEqual([
      ['SHOE-0001', 2],
      ['SHOE-0002', 2],
    ]);
    expect(available('SHOE-0002')).toBe(before - 2); // allocated: no other channel can sell it
    const [posted] = await outbox(Topics.orderPostedToErp, id);
    expect(posted).toMatchObject({
      orderId: id,
      erpOrderNumber: held.number,
      erpCreatedAt: expect.any(String),
    });

    // Line 2 is cancelled before SHIPPING; the release (sent twice) carries the lines still to ship.
    await events.send(Topics.orderCancelled, [
      {
        marketplace: MP,
        orderId: id,
        lineIds: [`${id}-2`],
        cancelledBy: 'CUSTOMER',
        cancelledAt: new Date().toISOString(),
      },
    ]);
    const released = releasedOrder(id, { skus: ['SHOE-0001', 'SHOE-0002'] });
    released.lines = released.lines.slice(0, 1);
    await events.send(Topics.orderReadyForFulfilment, [released, released]);
    expect(await waitFor(async () => (await row(id))?.erp_released === true, 20_000)).toBe(true);

    const [so] = salesOrdersOf(id);
    expect(salesOrdersOf(id)).toHaveLength(1);
    expect(so).toMatchObject({
      number: held.number,
      shipToKnown: true,
      shipTo: { city: 'Lyon', country: 'FR' },
    });
    expect(so.lines.map((l) => [l.lineNo, l.sku, l.quantity])).toEqual([[10, 'SHOE-0001', 2]]);
    expect(available('SHOE-0002')).toBe(before); // the cancelled line's units are back
    expect(bo.backOffice.customers.find(MP, `CUST-${id}`)).toMatchObject({ last_name: 'Martin' });
    const stored = await row(id);
    expect(stored).toMatchObject({ state: 'posted', on_hold: true, erp_released: true });
    expect(stored.line_map).toEqual([{ lineId: `${id}-1`, sku: 'SHOE-0001', quantity: 2 }]);
    expect(await outbox(Topics.orderPostedToErp, id)).toHaveLength(1);

    // The warehouse picks the released order: the parcel leaves for the address of the release.
    bo.clock.advance(HOUR + 1000);
    bo.backOffice.settle();
    expect(bo.backOffice.warehouse.shipments.filter((s) => s.sales_order_number === so.number)).toEqual([
      expect.objectContaining({
        ship_to_country: 'FR',
        lines: [{ line_no: 10, sku: 'SHOE-0001', quantity: 2 }],
      }),
    ]);
  }, 60_000);

  it('cancels the held sales order when the marketplace auto-refuses the order, giving its units back', async () => {
    const id = `${run}H2-A`;
    const before = available('SHOE-0003');
    await events.send(Topics.orderAwaitingErpConfirmation, [awaiting(id, ['SHOE-0003'])]);
    expect(await waitFor(() => salesOrdersOf(id)[0]?.status === 'on_hold', 20_000)).toBe(true);
    expect(available('SHOE-0003')).toBe(before - 2);

    await events.send(Topics.orderRefused, [
      {
        marketplace: MP,
        orderId: id,
        refusedBy: 'MARKETPLACE_TIMEOUT',
        lines: [
          { lineId: `${id}-1`, sku: 'SHOE-0003', decision: 'REFUSE', reasonCode: 'MARKETPLACE_TIMEOUT' },
        ],
        decidedAt: new Date().toISOString(),
      },
    ]);
    expect(await waitFor(async () => (await row(id))?.state === 'cancelled', 20_000)).toBe(true);
    expect(salesOrdersOf(id)[0].status).toBe('cancelled');
    expect(salesOrdersOf(id)).toHaveLength(1);
    expect(available('SHOE-0003')).toBe(before);
    expect(await row(id)).toMatchObject({ state: 'cancelled', erp_cancelled: true });
  }, 60_000);

  it('never posts an order whose auto-refusal overtook its hold request', async () => {
    const id = `${run}H3-A`;
    await events.send(Topics.orderRefused, [
      {
        marketplace: MP,
        orderId: id,
        refusedBy: 'MARKETPLACE_TIMEOUT',
        lines: [{ lineId: `${id}-1`, sku: 'SHOE-0004', decision: 'REFUSE' }],
        decidedAt: new Date().toISOString(),
      },
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    await events.send(Topics.orderAwaitingErpConfirmation, [awaiting(id, ['SHOE-0004'])]);
    expect(
      await waitFor(
        async () =>
          (await db.dataSource.query(`SELECT 1 FROM fb_order WHERE order_id = $1`, [id])).length === 1,
        20_000,
      ),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(salesOrdersOf(id)).toEqual([]);
  }, 60_000);

  it('releases through an ERP outage, once', async () => {
    const id = `${run}H4-A`;
    await events.send(Topics.orderAwaitingErpConfirmation, [awaiting(id, ['SHOE-0005'])]);
    expect(await waitFor(() => salesOrdersOf(id)[0]?.status === 'on_hold', 20_000)).toBe(true);
    await setFaults({ down: true });
    await events.send(Topics.orderReadyForFulfilment, [releasedOrder(id, { skus: ['SHOE-0005'] })]);
    expect(
      await waitFor(async () => {
        const [r] = await db.dataSource.query(`SELECT attempts FROM fb_order WHERE order_id = $1`, [id]);
        return r.attempts >= 3;
      }, 20_000),
    ).toBe(true);
    expect(salesOrdersOf(id)[0].status).toBe('on_hold');
    await setFaults({});
    expect(await waitFor(async () => (await row(id))?.erp_released === true, 20_000)).toBe(true);
    expect(salesOrdersOf(id).map((o) => o.status)).toEqual(['posted']);
  }, 60_000);

  it('dead-letters a release without a usable address and records it for operations', async () => {
    const id = `${run}H5-A`;
    const r = releasedOrder(id);
    r.customer.shippingAddress = undefined;
    await events.send(Topics.orderReadyForFulfilment, [r]);
    expect(
      await waitFor(
        async () =>
          (
            await db.dataSource.query(`SELECT open FROM fb_exception WHERE exception_id = $1`, [
              `ORDER_ADDRESS_MISSING:${MP}:${id}`,
            ])
          )[0]?.open === true,
        20_000,
      ),
    ).toBe(true);
    const [raised] = (await db.dataSource.query(
      `SELECT payload FROM backbone_outbox WHERE topic = $1 AND message_key = $2`,
      [Topics.exceptionRaised.name, `ORDER_ADDRESS_MISSING:${MP}:${id}`],
    )) as { payload: string }[];
    expect(JSON.parse(raised.payload)).toMatchObject({ type: 'ORDER_ADDRESS_MISSING', owner: 'operations' });
    const dead = (
      await readTopic(testKafka('fb-hold-dlq'), `${Topics.orderReadyForFulfilment.name}.dlq`, {
        count: 1_000_000,
        timeoutMs: 4000,
      })
    ).filter((m) => m.key === `${MP}:${id}`);
    // At least once (the dead-letter producer may repeat a send), always with the stable code.
    expect(dead.length).toBeGreaterThanOrEqual(1);
    expect(new Set(dead.map((m) => m.headers['dlq-error-code']))).toEqual(new Set(['ORDER_ADDRESS_MISSING']));
    expect(await db.dataSource.query(`SELECT 1 FROM fb_order WHERE order_id = $1`, [id])).toEqual([]);
  }, 60_000);
});
