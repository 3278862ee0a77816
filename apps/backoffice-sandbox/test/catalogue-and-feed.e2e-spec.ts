import { Harness, MINUTE, orderBody } from './backoffice-harness';

const product = (sku: string, price: string) => ({
  sku,
  title: 'Fleece jacket',
  brand: 'Northpeak',
  gtin: '4006381333931',
  category: 'Test > Things',
  price,
  currency: 'EUR',
  tax_rate: '20.00',
  weight_grams: 420,
});

describe('product master and change feed', () => {
  const h = new Harness();
  beforeEach(() => h.start());
  afterEach(() => h.stop());

  it('pages products by cursor in a stable order, and a product changed meanwhile comes back, never skipped', async () => {
    const first = (await h.api('GET', '/api/products?limit=2')).body;
    expect(first.products.map((p: { sku: string }) => p.sku)).toEqual(['HEAVY-1', 'SKU-A']);
    expect(first.products[0]).toMatchObject({
      price: '999.99',
      currency: 'EUR',
      tax_rate: '20.00',
      weight_grams: 40000,
      active: true,
    });
    await h.advance(MINUTE);
    await h.admin('PUT', '/admin/products', {
      products: [{ ...product('HEAVY-1', '899.99'), weight_grams: 40000 }],
    });
    const second = (await h.api('GET', `/api/products?limit=2&cursor=${first.next_cursor}`)).body;
    expect(second.products.map((p: { sku: string }) => p.sku)).toEqual(['SKU-B', 'HEAVY-1']);
    expect(second.products[1].price).toBe('899.99');
    expect(second.next_cursor).toBeNull();
  });

  it('answers only what changed since updated_since, and reports each change in the feed once', async () => {
    await h.advance(MINUTE);
    const since = '2025-03-03T09:01:00Z';
    const head = (await h.api('GET', '/api/changes?limit=1000')).body.last_seq;
    const r = await h.admin('PUT', '/admin/products', {
      products: [product('SKU-B', '44.99'), product('NEW-1', '9.99')],
    });
    expect(r.body).toEqual({ products: 2, changed: 2 });
    expect(
      (await h.admin('PUT', '/admin/products', { products: [product('SKU-B', '44.99')] })).body.changed,
    ).toBe(0);
    const changed = (await h.api('GET', `/api/products?updated_since=${since}`)).body.products;
    expect(changed.map((p: { sku: string }) => p.sku)).toEqual(['NEW-1', 'SKU-B']);
    const feed = (await h.api('GET', `/api/changes?after=${head}`)).body;
    expect(feed.changes.map((c: { type: string; sku: string }) => `${c.type} ${c.sku}`)).toEqual([
      'product.changed SKU-B',
      'product.changed NEW-1',
    ]);
    expect(feed.changes[0].data).toMatchObject({ price: '44.99', updated_at: '2025-03-03T09:01:00.000Z' });
    expect((await h.api('GET', '/api/products/NEW-1')).body.price).toBe('9.99');
    expect((await h.api('GET', '/api/products/NOPE')).status).toBe(404);
  });

  it('numbers changes 1, 2, 3… and pages through them without loss or repeat', async () => {
    await h.customer('MC-1');
    await h.postOrder('k-1', orderBody('ORD-1', [{ sku: 'SKU-B', quantity: 2 }]));
    await h.advance(3 * MINUTE);
    const all = [];
    let after = 0;
    for (let guard = 0; guard < 50; guard++) {
      const page = (await h.api('GET', `/api/changes?after=${after}&limit=3`)).body;
      all.push(...page.changes);
      after = page.last_seq;
      if (!page.has_more) break;
    }
    expect(all.map((c) => c.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    // 3 products + 5 seeded stock levels, then allocation, shipment's stock movement and the shipment.
    expect(all.map((c) => c.type)).toEqual([
      ...Array(3).fill('product.changed'),
      ...Array(5).fill('stock.changed'),
      'stock.changed',
      'stock.changed',
      'shipment.created',
    ]);
    expect(all[8]).toMatchObject({
      sku: 'SKU-B',
      warehouse: 'LYON-1',
      data: { reason: 'allocated', on_hand: 10, allocated: 2, available: 8 },
    });
    expect(all[9].data).toMatchObject({ reason: 'shipped', on_hand: 8, allocated: 0, available: 8 });
    expect(Date.parse(all[10].at)).toBeGreaterThanOrEqual(Date.parse(all[8].at));
  });

  it('filters by type while the cursor still moves past what it skips', async () => {
    const page = (await h.api('GET', '/api/changes?types=stock.changed&limit=2')).body;
    expect(page.changes.map((c: { seq: number }) => c.seq)).toEqual([4, 5]);
    expect(page.last_seq).toBe(5);
    const rest = (await h.api('GET', '/api/changes?types=product.changed&after=5')).body;
    expect(rest).toEqual({ changes: [], last_seq: 8, has_more: false });
  });

  it('refuses a cursor beyond the feed (a reset back office) and malformed paging', async () => {
    const ahead = await h.api('GET', '/api/changes?after=999');
    expect(ahead.status).toBe(409);
    expect(ahead.body.error).toMatchObject({ code: 'cursor_ahead_of_feed', details: { head_seq: 8 } });
    expect((await h.api('GET', '/api/changes?limit=0')).status).toBe(400);
    expect((await h.api('GET', '/api/changes?after=-1')).status).toBe(400);
    expect((await h.api('GET', '/api/changes?types=order.created')).status).toBe(400);
    expect((await h.api('GET', '/api/products?cursor=bm9wZQ')).body.error.code).toBe('invalid_cursor');
    expect((await h.api('GET', '/api/products?updated_since=yesterday')).status).toBe(400);
  });

  it('reseeds a fresh back office: the feed starts again at 1', async () => {
    await h.admin('POST', '/admin/seed', {
      products: [product('ONLY-1', '1.00')],
      stock: [{ sku: 'ONLY-1', warehouse: 'LYON-1', on_hand: 3 }],
    });
    const feed = (await h.api('GET', '/api/changes')).body;
    expect(feed.changes.map((c: { seq: number; type: string }) => `${c.seq} ${c.type}`)).toEqual([
      '1 product.changed',
      '2 stock.changed',
    ]);
    const bad = await h.admin('POST', '/admin/seed', {
      products: [],
      stock: [{ sku: 'GHOST', warehouse: 'LYON-1', on_hand: 1 }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('GHOST');
  });
});
