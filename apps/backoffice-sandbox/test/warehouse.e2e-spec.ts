import { SandboxClock } from '../src/sandbox-clock';
import { Harness, MINUTE, orderBody } from './backoffice-harness';

const LYON_TO_FRANCE = ['Colissimo Expert', 'Chronopost 13', 'DPD Next Day'];

describe('the warehouse ships posted orders', () => {
  const h = new Harness();
  beforeEach(async () => {
    await h.start();
    await h.customer('MC-1', 'FR');
    await h.customer('MC-GB', 'GB');
  });
  afterEach(() => h.stop());

  it('ships after the pick delay, with a carrier name and tracking, and takes the units off the shelf', async () => {
    const order = (
      await h.postOrder('k-1', orderBody('ORD-1', [{ sku: 'SKU-B', quantity: 2, warehouse: 'LYON-1' }]))
    ).body;
    await h.advance(MINUTE);
    expect((await h.api('GET', '/api/shipments')).body.shipments).toEqual([]);
    await h.advance(MINUTE);
    const { shipments, last_seq } = (await h.api('GET', '/api/shipments')).body;
    expect(last_seq).toBe(1);
    expect(shipments).toEqual([
      expect.objectContaining({
        seq: 1,
        sales_order_number: order.number,
        external_reference: { marketplace: 'decathlon-fr', order_id: 'ORD-1' },
        warehouse: 'LYON-1',
        ship_to_country: 'FR',
        lines: [{ line_no: 10, sku: 'SKU-B', quantity: 2 }],
        shipped_at: '2025-03-03T09:02:00.000Z',
      }),
    ]);
    expect(LYON_TO_FRANCE).toContain(shipments[0].carrier);
    expect(shipments[0].tracking_number).toMatch(/^[0-9A-Z]{11,18}$/);
    expect((await h.api('GET', '/api/stock?sku=SKU-B&warehouse=LYON-1')).body.stock[0]).toEqual({
      sku: 'SKU-B',
      warehouse: 'LYON-1',
      on_hand: 8,
      allocated: 0,
      held: 0,
      available: 8,
    });
    const fetched = (await h.api('GET', `/api/sales-orders/${order.number}`)).body;
    expect(fetched).toMatchObject({ status: 'shipped', lines: [{ shipped_quantity: 2, open_quantity: 0 }] });
    const feed = (await h.api('GET', '/api/changes?types=shipment.created')).body.changes;
    expect(feed).toEqual([
      expect.objectContaining({
        type: 'shipment.created',
        sales_order_number: order.number,
        data: shipments[0],
      }),
    ]);
  });

  it('books a pallet service without tracking for a 40 kg parcel', async () => {
    await h.postOrder('k-h', orderBody('ORD-H', [{ sku: 'HEAVY-1', quantity: 1 }]));
    await h.advance(2 * MINUTE);
    const [shipment] = (await h.api('GET', '/api/shipments')).body.shipments;
    expect(shipment).toMatchObject({
      carrier: 'Palletways Economy',
      tracking_number: null,
      weight_grams: 40_000,
    });
  });

  it('uses carriers by destination: parcels to Great Britain go with the services booked for it', async () => {
    for (let i = 0; i < 8; i++)
      await h.postOrder(
        `k-gb-${i}`,
        orderBody(`ORD-GB-${i}`, [{ sku: 'SKU-B', quantity: 1, warehouse: 'LYON-1' }], 'MC-GB'),
      );
    await h.advance(2 * MINUTE);
    const carriers = (await h.api('GET', '/api/shipments')).body.shipments.map(
      (s: { carrier: string }) => s.carrier,
    );
    expect(carriers).toHaveLength(8);
    // Services named for Great Britain only: no French domestic service leaves the country.
    for (const c of carriers) expect(['Royal Mail 48 Tracked', 'Royal Mail 2nd Class']).toContain(c);
    expect(carriers.some((c: string) => c.startsWith('Royal Mail'))).toBe(true);
  });

  it('sends one parcel per warehouse when lines sit in two warehouses', async () => {
    await h.postOrder(
      'k-2wh',
      orderBody('ORD-2WH', [
        { sku: 'SKU-B', quantity: 1, warehouse: 'LYON-1' },
        { sku: 'SKU-B', quantity: 1, warehouse: 'MADRID-2' },
      ]),
    );
    await h.advance(2 * MINUTE);
    const shipments = (await h.api('GET', '/api/shipments')).body.shipments;
    expect(shipments.map((s: { warehouse: string }) => s.warehouse)).toEqual(['LYON-1', 'MADRID-2']);
    // Madrid's parcel to a French address crosses the border: not SEUR 24 or GLS (Spanish domestic services).
    expect(shipments[1].carrier).toBe('DPD Classic');
  });

  it('splits an order into two waves when the warehouse is told to', async () => {
    await h.admin('PUT', '/admin/warehouse', { splitRate: 1, splitGapMs: 30 * MINUTE });
    const order = (
      await h.postOrder('k-s', orderBody('ORD-S', [{ sku: 'SKU-B', quantity: 4, warehouse: 'LYON-1' }]))
    ).body;
    await h.advance(2 * MINUTE);
    let shipments = (await h.api(`GET`, `/api/shipments?sales_order_number=${order.number}`)).body.shipments;
    expect(shipments.map((s: { lines: { quantity: number }[] }) => s.lines[0].quantity)).toEqual([2]);
    expect((await h.api('GET', `/api/sales-orders/${order.number}`)).body.status).toBe('partially_shipped');
    await h.advance(29 * MINUTE);
    expect((await h.api('GET', '/api/shipments')).body.shipments).toHaveLength(1);
    await h.advance(MINUTE);
    shipments = (await h.api('GET', '/api/shipments')).body.shipments;
    expect(shipments.map((s: { lines: { quantity: number }[] }) => s.lines[0].quantity)).toEqual([2, 2]);
    expect(shipments[1].shipped_at).toBe('2025-03-03T09:32:00.000Z');
    expect((await h.api('GET', `/api/sales-orders/${order.number}`)).body.status).toBe('shipped');
  });

  it('ships what is on the shelf of an oversold order and the rest once stock arrives', async () => {
    await h.admin('PUT', '/admin/warehouse', { backorderRetryMs: 60 * MINUTE });
    const order = (await h.postOrder('k-b', orderBody('ORD-B', [{ sku: 'SKU-A', quantity: 7 }]))).body;
    await h.advance(2 * MINUTE);
    expect((await h.api('GET', `/api/sales-orders/${order.number}`)).body).toMatchObject({
      status: 'partially_shipped',
      lines: [{ shipped_quantity: 5, open_quantity: 2 }],
    });
    expect((await h.api('GET', '/api/stock?sku=SKU-A&warehouse=LYON-1')).body.stock[0]).toMatchObject({
      on_hand: 0,
      allocated: 2,
      available: -2,
    });
    await h.admin('PUT', '/admin/stock', { stock: [{ sku: 'SKU-A', warehouse: 'LYON-1', on_hand: 4 }] });
    await h.advance(60 * MINUTE);
    const shipments = (await h.api('GET', '/api/shipments')).body.shipments;
    expect(shipments.map((s: { lines: { quantity: number }[] }) => s.lines[0].quantity)).toEqual([5, 2]);
    expect((await h.api('GET', '/api/stock?sku=SKU-A&warehouse=LYON-1')).body.stock[0]).toMatchObject({
      on_hand: 2,
      allocated: 0,
    });
  });

  it('pages shipments with after and limit', async () => {
    for (let i = 0; i < 3; i++)
      await h.postOrder(
        `k-p${i}`,
        orderBody(`ORD-P${i}`, [{ sku: 'SKU-B', quantity: 1, warehouse: 'LYON-1' }]),
      );
    await h.advance(2 * MINUTE);
    const first = (await h.api('GET', '/api/shipments?limit=2')).body;
    expect(first.shipments.map((s: { seq: number }) => s.seq)).toEqual([1, 2]);
    expect(first).toMatchObject({ last_seq: 2, has_more: true });
    const second = (await h.api('GET', `/api/shipments?after=${first.last_seq}&limit=2`)).body;
    expect(second.shipments.map((s: { seq: number }) => s.seq)).toEqual([3]);
    expect(second).toMatchObject({ last_seq: 3, has_more: false });
    expect((await h.api('GET', '/api/shipments?after=9')).status).toBe(409);
  });
});

describe('the warehouse in real time', () => {
  const h = new Harness();
  afterEach(() => h.stop());

  it('ships on its own timer while the server runs, without any request', async () => {
    await h.start({ clock: new SandboxClock(), warehouse: { pickDelayMs: 100 }, tickMs: 20 });
    await h.customer('MC-1');
    await h.postOrder('k-rt', orderBody('ORD-RT'));
    const shipments = h.sandbox.backOffice.warehouse.shipments;
    const deadline = Date.now() + 5000;
    while (shipments.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(shipments).toHaveLength(1);
  });
});
