import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import type { ShipmentConfirmed } from '@seller-bridge/contracts';
import { waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { ADMIN_TOKEN, EventSender, Topics, FulfilmentWorld } from './harness';

/**
 * Shipments back to the marketplace (the Mirakl sandbox over HTTP, the real broker and database): mapped
 * carriers, tracking before ship, held shipments released by a mapping or a tracking number, OR24 only in
 * SHIPPING and only once every line has shipped.
 */
describe('shipments to the marketplace', () => {
  const MP = 'decathlon-fr';
  let db: TestDatabase;
  let mirakl: MiraklSandbox;
  let app: INestApplication;
  let events: EventSender;
  let w: FulfilmentWorld;
  let n = 0;
  const run = Math.random().toString(36).slice(2, 7);

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_ship',
      extra: { BACKOFFICE_FEED_ENABLED: 'false' },
    });
    ({ db, events } = w);
    mirakl = w.mirakl;
    app = w.app;
  }, 90_000);

  afterAll(() => w?.stop());

  /** An order on the Mirakl sandbox, accepted; in SHIPPING unless `debited` is false. */
  const order = (o: { lines?: number; shippingType?: string; debited?: boolean } = {}) => {
    const id = mirakl.orders.place(MP, {
      customerId: `C-${run}-${++n}`,
      shippingTypeCode: o.shippingType ?? 'STD',
      lines: Array.from({ length: o.lines ?? 1 }, (_, i) => ({
        offerSku: `SHOE-000${i + 1}`,
        quantity: 2,
        unitPrice: 50,
      })),
    });
    const placed = mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] };
    mirakl.orders.accept(
      MP,
      id,
      placed.order_lines.map((l) => ({ id: l.order_line_id, accepted: true })),
    );
    if (o.debited !== false) mirakl.clock.advance(3 * 60_000);
    return { id, lineIds: placed.order_lines.map((l) => l.order_line_id) };
  };
  const state = (id: string) => (mirakl.orders.get(MP, id)!.order as { order_state: string }).order_state;
  const shipment = (
    orderId: string,
    lines: { lineId: string; quantity: number }[],
    carrierName: string,
    tracking?: string,
  ): ShipmentConfirmed => ({
    marketplace: MP,
    orderId,
    shipmentId: `SH-${run}-${++n}`,
    lines: lines.map((l) => ({ ...l, sku: 'SHOE-0001' })),
    carrierName,
    ...(tracking ? { trackingNumber: tracking } : {}),
    shippedAt: new Date().toISOString(),
  });
  const row = async (shipmentId: string) =>
    (
      (await db.dataSource.query(`SELECT state, hold_reason FROM fb_shipment WHERE shipment_id = $1`, [
        shipmentId,
      ])) as {
        state: string;
        hold_reason: string | null;
      }[]
    )[0];
  const api = () => request(app.getHttpServer());
  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  it('holds a shipment whose carrier is unmapped, then sends tracking and ship once the mapping exists', async () => {
    const o = order();
    const s = shipment(o.id, [{ lineId: o.lineIds[0], quantity: 2 }], 'DPD Next Day', `TRK${run}1`);
    await events.send(Topics.shipmentConfirmed, [s]);
    expect(await waitFor(async () => (await row(s.shipmentId))?.state === 'held', 20_000)).toBe(true);
    expect((await row(s.shipmentId)).hold_reason).toBe('UNMAPPED_CARRIER');
    expect(state(o.id)).toBe('SHIPPING');
    const ex = await db.dataSource.query(`SELECT open FROM fb_exception WHERE exception_id = $1`, [
      `UNMAPPED_CARRIER:${MP}:dpd next day`,
    ]);
    expect(ex).toEqual([{ open: true }]);

    await api().put(`/carrier-mappings/${MP}/DPD%20Next%20Day`).send({ carrierCode: 'DPD' }).expect(401);
    const refused = await api()
      .put(`/carrier-mappings/${MP}/DPD%20Next%20Day`)
      .set(auth)
      .send({ carrierCode: 'CHRONO' })
      .expect(422);
    expect(refused.body.message).toContain('not in decathlon-fr');
    await api()
      .put(`/carrier-mappings/${MP}/DPD%20Next%20Day`)
      .set(auth)
      .send({ carrierCode: 'DPD' })
      .expect(200);

    expect(await waitFor(() => state(o.id) === 'SHIPPED', 20_000)).toBe(true);
    const tracking = mirakl.orders.trackingUpdates.filter((t) => t.orderId === o.id);
    expect(tracking).toEqual([expect.objectContaining({ carrierCode: 'DPD', trackingNumber: `TRK${run}1` })]);
    expect(await waitFor(async () => (await row(s.shipmentId)).state === 'shipped', 5_000)).toBe(true);
    expect(
      await db.dataSource.query(`SELECT open FROM fb_exception WHERE exception_id = $1`, [
        `UNMAPPED_CARRIER:${MP}:dpd next day`,
      ]),
    ).toEqual([{ open: false }]);
  }, 60_000);

  it('holds a shipment without tracking where the shipping type requires it, and sends it once tracking comes', async () => {
    const o = order({ shippingType: 'EXP' });
    const s = shipment(o.id, [{ lineId: o.lineIds[0], quantity: 2 }], 'DPD Next Day');
    await events.send(Topics.shipmentConfirmed, [s]);
    expect(await waitFor(async () => (await row(s.shipmentId))?.state === 'held', 20_000)).toBe(true);
    expect((await row(s.shipmentId)).hold_reason).toBe('MISSING_TRACKING');
    expect(state(o.id)).toBe('SHIPPING');
    await events.send(Topics.shipmentConfirmed, [{ ...s, trackingNumber: `TRK${run}2` }]);
    expect(await waitFor(() => state(o.id) === 'SHIPPED', 20_000)).toBe(true);
    expect(mirakl.orders.trackingUpdates.filter((t) => t.orderId === o.id)).toHaveLength(1);
  }, 60_000);

  it('ships only once the order is in SHIPPING', async () => {
    const o = order({ debited: false });
    expect(state(o.id)).toBe('WAITING_DEBIT');
    const s = shipment(o.id, [{ lineId: o.lineIds[0], quantity: 2 }], 'DPD Next Day', `TRK${run}3`);
    await events.send(Topics.shipmentConfirmed, [s]);
    expect(
      await waitFor(
        async () =>
          (
            (await db.dataSource.query(`SELECT attempts FROM fb_shipment WHERE shipment_id = $1`, [
              s.shipmentId,
            ])) as { attempts: number }[]
          )[0]?.attempts >= 1,
        20_000,
      ),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(state(o.id)).toBe('WAITING_DEBIT');
    expect((await row(s.shipmentId)).state).toBe('pending');
    mirakl.clock.advance(3 * 60_000);
    expect(state(o.id)).toBe('SHIPPING');
    expect(await waitFor(() => state(o.id) === 'SHIPPED', 20_000)).toBe(true);
  }, 60_000);

  it('waits for every line before shipping an order sent in two parcels', async () => {
    const o = order({ lines: 2 });
    const first = shipment(o.id, [{ lineId: o.lineIds[0], quantity: 2 }], 'dpd next day', `TRK${run}4`);
    await events.send(Topics.shipmentConfirmed, [first]);
    expect(
      await waitFor(async () => (await row(first.shipmentId))?.state === 'waiting_parcels', 20_000),
    ).toBe(true);
    expect(state(o.id)).toBe('SHIPPING');
    const second = shipment(o.id, [{ lineId: o.lineIds[1], quantity: 2 }], 'DPD Next Day', `TRK${run}5`);
    await events.send(Topics.shipmentConfirmed, [second]);
    expect(await waitFor(() => state(o.id) === 'SHIPPED', 20_000)).toBe(true);
    expect(await waitFor(async () => (await row(first.shipmentId)).state === 'shipped', 5_000)).toBe(true);
  }, 60_000);

  it('imports a carrier mapping file checked against SH21, all or nothing', async () => {
    const bad = await api()
      .post(`/carrier-mappings/${MP}/import`)
      .set(auth)
      .set('content-type', 'text/csv')
      .send('warehouse_carrier,carrier_code\nColissimo Expert,COLISSIMO\nUPS Standard,UPS\n')
      .expect(422);
    expect(bad.body.problems).toEqual([expect.objectContaining({ line: 3 })]);
    expect(
      (await api().get(`/carrier-mappings/${MP}`).set(auth).expect(200)).body.mappings.map(
        (m: { warehouseCarrier: string }) => m.warehouseCarrier,
      ),
    ).not.toContain('Colissimo Expert');
    await api()
      .post(`/carrier-mappings/${MP}/import`)
      .set(auth)
      .set('content-type', 'text/csv')
      .send('warehouse_carrier;carrier_code\nColissimo Expert;COLISSIMO\nChronopost 13;COLISSIMO\n')
      .expect(201);
    const list = (await api().get(`/carrier-mappings/${MP}`).set(auth).expect(200)).body.mappings as {
      warehouseCarrier: string;
      carrierCode: string;
    }[];
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ warehouseCarrier: 'Colissimo Expert', carrierCode: 'COLISSIMO' }),
      ]),
    );
    await api().delete(`/carrier-mappings/${MP}/Chronopost%2013`).set(auth).expect(204);
    await api().get(`/carrier-mappings/unknown-mp`).set(auth).expect(404);
  }, 30_000);
});
