import 'reflect-metadata';
import { BackofficeSandbox } from '@seller-bridge/backoffice-sandbox';
import { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { EventSender, releasedOrder, Topics, FulfilmentWorld } from './harness';

/** Cancellations both ways, on both sandboxes over HTTP with the real broker and database. */
describe('cancellations', () => {
  const MP = 'decathlon-fr';
  let db: TestDatabase;
  let mirakl: MiraklSandbox;
  let bo: BackofficeSandbox;
  let boUrl: string;
  let events: EventSender;
  let w: FulfilmentWorld;

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_cancel',
      backoffice: { warehouse: { pickDelayMs: 24 * 3_600_000 } },
    });
    ({ db, bo, boUrl, events } = w);
    mirakl = w.mirakl;
  }, 90_000);

  afterAll(() => w?.stop());

  /** An order in SHIPPING on the Mirakl sandbox, released to the service and posted to the ERP. */
  const postedOrder = async () => {
    const id = mirakl.orders.place(MP, {
      customerId: 'C-1',
      lines: [{ offerSku: 'SHOE-0001', quantity: 2, unitPrice: 50 }],
    });
    const lines = (mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] })
      .order_lines;
    mirakl.orders.accept(
      MP,
      id,
      lines.map((l) => ({ id: l.order_line_id, accepted: true })),
    );
    mirakl.clock.advance(3 * 60_000);
    const released = releasedOrder(id);
    released.lines[0].lineId = lines[0].order_line_id;
    await events.send(Topics.orderReadyForFulfilment, [released]);
    expect(await waitFor(() => bo.backOffice.orders.byExternalReference(MP, id).length === 1, 20_000)).toBe(
      true,
    );
    return {
      id,
      lineId: lines[0].order_line_id,
      number: bo.backOffice.orders.byExternalReference(MP, id)[0].number,
    };
  };
  const miraklState = (id: string) =>
    (mirakl.orders.get(MP, id)!.order as { order_state: string }).order_state;

  it('cancels the sales order in the ERP when the marketplace cancels the order', async () => {
    const o = await postedOrder();
    await events.send(Topics.orderCancelled, [
      {
        marketplace: MP,
        orderId: o.id,
        lineIds: [o.lineId],
        cancelledBy: 'CUSTOMER',
        cancelledAt: new Date().toISOString(),
      },
    ]);
    expect(await waitFor(() => bo.backOffice.orders.get(o.number)?.status === 'cancelled', 20_000)).toBe(
      true,
    );
    expect(miraklState(o.id)).toBe('SHIPPING'); // not sent back to the marketplace: it came from there
  }, 60_000);

  const cancelFirst = async (orderId: string, lineIds: string[]) => {
    await events.send(Topics.orderCancelled, [
      { marketplace: MP, orderId, lineIds, cancelledBy: 'CUSTOMER', cancelledAt: new Date().toISOString() },
    ]);
    expect(
      await waitFor(
        async () =>
          (
            (await db.dataSource.query(`SELECT 1 FROM fb_marketplace_cancellation WHERE order_id = $1`, [
              orderId,
            ])) as unknown[]
          ).length === 1,
        20_000,
      ),
    ).toBe(true);
  };

  it('never posts an order whose cancellation arrived before its release', async () => {
    const released = releasedOrder(`EARLY-${Date.now()}-A`);
    await cancelFirst(released.orderId, [released.lines[0].lineId]);
    await events.send(Topics.orderReadyForFulfilment, [released]);
    expect(
      await waitFor(async () => {
        const r = (await db.dataSource.query(`SELECT state FROM fb_order WHERE order_id = $1`, [
          released.orderId,
        ])) as {
          state: string;
        }[];
        return r[0]?.state === 'cancelled';
      }, 20_000),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(bo.backOffice.orders.byExternalReference(MP, released.orderId)).toHaveLength(0);
  }, 60_000);

  it('leaves lines cancelled before posting out of the sales order', async () => {
    const released = releasedOrder(`PART-${Date.now()}-A`, { skus: ['SHOE-0001', 'SHOE-0002'] });
    await cancelFirst(released.orderId, [released.lines[1].lineId]);
    await events.send(Topics.orderReadyForFulfilment, [released]);
    expect(
      await waitFor(
        () => bo.backOffice.orders.byExternalReference(MP, released.orderId).length === 1,
        20_000,
      ),
    ).toBe(true);
    const so = bo.backOffice.orders.byExternalReference(MP, released.orderId)[0];
    expect(so.lines.map((l) => l.sku)).toEqual(['SHOE-0001']);
  }, 60_000);

  it('cancels the order on the marketplace (OR29) when a user cancels the sales order in the ERP', async () => {
    const o = await postedOrder();
    const r = await fetch(`${boUrl}/admin/sales-orders/${o.number}/cancel`, {
      method: 'POST',
      headers: { 'x-admin-token': 'bo-admin', 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'customer called' }),
    });
    expect(r.ok).toBe(true);
    expect(await waitFor(() => miraklState(o.id) === 'CANCELED', 20_000)).toBe(true);
  }, 60_000);
});
