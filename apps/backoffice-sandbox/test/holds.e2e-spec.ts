import { Harness, MINUTE, orderBody } from './backoffice-harness';

/**
 * Holds: units promised to a marketplace order before its sales order exists. No channel can sell them, the
 * sales order takes them over without moving `available` twice, and every movement is in the feed.
 */
describe('holds for marketplace orders not yet in the ERP', () => {
  const h = new Harness();
  beforeEach(async () => {
    await h.start({ warehouse: { pickDelayMs: 24 * 60 * MINUTE } });
    await h.customer('MC-1');
  });
  afterEach(() => h.stop());

  const hold = (key: string, sku: string, quantity: number, orderId = 'ORD-1', lineId?: string) => ({
    key,
    sku,
    quantity,
    reference: { marketplace: 'decathlon-fr', order_id: orderId, ...(lineId ? { line_id: lineId } : {}) },
  });
  const place = async (...holds: unknown[]) => (await h.api('POST', '/api/holds', { holds })).body.results;
  const stockOf = async (sku: string) =>
    (await h.api('GET', `/api/stock?sku=${sku}`)).body.stock as {
      warehouse: string;
      on_hand: number;
      allocated: number;
      held: number;
      available: number;
    }[];
  const availableOf = async (sku: string) => (await stockOf(sku)).reduce((s, l) => s + l.available, 0);

  it('holds from what is available, each hold in turn, and refuses what is not there', async () => {
    const results = await place(
      hold('decathlon-fr:ORD-1:1', 'SKU-A', 3),
      hold('decathlon-fr:ORD-2:1', 'SKU-A', 3, 'ORD-2'),
      hold('decathlon-fr:ORD-3:1', 'NOPE', 1, 'ORD-3'),
      hold('decathlon-fr:ORD-4:1', 'SKU-B', 15, 'ORD-4'),
    );
    expect(
      results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status),
    ).toEqual(['held', 'insufficient_stock', 'unknown_sku', 'held']);
    expect(results[1].error.details).toEqual({ sku: 'SKU-A', available: 2, quantity: 3 });
    // 15 of SKU-B over two warehouses of 10: the one with the most first, the rest from the other.
    expect(results[3].hold.portions).toEqual([
      { warehouse: 'LYON-1', quantity: 10 },
      { warehouse: 'MADRID-2', quantity: 5 },
    ]);
    expect(await availableOf('SKU-A')).toBe(2);
    expect(await availableOf('SKU-B')).toBe(5);
    expect((await stockOf('SKU-A')).find((l) => l.warehouse === 'LYON-1')).toMatchObject({
      on_hand: 5,
      allocated: 0,
      held: 3,
      available: 2,
    });
  });

  it('is idempotent on the key: the same hold again answers the same hold; a different one is refused', async () => {
    const [first] = await place(hold('k-1', 'SKU-A', 2));
    const [again] = await place(hold('k-1', 'SKU-A', 2));
    expect(again).toMatchObject({ status: 'replayed', hold: first.hold });
    expect(await availableOf('SKU-A')).toBe(3);
    const [other] = await place(hold('k-1', 'SKU-A', 1));
    expect(other).toMatchObject({ status: 'refused', error: { code: 'hold_key_reused' } });
    expect(await availableOf('SKU-A')).toBe(3);
  });

  it('other channels never sell held units', async () => {
    await place(hold('k-a', 'SKU-A', 5), hold('k-h', 'HEAVY-1', 2, 'ORD-2'));
    await h.admin('PUT', '/admin/other-channels', { running: true, unitsPerMinute: 10 });
    await h.advance(10 * MINUTE);
    expect((await stockOf('SKU-A'))[0]).toMatchObject({ on_hand: 5, held: 5, available: 0 });
    expect((await stockOf('HEAVY-1'))[0]).toMatchObject({ on_hand: 2, held: 2, available: 0 });
    expect(await availableOf('SKU-B')).toBe(0); // sold out by the other channels
  });

  it("posting the order's sales order converts its holds: allocated, not oversold, available unchanged", async () => {
    await place(hold('decathlon-fr:ORD-1:1', 'SKU-A', 5, 'ORD-1', '1'));
    expect(await availableOf('SKU-A')).toBe(0);
    const head = (await h.api('GET', '/api/changes?limit=1000')).body.last_seq;
    const posted = await h.postOrder(
      'decathlon-fr:ORD-1',
      orderBody('ORD-1', [{ sku: 'SKU-A', quantity: 5 }]),
    );
    expect(posted.status).toBe(201);
    expect(posted.body.lines[0]).toMatchObject({ warehouse: 'LYON-1' });
    expect((await stockOf('SKU-A'))[0]).toMatchObject({ on_hand: 5, allocated: 5, held: 0, available: 0 });
    const held = (await h.api('GET', '/api/holds?external_reference=decathlon-fr:ORD-1')).body.holds;
    expect(held).toEqual([
      expect.objectContaining({
        key: 'decathlon-fr:ORD-1:1',
        state: 'converted',
        sales_order_number: posted.body.number,
      }),
    ]);
    const changes = (await h.api('GET', `/api/changes?after=${head}`)).body.changes.map(
      (c: { data: { reason: string; hold_key?: string; sales_order_number?: string } }) => [
        c.data.reason,
        c.data.hold_key,
        c.data.sales_order_number,
      ],
    );
    expect(changes).toEqual([
      ['hold_converted', 'decathlon-fr:ORD-1:1', posted.body.number],
      ['allocated', undefined, posted.body.number],
    ]);
    expect((await h.admin('GET', '/admin/truth')).body.oversold_lines).toEqual([]);
  });

  it('a line posted without a warehouse is allocated where its units were held, split when the hold was', async () => {
    // SKU-B: 10 in each warehouse. Another order holds 8 in LYON-1, so a hold of 11 takes MADRID-2's 10 and 1 of
    // LYON-1's last 2.
    await place(hold('other', 'SKU-B', 8, 'ORD-9'));
    await place(hold('decathlon-fr:ORD-1:1', 'SKU-B', 11, 'ORD-1', '1'));
    const split = (await h.api('GET', '/api/holds/decathlon-fr:ORD-1:1')).body.portions;
    expect(split).toEqual([
      { warehouse: 'MADRID-2', quantity: 10 },
      { warehouse: 'LYON-1', quantity: 1 },
    ]);
    const posted = await h.postOrder(
      'decathlon-fr:ORD-1',
      orderBody('ORD-1', [{ sku: 'SKU-B', quantity: 11, unit_price: '10.00' }]),
    );
    expect(posted.status).toBe(201);
    expect(
      posted.body.lines.map((l: { warehouse: string; quantity: number }) => [l.warehouse, l.quantity]),
    ).toEqual([
      ['MADRID-2', 10],
      ['LYON-1', 1],
    ]);
    expect((await h.admin('GET', '/admin/truth')).body.oversold_lines).toEqual([]);
    expect(await availableOf('SKU-B')).toBe(1);
  });

  it('a released hold gives its units back once; a converted hold cannot be released', async () => {
    await place(hold('k-1', 'SKU-A', 4), hold('decathlon-fr:ORD-2:1', 'SKU-B', 1, 'ORD-2'));
    const released = await h.api('DELETE', '/api/holds/k-1');
    expect(released.body).toMatchObject({ key: 'k-1', state: 'released' });
    expect((await h.api('DELETE', '/api/holds/k-1')).body).toMatchObject({ state: 'released' });
    expect(await availableOf('SKU-A')).toBe(5);
    expect((await h.api('DELETE', '/api/holds/never-placed')).status).toBe(404);
    // A redelivered request for a released hold answers the hold as it is: it does not take the units again.
    expect((await place(hold('k-1', 'SKU-A', 4)))[0]).toMatchObject({
      status: 'replayed',
      hold: { state: 'released' },
    });
    expect(await availableOf('SKU-A')).toBe(5);
    await h.postOrder('decathlon-fr:ORD-2', orderBody('ORD-2', [{ sku: 'SKU-B', quantity: 1 }]));
    expect((await h.api('DELETE', '/api/holds/decathlon-fr:ORD-2:1')).body).toMatchObject({
      state: 'converted',
    });
    expect(await availableOf('SKU-B')).toBe(19);
  });

  it('lists holds by state, older than a time, page by page (for reconciling them)', async () => {
    await place(hold('k-1', 'SKU-B', 1), hold('k-2', 'SKU-B', 1, 'ORD-2'));
    const cut = (await h.admin('GET', '/admin/clock')).body.now;
    await h.advance(MINUTE);
    await place(hold('k-3', 'SKU-B', 1, 'ORD-3'));
    await h.api('DELETE', '/api/holds/k-2');
    const keys = async (query: string) =>
      (await h.api('GET', `/api/holds?${query}`)).body.holds.map((x: { key: string }) => x.key);
    expect(await keys('state=held')).toEqual(['k-1', 'k-3']);
    expect(
      await keys(
        `state=held&created_before=${encodeURIComponent(new Date(Date.parse(cut) + 1).toISOString())}`,
      ),
    ).toEqual(['k-1']);
    expect(await keys('state=released')).toEqual(['k-2']);
    const first = (await h.api('GET', '/api/holds?state=held&limit=1')).body;
    expect(first).toMatchObject({ next_after: 'k-1' });
    expect(await keys('state=held&limit=1&after=k-1')).toEqual(['k-3']);
    expect((await h.api('GET', '/api/holds?state=lost')).status).toBe(400);
  });

  it('refuses bodies that are not holds, naming the field, and holds nothing', async () => {
    for (const body of [
      {},
      { holds: [] },
      { holds: [hold('k', 'SKU-A', 0)] },
      { holds: [{ ...hold('k', 'SKU-A', 1), extra: true }] },
      { holds: [hold('bad key', 'SKU-A', 1)] },
      {
        holds: [
          { key: 'k', sku: 'SKU-A', quantity: 1, reference: { marketplace: 'Bad Market', order_id: 'x' } },
        ],
      },
      { holds: Array.from({ length: 501 }, (_, i) => hold(`k-${i}`, 'SKU-B', 1)) },
    ]) {
      const res = await h.api('POST', '/api/holds', body);
      expect([JSON.stringify(body).slice(0, 80), res.status]).toEqual([
        JSON.stringify(body).slice(0, 80),
        422,
      ]);
    }
    expect((await h.api('POST', '/api/holds', 'not json')).status).toBe(400);
    expect(await availableOf('SKU-A')).toBe(5);
    expect((await h.call('POST', '/api/holds', { holds: [hold('k', 'SKU-A', 1)] })).status).toBe(401);
  });
});
