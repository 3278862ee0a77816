import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { BackofficeSandbox, webhookSignature } from '@seller-bridge/backoffice-sandbox';
import { MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { ADMIN_TOKEN, EventSender, releasedOrder, Topics, FulfilmentWorld, BO_ADMIN } from './harness';

/**
 * Warehouse shipments by the back office's signed webhook (the feeds are off here): a delivery with a good
 * signature is recorded and shipped on the marketplace; a forged or unsigned one is refused.
 */
describe('back-office webhook', () => {
  const MP = 'decathlon-fr';
  const SECRET = 'webhook-secret-0123456789';
  let db: TestDatabase;
  let mirakl: MiraklSandbox;
  let bo: BackofficeSandbox;
  let boUrl: string;
  let app: INestApplication;
  let events: EventSender;
  let w: FulfilmentWorld;

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_hook',
      backoffice: { warehouse: { pickDelayMs: 300 }, tickMs: 100 },
      extra: { BACKOFFICE_FEED_ENABLED: 'false', BACKOFFICE_WEBHOOK_SECRET: SECRET },
    });
    ({ db, bo, boUrl, events } = w);
    mirakl = w.mirakl;
    app = w.app;
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const hook = await fetch(`${boUrl}/admin/webhooks`, {
      method: 'POST',
      headers: { 'x-admin-token': BO_ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: `http://127.0.0.1:${port}/webhooks/backoffice`,
        secret: SECRET,
        types: ['shipment.created'],
      }),
    });
    expect(hook.ok).toBe(true);
    await request(app.getHttpServer())
      .put(`/carrier-mappings/${MP}/Colissimo%20Expert`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ carrierCode: 'COLISSIMO' })
      .expect(200);
    for (const c of ['Chronopost 13', 'DPD Next Day', 'UPS Standard', 'GLS Business Parcel'])
      await request(app.getHttpServer())
        .put(`/carrier-mappings/${MP}/${encodeURIComponent(c)}`)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ carrierCode: c.startsWith('DPD') ? 'DPD' : 'COLISSIMO' })
        .expect(200);
  }, 90_000);

  afterAll(() => w?.stop());

  it('refuses deliveries without a valid signature', async () => {
    const body = JSON.stringify({ seq: 1, type: 'shipment.created', data: {} });
    await request(app.getHttpServer())
      .post('/webhooks/backoffice')
      .set('content-type', 'application/json')
      .send(body)
      .expect(403);
    const t = Math.floor(Date.now() / 1000);
    await request(app.getHttpServer())
      .post('/webhooks/backoffice')
      .set('content-type', 'application/json')
      .set('x-backoffice-signature', webhookSignature('another-secret-000000', t, body))
      .send(body)
      .expect(403);
    await request(app.getHttpServer())
      .post('/webhooks/backoffice')
      .set('content-type', 'application/json')
      .set('x-backoffice-signature', webhookSignature(SECRET, t - 3600, body))
      .send(body)
      .expect(403);
  });

  it('ships on the marketplace what the warehouse reports by webhook', async () => {
    const id = mirakl.orders.place(MP, {
      customerId: 'C-W',
      lines: [{ offerSku: 'SHOE-0003', quantity: 1, unitPrice: 40 }],
    });
    const lines = (mirakl.orders.get(MP, id)!.order as { order_lines: { order_line_id: string }[] })
      .order_lines;
    mirakl.orders.accept(
      MP,
      id,
      lines.map((l) => ({ id: l.order_line_id, accepted: true })),
    );
    mirakl.clock.advance(3 * 60_000);
    const released = releasedOrder(id, { skus: ['SHOE-0003'] });
    released.lines[0].lineId = lines[0].order_line_id;
    released.lines[0].quantity = 1;
    await events.send(Topics.orderReadyForFulfilment, [released]);
    const state = () => (mirakl.orders.get(MP, id)!.order as { order_state: string }).order_state;
    expect(await waitFor(() => state() === 'SHIPPED', 30_000)).toBe(true);
    const parcel = bo.backOffice.warehouse.shipments.find((s) => s.external_reference.order_id === id)!;
    const [row] = (await db.dataSource.query(`SELECT lines FROM fb_shipment WHERE shipment_id = $1`, [
      parcel.shipment_number,
    ])) as {
      lines: { lineId: string }[];
    }[];
    expect(row.lines[0].lineId).toBe(lines[0].order_line_id);
    const cursors = await db.dataSource.query(`SELECT count(*)::int AS n FROM fb_feed_cursor`);
    expect(cursors[0].n).toBe(0); // the feeds were off: the webhook brought it
  }, 60_000);
});
