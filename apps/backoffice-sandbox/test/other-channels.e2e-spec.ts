import { Harness, MINUTE, orderBody } from './backoffice-harness';

describe('other sales channels consume stock at a rate', () => {
  const h = new Harness();
  beforeEach(async () => {
    await h.start({ warehouse: { pickDelayMs: 24 * 60 * MINUTE } });
    await h.customer('MC-1');
  });
  afterEach(() => h.stop());

  const totalOnHand = async () =>
    (await h.api('GET', '/api/stock')).body.stock.reduce(
      (s: number, l: { on_hand: number }) => s + l.on_hand,
      0,
    );

  it('sells units per simulated minute as the clock moves, each one a stock change in the feed', async () => {
    expect(await totalOnHand()).toBe(27);
    const head = (await h.api('GET', '/api/changes?limit=1000')).body.last_seq;
    await h.admin('PUT', '/admin/other-channels', { running: true, unitsPerMinute: 2 });
    await h.advance(10 * MINUTE);
    expect((await h.admin('GET', '/admin/truth')).body.other_channels).toMatchObject({
      running: true,
      unitsSold: 20,
      missedSales: 0,
    });
    expect(await totalOnHand()).toBe(7);
    const changes = (await h.api(`GET`, `/api/changes?after=${head}&limit=1000`)).body.changes;
    expect(changes).toHaveLength(20);
    expect(
      changes.every(
        (c: { data: { reason: string; quantity: number } }) =>
          c.data.reason === 'other_channel_sale' && c.data.quantity === -1,
      ),
    ).toBe(true);
    expect(changes[0].at).toBe('2025-03-03T09:00:30.000Z');
    expect(changes[19].at).toBe('2025-03-03T09:10:00.000Z');
  });

  it('never takes on hand below 0 and counts the sales it missed', async () => {
    await h.admin('PUT', '/admin/other-channels', { running: true, unitsPerMinute: 2 });
    await h.advance(40 * MINUTE);
    const { other_channels, negative_stock } = (await h.admin('GET', '/admin/truth')).body;
    expect(other_channels).toMatchObject({ unitsSold: 27, missedSales: 53 });
    expect(negative_stock).toEqual([]);
    expect(await totalOnHand()).toBe(0);
  });

  it('does not take units allocated to sales orders, and stops when told', async () => {
    await h.postOrder('k-1', orderBody('ORD-1', [{ sku: 'SKU-A', quantity: 5 }]));
    await h.admin('PUT', '/admin/other-channels', { running: true, unitsPerMinute: 10 });
    await h.advance(10 * MINUTE);
    expect((await h.api('GET', '/api/stock?sku=SKU-A&warehouse=LYON-1')).body.stock[0]).toMatchObject({
      on_hand: 5,
      allocated: 5,
      available: 0,
    });
    expect(await totalOnHand()).toBe(5);
    await h.admin('PUT', '/admin/other-channels', { running: false });
    await h.admin('PUT', '/admin/stock', { stock: [{ sku: 'SKU-B', warehouse: 'LYON-1', on_hand: 10 }] });
    await h.advance(10 * MINUTE);
    expect(await totalOnHand()).toBe(15);
  });

  it('makes stale marketplace stock oversell', async () => {
    const seen = (await h.api('GET', '/api/stock?sku=SKU-A&warehouse=LYON-1')).body.stock[0].available;
    expect(seen).toBe(5);
    await h.admin('PUT', '/admin/other-channels', { running: true, unitsPerMinute: 60 });
    await h.advance(MINUTE);
    await h.admin('PUT', '/admin/other-channels', { running: false });
    const order = (await h.postOrder('k-stale', orderBody('ORD-STALE', [{ sku: 'SKU-A', quantity: seen }])))
      .body;
    const truth = (await h.admin('GET', '/admin/truth')).body;
    expect(truth.oversold_lines).toEqual([
      expect.objectContaining({
        sales_order_number: order.number,
        sku: 'SKU-A',
        available_at_posting: 0,
        oversold_quantity: 5,
      }),
    ]);
    expect(truth.negative_stock).toEqual([
      expect.objectContaining({ sku: 'SKU-A', warehouse: 'LYON-1', available: -5 }),
    ]);
  });

  it('refuses a start without a rate', async () => {
    const r = await h.admin('PUT', '/admin/other-channels', { running: true });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('unitsPerMinute');
  });
});
