import 'reflect-metadata';
import { MiraklClient } from '@seller-bridge/mirakl-client';
import { MiraklSandbox, demoMarketplaces } from '@seller-bridge/mirakl-sandbox';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { Registry } from 'prom-client';
import { FULFILMENT_ENTITIES, FULFILMENT_MIGRATIONS } from '../src/database/data-source';
import { ParcelShipmentSender, type Parcel } from '../src/marketplace-shipping/parcel-shipment.sender';
import { FulfilmentBridgeMetrics } from '../src/metrics/fulfilment-bridge.metrics';
import { acceptedSandboxOrder } from './harness';

/**
 * The parcel sender alone (real PostgreSQL, the Mirakl sandbox over HTTP): what it does when an earlier
 * attempt may have reached Mirakl, and when two workers hold the same parcel.
 */
describe(ParcelShipmentSender.name, () => {
  const MP = 'carrefour-es';
  const mp = demoMarketplaces().find((m) => m.code === MP)!;
  let db: TestDatabase;
  let mirakl: MiraklSandbox;
  let client: MiraklClient;
  let sender: ParcelShipmentSender;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase('fulfilment_parcel', FULFILMENT_MIGRATIONS, FULFILMENT_ENTITIES);
    mirakl = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: 'm-admin' });
    const base = await mirakl.listen();
    client = new MiraklClient(
      { marketplace: MP, baseUrl: `${base}/mp/${MP}`, apiKey: mp.apiKey },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20 },
    );
    sender = new ParcelShipmentSender(db.dataSource, new FulfilmentBridgeMetrics(new Registry()));
  }, 60_000);

  afterAll(async () => {
    await mirakl?.close();
    await db?.drop();
  });

  /** An order in SHIPPING (one line of 2 units) and its parcel's row, as the worker would have claimed it. */
  async function parcelOf(attempts: number): Promise<Parcel> {
    const o = acceptedSandboxOrder(mirakl, MP, {
      customerId: `C-${++n}`,
      lines: [{ offerSku: 'SHOE-0001', quantity: 2, unitPrice: 50 }],
    });
    const p: Parcel = {
      shipment_id: `PARCEL-${n}-${Date.now()}`,
      marketplace: MP,
      order_id: o.id,
      tracking_number: `SEUR-${n}`,
      lines: [{ lineId: o.lineIds[0], sku: 'SHOE-0001', quantity: 2 }],
      attempts,
    };
    await db.dataSource.query(
      `INSERT INTO fb_shipment (shipment_id, marketplace, order_id, carrier_name, tracking_number, shipped_at,
                                lines, attempts, received_at)
       VALUES ($1, $2, $3, 'SEUR 24', $4, now(), $5, $6, now())`,
      [p.shipment_id, MP, p.order_id, p.tracking_number, JSON.stringify(p.lines), attempts],
    );
    return p;
  }
  const recorded = async (p: Parcel) =>
    (
      (await db.dataSource.query(`SELECT marketplace_shipment_id FROM fb_shipment WHERE shipment_id = $1`, [
        p.shipment_id,
      ])) as { marketplace_shipment_id: string | null }[]
    )[0].marketplace_shipment_id;
  const shipmentsOf = (p: Parcel) => mirakl.shipments.all(MP).filter((s) => s.order_id === p.order_id);

  it('after an earlier attempt, finds the shipment that attempt created (still SHIPPING) and only validates it (ST24)', async () => {
    const p = await parcelOf(2);
    // What an earlier attempt left on Mirakl: the parcel's shipment, created but not shipped.
    const earlier = await client.createShipments([
      {
        orderId: p.order_id,
        lines: [{ orderLineId: p.lines[0].lineId, quantity: 2, packageReference: p.shipment_id }],
      },
    ]);
    expect(await sender.send(client, p, 'SEUR')).toEqual({
      outcome: 'sent',
      marketplaceShipmentId: earlier.created[0].id,
    });
    expect(shipmentsOf(p).map((s) => [s.id, s.status])).toEqual([[earlier.created[0].id, 'SHIPPED']]);
    expect(await recorded(p)).toBe(earlier.created[0].id);
    expect((mirakl.orders.get(MP, p.order_id)!.order as { order_state: string }).order_state).toBe('SHIPPED');
  });

  it('creates it once when two workers hold the same parcel at the same time', async () => {
    const p = await parcelOf(1);
    // Neither looks at ST11 (first attempts): the order's lock and the recorded id alone keep it to one.
    const results = await Promise.all([sender.send(client, p, 'SEUR'), sender.send(client, p, 'SEUR')]);
    expect(shipmentsOf(p)).toHaveLength(1);
    expect(results.map((r) => r.marketplaceShipmentId)).toEqual([shipmentsOf(p)[0].id, shipmentsOf(p)[0].id]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already', 'sent']);
  });

  it('sends ST01 with the lines, carrier, tracking and parcel reference when nothing was sent before', async () => {
    const p = await parcelOf(3);
    const lineId = p.lines[0].lineId;
    // The warehouse named the line by SKU only: the order's one line with that SKU is sent by its id.
    p.lines = [{ lineId: 'sku:SHOE-0001', sku: 'SHOE-0001', quantity: 2 }];
    const order = (await client.getOrder(p.order_id))!;
    expect((await sender.send(client, p, 'SEUR', order)).outcome).toBe('sent');
    expect(shipmentsOf(p)).toEqual([
      expect.objectContaining({
        status: 'SHIPPED',
        shipment_lines: [
          expect.objectContaining({ order_line_id: lineId, quantity: 2, package_reference: p.shipment_id }),
        ],
        tracking: expect.objectContaining({ carrier_code: 'SEUR', tracking_number: p.tracking_number }),
      }),
    ]);
  });
});
