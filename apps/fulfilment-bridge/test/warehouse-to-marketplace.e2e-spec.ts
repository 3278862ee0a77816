import 'reflect-metadata';
import { BackofficeSandbox, CARRIER_SERVICES } from '@seller-bridge/backoffice-sandbox';
import { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { EventSender, releasedOrder, Topics, FulfilmentWorld } from './harness';

/**
 * The whole flow through the service: a released order posted to the back-office sandbox, picked and shipped
 * by its warehouse (with the warehouse's own carrier names), read from the shipments feed, and marked shipped
 * on the Mirakl sandbox, whose every write lands and then loses its answer: the read-back keeps it to one.
 */
describe('from the warehouse to the marketplace', () => {
  const MP = 'decathlon-fr';
  let db: TestDatabase;
  let mirakl: MiraklSandbox;
  let bo: BackofficeSandbox;
  let events: EventSender;
  let w: FulfilmentWorld;

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_flow',
      backoffice: { warehouse: { pickDelayMs: 300 }, tickMs: 100 },
    });
    ({ db, bo, events } = w);
    mirakl = w.mirakl;
    // Every warehouse carrier mapped (DPD to DPD, the rest to Colissimo) by a CSV import.
    await w.mapCarriers(
      MP,
      Object.fromEntries(
        Object.keys(CARRIER_SERVICES).map((c) => [c, c.startsWith('DPD') ? 'DPD' : 'COLISSIMO']),
      ),
    );
  }, 90_000);

  afterAll(() => w?.stop());

  it('marks the order shipped with the mapped carrier and tracking, once, though every marketplace answer is lost', async () => {
    mirakl.faults.set(MP, { ...mirakl.faults.get(MP)!, dropAfterWriteRate: 1 });
    const ids: { id: string; lineId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const id = mirakl.orders.place(MP, {
        customerId: `C-${i}`,
        lines: [{ offerSku: `SHOE-000${i + 1}`, quantity: 1, unitPrice: 40 }],
      });
      const lines = (mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] })
        .order_lines;
      mirakl.orders.accept(
        MP,
        id,
        lines.map((l) => ({ id: l.order_line_id, accepted: true })),
      );
      ids.push({ id, lineId: lines[0].order_line_id });
    }
    mirakl.clock.advance(3 * 60_000);
    await events.send(
      Topics.orderReadyForFulfilment,
      ids.map(({ id, lineId }, i) => {
        const o = releasedOrder(id, { skus: [`SHOE-000${i + 1}`] });
        o.lines[0].lineId = lineId;
        o.lines[0].quantity = 1;
        return o;
      }),
    );
    const state = (id: string) => (mirakl.orders.get(MP, id)!.order as { order_state: string }).order_state;
    expect(await waitFor(() => ids.every(({ id }) => state(id) === 'SHIPPED'), 60_000)).toBe(true);
    for (const { id, lineId } of ids) {
      const shipments = bo.backOffice.warehouse.shipments.filter((s) => s.external_reference.order_id === id);
      expect(shipments.length).toBeGreaterThanOrEqual(1);
      const rows = (await db.dataSource.query(
        `SELECT lines, carrier_code, state FROM fb_shipment WHERE order_id = $1`,
        [id],
      )) as {
        lines: { lineId: string }[];
        carrier_code: string;
        state: string;
      }[];
      expect(rows.map((r) => r.lines[0].lineId)).toContain(lineId);
      const tracked = shipments.find((s) => s.tracking_number);
      const updates = mirakl.orders.trackingUpdates.filter((t) => t.orderId === id);
      expect(updates.length).toBe(tracked ? 1 : 0);
      if (tracked)
        expect(updates[0]).toEqual(
          expect.objectContaining({
            carrierCode: tracked.carrier.startsWith('DPD') ? 'DPD' : 'COLISSIMO',
            trackingNumber: tracked.tracking_number,
          }),
        );
    }
    expect(bo.backOffice.orders.duplicates()).toEqual([]);
  }, 90_000);

  it('a parcel claimed again after a crash that followed its OR24 (claim expired, nothing recorded) reads the order, finds it SHIPPED and ends as already shipped: no second OR23, no failure', async () => {
    mirakl.faults.set(MP, { ...mirakl.faults.get(MP)!, dropAfterWriteRate: 0 });
    const id = mirakl.orders.place(MP, {
      customerId: 'C-reclaim',
      lines: [{ offerSku: 'SHOE-0007', quantity: 1, unitPrice: 40 }],
    });
    const lineId = (mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] })
      .order_lines[0].order_line_id;
    mirakl.orders.accept(MP, id, [{ id: lineId, accepted: true }]);
    mirakl.clock.advance(3 * 60_000);
    const o = releasedOrder(id, { skus: ['SHOE-0007'] });
    o.lines[0].lineId = lineId;
    o.lines[0].quantity = 1;
    await events.send(Topics.orderReadyForFulfilment, [o]);
    const state = (oid: string) => (mirakl.orders.get(MP, oid)!.order as { order_state: string }).order_state;
    const rows = () =>
      db.dataSource.query(
        `SELECT shipment_id, state, attempts, last_error FROM fb_shipment WHERE order_id = $1`,
        [id],
      ) as Promise<{ shipment_id: string; state: string; attempts: number; last_error: string | null }[]>;
    expect(
      await waitFor(
        async () => state(id) === 'SHIPPED' && (await rows()).every((r) => r.state === 'shipped'),
        60_000,
      ),
    ).toBe(true);
    const tracked = mirakl.orders.trackingUpdates.filter((t) => t.orderId === id).length;

    // What a process killed between OR24 and its commit leaves: the parcels still claimed (pending, tried once),
    // their claim now expired.
    await db.dataSource.query(
      `UPDATE fb_shipment SET state = 'pending', attempts = 1, next_attempt_at = now() - interval '1 second'
       WHERE order_id = $1`,
      [id],
    );
    expect(
      await waitFor(async () => {
        const r = await rows();
        return r.length > 0 && r.every((x) => x.state !== 'pending');
      }, 30_000),
    ).toBe(true);
    const after = await rows();
    expect(after.map((r) => r.state)).toEqual(after.map(() => 'shipped'));
    expect(mirakl.orders.trackingUpdates.filter((t) => t.orderId === id).length).toBe(tracked);
    const refused = await db.dataSource.query(
      `SELECT exception_id FROM fb_exception WHERE exception_id = ANY($1)`,
      [after.map((r) => `SHIPPING_REFUSED:${MP}:${r.shipment_id}`)],
    );
    expect(refused).toEqual([]);
  }, 90_000);

  it('keeps the parcels while the marketplace is down, through a restart, and ships each once when it returns', async () => {
    mirakl.faults.set(MP, { ...mirakl.faults.get(MP)!, dropAfterWriteRate: 0, error5xxRate: 1 });
    const ids: { id: string; lineId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const id = mirakl.orders.place(MP, {
        customerId: `D-${i}`,
        lines: [{ offerSku: `SHOE-001${i}`, quantity: 1, unitPrice: 30 }],
      });
      const lines = (mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] })
        .order_lines;
      mirakl.orders.accept(
        MP,
        id,
        lines.map((l) => ({ id: l.order_line_id, accepted: true })),
      );
      ids.push({ id, lineId: lines[0].order_line_id });
    }
    mirakl.clock.advance(3 * 60_000);
    await events.send(
      Topics.orderReadyForFulfilment,
      ids.map(({ id, lineId }, i) => {
        const o = releasedOrder(id, { skus: [`SHOE-001${i}`] });
        o.lines[0].lineId = lineId;
        o.lines[0].quantity = 1;
        return o;
      }),
    );
    const idList = ids.map((x) => x.id);
    // Every parcel recorded and tried at least once against the failing marketplace.
    expect(
      await waitFor(async () => {
        const r = (await db.dataSource.query(
          `SELECT count(*)::int AS n FROM fb_shipment WHERE order_id = ANY($1) AND state = 'pending' AND attempts >= 1`,
          [idList],
        )) as { n: number }[];
        return r[0].n >= ids.length;
      }, 30_000),
    ).toBe(true);
    await w.restart();
    mirakl.faults.set(MP, { ...mirakl.faults.get(MP)!, error5xxRate: 0 });
    const state = (id: string) => (mirakl.orders.get(MP, id)!.order as { order_state: string }).order_state;
    expect(await waitFor(() => ids.every(({ id }) => state(id) === 'SHIPPED'), 30_000)).toBe(true);
    for (const { id } of ids) {
      const tracked = bo.backOffice.warehouse.shipments.some(
        (s) => s.external_reference.order_id === id && s.tracking_number,
      );
      expect(mirakl.orders.trackingUpdates.filter((t) => t.orderId === id)).toHaveLength(tracked ? 1 : 0);
    }
  }, 90_000);
});
