import { Harness, orderBody } from './backoffice-harness';

describe('sales orders over HTTP', () => {
  const h = new Harness();
  beforeEach(async () => {
    await h.start();
    await h.customer('MC-1');
  });
  afterEach(() => h.stop());

  it('posts an order with lines and charge lines, totals in exact decimals, and allocates stock', async () => {
    const r = await h.postOrder('k-1', orderBody('ORD-1'));
    expect(r.status).toBe(201);
    expect(r.headers.get('idempotent-replayed')).toBe('false');
    expect(r.body.number).toMatch(/^SO\d+$/);
    expect(r.headers.get('location')).toBe(`/api/sales-orders/${r.body.number}`);
    expect(r.body.lines[0]).toMatchObject({
      sku: 'SKU-B',
      quantity: 1,
      tax_amount: '8.33',
      net_amount: '41.66',
      warehouse: 'LYON-1',
    });
    expect(
      r.body.charge_lines.map((c: { item_code: string; gross_amount: string }) => [
        c.item_code,
        c.gross_amount,
      ]),
    ).toEqual([
      ['MKT-SHIPPING-FEE', '4.99'],
      ['MKT-COMMISSION', '-7.50'],
    ]);
    expect(r.body.totals).toEqual({ net: '38.32', tax: '9.16', gross: '47.48' });
    const stock = await h.api('GET', '/api/stock?sku=SKU-B&warehouse=LYON-1');
    expect(stock.body.stock).toEqual([
      { sku: 'SKU-B', warehouse: 'LYON-1', on_hand: 10, allocated: 1, held: 0, available: 9 },
    ]);
    const found = await h.api('GET', '/api/sales-orders?external_reference=decathlon-fr:ORD-1');
    expect(found.body.sales_orders.map((o: { number: string }) => o.number)).toEqual([r.body.number]);
    expect((await h.api('GET', `/api/sales-orders/${r.body.number}`)).body.status).toBe('posted');
  });

  it('computes tax on net prices when prices_include_tax is false', async () => {
    const r = await h.postOrder('k-net', {
      ...orderBody('ORD-NET'),
      prices_include_tax: false,
      charge_lines: [],
    });
    expect(r.body.lines[0]).toMatchObject({
      net_amount: '49.99',
      tax_amount: '10.00',
      gross_amount: '59.99',
    });
  });

  it('replays the first answer for the same key and body, in any key order', async () => {
    const body = orderBody('ORD-2');
    const first = await h.postOrder('k-2', body);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await h.postOrder('k-2', reordered);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const truth = await h.admin('GET', '/admin/truth');
    expect(truth.body.sales_orders.created).toBe(1);
    expect(truth.body.idempotency.replays).toBe(1);
  });

  it('refuses the same key with a different body, naming the key', async () => {
    await h.postOrder('k-3', orderBody('ORD-3'));
    const r = await h.postOrder('k-3', orderBody('ORD-3', [{ sku: 'SKU-B', quantity: 2 }]));
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('idempotency_key_reused');
    expect(r.body.error.message).toContain('k-3');
    expect((await h.admin('GET', '/admin/truth')).body.sales_orders.created).toBe(1);
  });

  it('creates exactly one order from 20 concurrent posts with one key', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => h.postOrder('k-race', orderBody('ORD-RACE'))),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    expect(new Set(replies.map((r) => r.body.number)).size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'false')).toHaveLength(1);
    const all = await h.admin('GET', '/admin/sales-orders');
    expect(all.body.sales_orders).toHaveLength(1);
    expect((await h.api('GET', '/api/stock?sku=SKU-B&warehouse=LYON-1')).body.stock[0].allocated).toBe(1);
  });

  it('refuses a post without Idempotency-Key', async () => {
    const r = await h.api('POST', '/api/sales-orders', orderBody('ORD-4'));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('idempotency_key_required');
    expect((await h.admin('GET', '/admin/truth')).body.sales_orders.created).toBe(0);
  });

  it('shows duplicates in the truth when one marketplace order is posted under two keys', async () => {
    const a = await h.postOrder('k-a', orderBody('ORD-DUP'));
    const b = await h.postOrder('k-b', orderBody('ORD-DUP'));
    expect(b.status).toBe(201);
    expect(b.body.number).not.toBe(a.body.number);
    const truth = await h.admin('GET', '/admin/truth');
    expect(truth.body.duplicates).toEqual([
      { external_reference: 'decathlon-fr:ORD-DUP', sales_order_numbers: [a.body.number, b.body.number] },
    ]);
    const found = await h.api('GET', '/api/sales-orders?external_reference=decathlon-fr:ORD-DUP');
    expect(found.body.sales_orders).toHaveLength(2);
  });

  it('refuses a line whose SKU is unknown, naming it, and leaves the key free for a corrected retry', async () => {
    const bad = await h.postOrder(
      'k-5',
      orderBody('ORD-5', [
        { sku: 'SKU-B', quantity: 1 },
        { sku: 'NOPE-9', quantity: 1 },
      ]),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'unknown_sku', details: { skus: ['NOPE-9'] } });
    expect(bad.body.error.message).toContain('NOPE-9');
    const good = await h.postOrder('k-5', orderBody('ORD-5'));
    expect(good.status).toBe(201);
  });

  it('refuses an unknown customer, charge item or warehouse with a 422 naming it', async () => {
    const customer = await h.postOrder('k-6', orderBody('ORD-6', undefined, 'MC-UNKNOWN'));
    expect(customer.body.error.code).toBe('customer_not_found');
    const charge = await h.postOrder('k-7', {
      ...orderBody('ORD-7'),
      charge_lines: [{ item_code: 'FREIGHT', amount: '1.00' }],
    });
    expect(charge.status).toBe(422);
    expect(charge.body.error).toMatchObject({
      code: 'unknown_charge_item',
      details: { item_code: 'FREIGHT' },
    });
    const site = await h.postOrder(
      'k-8',
      orderBody('ORD-8', [{ sku: 'SKU-B', quantity: 1, warehouse: 'PARIS-9' }]),
    );
    expect(site.body.error).toMatchObject({ code: 'unknown_warehouse', details: { warehouse: 'PARIS-9' } });
    expect((await h.admin('GET', '/admin/truth')).body.sales_orders.created).toBe(0);
  });

  it('allocates beyond stock and reports the oversold line and the negative stock', async () => {
    const first = await h.postOrder('k-o1', orderBody('ORD-O1', [{ sku: 'SKU-A', quantity: 4 }]));
    const second = await h.postOrder('k-o2', orderBody('ORD-O2', [{ sku: 'SKU-A', quantity: 3 }]));
    expect(second.status).toBe(201);
    expect(second.body.lines[0].warehouse).toBe('LYON-1');
    const stock = await h.api('GET', '/api/stock?sku=SKU-A');
    expect(stock.body.stock).toEqual([
      { sku: 'SKU-A', warehouse: 'LYON-1', on_hand: 5, allocated: 7, held: 0, available: -2 },
      { sku: 'SKU-A', warehouse: 'MADRID-2', on_hand: 0, allocated: 0, held: 0, available: 0 },
    ]);
    const truth = await h.admin('GET', '/admin/truth');
    expect(truth.body.oversold_lines).toEqual([
      expect.objectContaining({
        sales_order_number: second.body.number,
        external_reference: 'decathlon-fr:ORD-O2',
        sku: 'SKU-A',
        warehouse: 'LYON-1',
        quantity: 3,
        available_at_posting: 1,
        oversold_quantity: 2,
      }),
    ]);
    expect(
      truth.body.oversold_lines.map((l: { sales_order_number: string }) => l.sales_order_number),
    ).not.toContain(first.body.number);
    expect(truth.body.negative_stock).toEqual([
      { sku: 'SKU-A', warehouse: 'LYON-1', on_hand: 5, allocated: 7, held: 0, available: -2 },
    ]);
  });

  it('cancels through the API before shipping, releasing the allocation; refuses once shipped', async () => {
    const posted = await h.postOrder('k-c1', orderBody('ORD-C1', [{ sku: 'SKU-B', quantity: 3 }]));
    const cancelled = await h.api('POST', `/api/sales-orders/${posted.body.number}/cancel`, {
      reason: 'customer changed mind',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancelled_by: 'api',
      cancel_reason: 'customer changed mind',
    });
    expect((await h.api('GET', '/api/stock?sku=SKU-B&warehouse=LYON-1')).body.stock[0].allocated).toBe(0);

    const shipped = await h.postOrder('k-c2', orderBody('ORD-C2'));
    await h.advance(3 * 60_000);
    const refused = await h.api('POST', `/api/sales-orders/${shipped.body.number}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('already_shipped');
    expect((await h.api('POST', '/api/sales-orders/SO999/cancel')).status).toBe(404);
  });

  it('reports a cancellation made in the ERP in the change feed', async () => {
    const posted = await h.postOrder('k-e1', orderBody('ORD-E1', [{ sku: 'SKU-B', quantity: 2 }]));
    const head = (await h.api('GET', '/api/changes?after=0&limit=1000')).body.last_seq;
    const r = await h.admin('POST', `/admin/sales-orders/${posted.body.number}/cancel`, {
      reason: 'fraud suspected',
    });
    expect(r.body).toMatchObject({ status: 'cancelled', cancelled_by: 'erp' });
    const changes = (await h.api('GET', `/api/changes?after=${head}`)).body.changes;
    expect(changes.map((c: { type: string }) => c.type)).toEqual(['stock.changed', 'sales_order.cancelled']);
    expect(changes[0].data).toMatchObject({
      reason: 'allocation_released',
      allocated: 0,
      available: 10,
      quantity: -2,
    });
    expect(changes[1]).toMatchObject({
      sales_order_number: posted.body.number,
      data: {
        cancelled_by: 'erp',
        reason: 'fraud suspected',
        external_reference: { marketplace: 'decathlon-fr', order_id: 'ORD-E1' },
      },
    });
  });

  it('finds and creates customers idempotently by marketplace customer id', async () => {
    const again = await h.api('POST', '/api/customers', {
      marketplace: 'decathlon-fr',
      marketplace_customer_id: 'MC-1',
      first_name: 'Camille',
      last_name: 'Martin',
      address: { line1: '3 rue de la Paix', city: 'Lyon', postcode: '69002', country: 'FR' },
    });
    expect(again.status).toBe(200);
    const found = await h.api('GET', '/api/customers?marketplace=decathlon-fr&marketplace_customer_id=MC-1');
    expect(found.body.customers).toEqual([again.body]);
    expect(
      (await h.api('GET', '/api/customers?marketplace=carrefour-es&marketplace_customer_id=MC-1')).body
        .customers,
    ).toEqual([]);
    expect((await h.api('GET', `/api/customers/${again.body.id}`)).body.last_name).toBe('Martin');
  });
});
