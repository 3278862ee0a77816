import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import type { ShipmentConfirmed } from '@seller-bridge/contracts';
import { waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { acceptedSandboxOrder, ADMIN_TOKEN, EventSender, Topics, FulfilmentWorld } from './harness';

/**
 * A marketplace that takes several shipments per order (carrefour-es in the sandbox, `multiShipment` in the
 * service's configuration): each warehouse parcel goes out as its own shipment (ST01, shipped at creation),
 * with two replicas of the service, the real broker and database, and a marketplace that loses answers.
 */
describe('parcels as shipments on a multi-shipment marketplace', () => {
  const MP = 'carrefour-es';
  let db: TestDatabase;
  let mirakl: MiraklSandbox;
  const apps: INestApplication[] = [];
  let events: EventSender;
  let w: FulfilmentWorld;
  let n = 0;
  const run = Math.random().toString(36).slice(2, 7);

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_multi',
      marketplaces: [MP],
      marketplaceSettings: { multiShipment: true },
      extra: { BACKOFFICE_FEED_ENABLED: 'false' },
      // Two replicas on one database and one consumer group: they share the parcels.
      replicas: 2,
    });
    ({ db, events } = w);
    mirakl = w.mirakl;
    apps.push(...w.apps);
    await request(w.app.getHttpServer())
      .put(`/carrier-mappings/${MP}/SEUR%2024`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ carrierCode: 'SEUR' })
      .expect(200);
  }, 90_000);

  afterAll(() => w?.stop());

  /** An order of two lines (2 units each) on the Mirakl sandbox, accepted and debited: in SHIPPING. */
  const order = () =>
    acceptedSandboxOrder(mirakl, MP, {
      customerId: `C-${run}-${++n}`,
      lines: [
        { offerSku: 'SHOE-0001', quantity: 2, unitPrice: 50 },
        { offerSku: 'SHOE-0002', quantity: 2, unitPrice: 30 },
      ],
    });
  const parcel = (
    orderId: string,
    lineId: string,
    sku: string,
    carrierName = 'SEUR 24',
  ): ShipmentConfirmed => ({
    marketplace: MP,
    orderId,
    shipmentId: `PARCEL-${run}-${++n}`,
    lines: [{ lineId, sku, quantity: 2 }],
    carrierName,
    trackingNumber: `SEUR${run}${n}`,
    shippedAt: new Date().toISOString(),
  });
  const orderState = (id: string) =>
    (mirakl.orders.get(MP, id)!.order as { order_state: string }).order_state;
  const shipmentsOf = (id: string) => mirakl.shipments.all(MP).filter((s) => s.order_id === id);
  const row = async (parcelId: string) =>
    (
      (await db.dataSource.query(
        `SELECT state, hold_reason, marketplace_shipment_id FROM fb_shipment WHERE shipment_id = $1`,
        [parcelId],
      )) as { state: string; hold_reason: string | null; marketplace_shipment_id: string | null }[]
    )[0];

  it('sends each parcel as its own shipment: one shipment after the first, the order SHIPPED after the second; a lost ST01 answer creates nothing twice', async () => {
    const o = order();
    // Every write lands and loses its answer: ST01 is read back with ST11, never sent twice.
    mirakl.faults.set(MP, { ...mirakl.faults.get(MP)!, dropAfterWriteRate: 1 });
    const first = parcel(o.id, o.lineIds[0], 'SHOE-0001');
    await events.send(Topics.shipmentConfirmed, [first], MP);
    expect(await waitFor(async () => (await row(first.shipmentId))?.state === 'shipped', 30_000)).toBe(true);
    const afterFirst = shipmentsOf(o.id);
    expect(afterFirst).toEqual([
      expect.objectContaining({
        status: 'SHIPPED',
        shipment_lines: [
          expect.objectContaining({
            order_line_id: o.lineIds[0],
            quantity: 2,
            package_reference: first.shipmentId,
          }),
        ],
        tracking: expect.objectContaining({ carrier_code: 'SEUR', tracking_number: first.trackingNumber }),
      }),
    ]);
    expect((await row(first.shipmentId)).marketplace_shipment_id).toBe(afterFirst[0].id);
    expect(orderState(o.id)).toBe('SHIPPING');
    expect(mirakl.orders.trackingUpdates.filter((t) => t.orderId === o.id)).toEqual([]); // no OR23

    mirakl.faults.set(MP, { ...mirakl.faults.get(MP)!, dropAfterWriteRate: 0 });
    const second = parcel(o.id, o.lineIds[1], 'SHOE-0002');
    await events.send(Topics.shipmentConfirmed, [second], MP);
    expect(await waitFor(() => orderState(o.id) === 'SHIPPED', 30_000)).toBe(true);
    expect(await waitFor(async () => (await row(second.shipmentId))?.state === 'shipped', 10_000)).toBe(true);
    expect(
      shipmentsOf(o.id).map((s) => [s.status, s.shipment_lines.map((l) => [l.order_line_id, l.quantity])]),
    ).toEqual([
      ['SHIPPED', [[o.lineIds[0], 2]]],
      ['SHIPPED', [[o.lineIds[1], 2]]],
    ]);
    // A redelivery of the first parcel sends nothing more.
    await events.send(Topics.shipmentConfirmed, [first], MP);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(shipmentsOf(o.id)).toHaveLength(2);
  }, 90_000);

  it('holds only the parcel whose carrier is unmapped; the other goes out alone', async () => {
    const o = order();
    const held = parcel(o.id, o.lineIds[0], 'SHOE-0001', 'Correos Express');
    const sent = parcel(o.id, o.lineIds[1], 'SHOE-0002');
    await events.send(Topics.shipmentConfirmed, [held, sent], MP);
    expect(await waitFor(async () => (await row(sent.shipmentId))?.state === 'shipped', 30_000)).toBe(true);
    expect(await waitFor(async () => (await row(held.shipmentId))?.state === 'held', 10_000)).toBe(true);
    expect((await row(held.shipmentId)).hold_reason).toBe('UNMAPPED_CARRIER');
    expect(shipmentsOf(o.id).map((s) => s.shipment_lines[0].order_line_id)).toEqual([o.lineIds[1]]);
    expect(orderState(o.id)).toBe('SHIPPING');

    await request(apps[1].getHttpServer())
      .put(`/carrier-mappings/${MP}/Correos%20Express`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ carrierCode: 'SEUR' })
      .expect(200);
    expect(await waitFor(() => orderState(o.id) === 'SHIPPED', 30_000)).toBe(true);
    expect(shipmentsOf(o.id)).toHaveLength(2);
  }, 90_000);

  it('fails a parcel Mirakl refuses (over-shipping) with an exception, leaving the order as it was', async () => {
    const o = order();
    const tooMany = {
      ...parcel(o.id, o.lineIds[0], 'SHOE-0001'),
      lines: [{ lineId: o.lineIds[0], sku: 'SHOE-0001', quantity: 5 }],
    };
    await events.send(Topics.shipmentConfirmed, [tooMany], MP);
    expect(await waitFor(async () => (await row(tooMany.shipmentId))?.state === 'failed', 30_000)).toBe(true);
    const ex = (await db.dataSource.query(`SELECT type, open FROM fb_exception WHERE exception_id = $1`, [
      `SHIPPING_REFUSED:${MP}:${tooMany.shipmentId}`,
    ])) as { type: string; open: boolean }[];
    expect(ex).toEqual([{ type: 'MARKETPLACE_SHIPPING_REFUSED', open: true }]);
    expect(shipmentsOf(o.id)).toEqual([]);
    expect(orderState(o.id)).toBe('SHIPPING');
  }, 60_000);
});
