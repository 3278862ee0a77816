import 'reflect-metadata';
import { BackofficeSandbox } from '@seller-bridge/backoffice-sandbox';
import { readTopic, testKafka, waitFor, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { BO_KEY, EventSender, releasedOrder, Topics, FulfilmentWorld } from './harness';

/**
 * Released orders into the ERP (the back-office sandbox over HTTP, the real broker and database): once per
 * marketplace order whatever the duplicates, redeliveries, outages, dropped answers and restarts.
 */
describe('posting released orders to the ERP', () => {
  const ADMIN = 'bo-admin';
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  let db: TestDatabase;
  let bo: BackofficeSandbox;
  let boUrl: string;
  let events: EventSender;
  let w: FulfilmentWorld;

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${boUrl}/admin${path}`, {
      method,
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
  const salesOrdersOf = (orderId: string) =>
    bo.backOffice.orders.byExternalReference('decathlon-fr', orderId);
  const orderRow = async (orderId: string) =>
    (
      (await db.dataSource.query(`SELECT * FROM fb_order WHERE order_id = $1`, [orderId])) as {
        state: string;
        erp_number: string | null;
        body: unknown;
      }[]
    )[0];

  beforeAll(async () => {
    w = await FulfilmentWorld.start({
      database: 'fulfilment_post',
      mirakl: false,
      backoffice: { warehouse: { pickDelayMs: 24 * 3_600_000 } },
      extra: { BACKOFFICE_FEED_ENABLED: 'false' },
    });
    ({ db, bo, boUrl, events } = w);
  }, 90_000);

  afterAll(() => w?.stop());

  it('posts one sales order for duplicate and redelivered release events, with its charge lines', async () => {
    const orderId = `${run}DUP-A`;
    const order = releasedOrder(orderId, {
      extraChargeType: 'LOGISTICS_FEE',
      skus: ['SHOE-0001', 'SHOE-0002'],
    });
    const first = await events.send(Topics.orderReadyForFulfilment, [order, order, order]);
    await events.resend(first);
    expect(await waitFor(async () => (await orderRow(orderId))?.state === 'posted', 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500)); // room for any second post to happen
    const sos = salesOrdersOf(orderId);
    expect(sos).toHaveLength(1);
    const row = await orderRow(orderId);
    expect(row.erp_number).toBe(sos[0].number);

    const view = (await fetch(`${boUrl}/api/sales-orders/${sos[0].number}`, {
      headers: { 'x-api-key': BO_KEY },
    }).then((r) => r.json())) as {
      charge_lines: { item_code: string; amount?: string; gross?: string; [k: string]: unknown }[];
      lines: unknown[];
    };
    expect(view.lines).toHaveLength(2);
    const charges = Object.fromEntries(view.charge_lines.map((c) => [c.item_code, JSON.stringify(c)]));
    expect(Object.keys(charges).sort()).toEqual([
      'MKT-COMMISSION',
      'MKT-COMMISSION-VAT',
      'MKT-ROUNDING',
      'MKT-SHIPPING-FEE',
    ]);
    // The stored body is what was posted: commission negative, the unmapped fee kept on the catch-all item.
    const body = row.body as { charge_lines: { item_code: string; amount: string; description?: string }[] };
    expect(body.charge_lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ item_code: 'MKT-COMMISSION', amount: '-37.92' }),
        expect.objectContaining({ item_code: 'MKT-COMMISSION-VAT', amount: '-7.58' }),
        expect.objectContaining({
          item_code: 'MKT-ROUNDING',
          amount: '-3.00',
          description: 'Unmapped marketplace charge LOGISTICS_FEE',
        }),
        expect.objectContaining({ item_code: 'MKT-SHIPPING-FEE', amount: '4.99' }),
      ]),
    );
    const exceptions = await db.dataSource.query(
      `SELECT exception_id, open FROM fb_exception WHERE type = 'UNMAPPED_CHARGE_TYPE'`,
    );
    expect(exceptions).toEqual([
      { exception_id: 'UNMAPPED_CHARGE_TYPE:decathlon-fr:LOGISTICS_FEE', open: true },
    ]);

    const posted = (
      await readTopic(testKafka('fb-read'), Topics.orderPostedToErp.name, {
        count: 1_000_000,
        timeoutMs: 4000,
      })
    )
      .map((m) => JSON.parse(m.value!) as { orderId: string; erpOrderNumber: string; erpCreatedAt?: string })
      .filter((p) => p.orderId === orderId);
    expect(posted).toHaveLength(1);
    expect(posted[0].erpOrderNumber).toBe(sos[0].number);
    expect(posted[0].erpCreatedAt).toBeDefined();
  }, 60_000);

  it('keeps orders while the ERP is down, through a restart, and posts each once when it returns', async () => {
    await admin('PUT', '/faults', { down: true });
    const ids = Array.from({ length: 20 }, (_, i) => `${run}OUT${i}-A`);
    await events.send(
      Topics.orderReadyForFulfilment,
      ids.map((id, i) => releasedOrder(id, { skus: [`SHOE-000${(i % 9) + 1}`] })),
    );
    expect(
      await waitFor(async () => {
        const r = (await db.dataSource.query(
          `SELECT count(*)::int AS n FROM fb_order WHERE order_id = ANY($1) AND attempts >= 2 AND state = 'pending'`,
          [ids],
        )) as { n: number }[];
        return r[0].n === ids.length;
      }, 30_000),
    ).toBe(true);

    // The service restarts while the ERP is still down: the work is in PostgreSQL, not in memory.
    await w.restart();
    await new Promise((r) => setTimeout(r, 3000));
    expect(ids.every((id) => salesOrdersOf(id).length === 0)).toBe(true);

    // It comes back answering half of the posts by dropping the connection after creating the order.
    await admin('PUT', '/faults', { dropAfterWriteRate: 0.5 });
    expect(
      await waitFor(async () => {
        const r = (await db.dataSource.query(
          `SELECT count(*)::int AS n FROM fb_order WHERE order_id = ANY($1) AND state = 'posted'`,
          [ids],
        )) as { n: number }[];
        return r[0].n === ids.length;
      }, 60_000),
    ).toBe(true);
    await admin('PUT', '/faults', {});
    for (const id of ids) expect(salesOrdersOf(id)).toHaveLength(1);
    const truth = await admin('GET', '/truth');
    expect(truth.duplicates).toEqual([]);
    const open = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM fb_exception WHERE type = 'ORDER_NOT_IN_ERP' AND open`,
    );
    expect(open[0].n).toBe(0);
  }, 110_000);
});
