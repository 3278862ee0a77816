import { request } from 'node:http';
import { ADMIN_TOKEN, API_KEY, Harness, orderBody } from './backoffice-harness';

/** Raw HTTP, for what fetch refuses to send. */
function raw(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hostile input gets a clear 4xx and the server lives on', () => {
  const h = new Harness();
  beforeEach(async () => {
    await h.start();
    await h.customer('MC-1');
  });
  afterEach(async () => {
    expect((await h.api('GET', '/api/warehouses')).status).toBe(200);
    await h.stop();
  });

  it('refuses calls without a valid key or token', async () => {
    expect((await h.call('GET', '/api/products')).status).toBe(401);
    expect((await h.call('GET', '/api/products', undefined, { 'x-api-key': `${API_KEY}x` })).status).toBe(
      401,
    );
    expect((await h.call('GET', '/admin/truth')).status).toBe(401);
    expect((await h.call('GET', '/admin/truth', undefined, { 'x-admin-token': API_KEY })).status).toBe(401);
    expect((await h.call('GET', '/admin/truth', undefined, { 'x-admin-token': ADMIN_TOKEN })).status).toBe(
      200,
    );
    const r = await h.call('POST', '/api/sales-orders', orderBody('ORD-1'), { 'idempotency-key': 'k' });
    expect(r.body.error.code).toBe('unauthorized');
  });

  it('answers 400 to invalid JSON and 415 to another content type', async () => {
    const bad = await h.api('POST', '/api/sales-orders', '{"lines": [', { 'idempotency-key': 'k-j' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const xml = await h.call('POST', '/api/customers', '<customer/>', {
      'x-api-key': API_KEY,
      'content-type': 'application/xml',
    });
    expect(xml.status).toBe(415);
  });

  it.each([
    ['an array body', []],
    ['a string body', 'hello'],
    ['null', null],
    ['quantity as a string', orderBody('X', [{ sku: 'SKU-B', quantity: '2' as unknown as number }])],
    ['a float quantity', orderBody('X', [{ sku: 'SKU-B', quantity: 1.5 }])],
    ['a negative quantity', orderBody('X', [{ sku: 'SKU-B', quantity: -1 }])],
    [
      'a price as a binary float',
      orderBody('X', [{ sku: 'SKU-B', quantity: 1, unit_price: 19.99 as unknown as string }]),
    ],
    ['a price with 3 decimals', orderBody('X', [{ sku: 'SKU-B', quantity: 1, unit_price: '19.999' }])],
    ['no lines', { ...orderBody('X'), lines: [] }],
    ['an unknown field', { ...orderBody('X'), discount: '5.00' }],
    ['a sku as an object', orderBody('X', [{ sku: { $ne: 1 } as unknown as string, quantity: 1 }])],
    ['a prototype key', JSON.parse('{"__proto__": {"admin": true}, "lines": []}')],
  ])('answers 422 to %s', async (_label, body) => {
    const r = await h.api('POST', '/api/sales-orders', JSON.stringify(body), { 'idempotency-key': 'k-bad' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.message.length).toBeGreaterThan(10);
  });

  it('answers 413 to a huge body without creating anything', async () => {
    const huge = JSON.stringify({ ...orderBody('HUGE'), pad: 'x'.repeat(2_000_000) });
    const r = await h.api('POST', '/api/sales-orders', huge, { 'idempotency-key': 'k-huge' });
    expect(r.status).toBe(413);
    expect((await h.admin('GET', '/admin/truth')).body.sales_orders.created).toBe(0);
  });

  it('answers 400 to bad queries and paths, 404 and 405 to unknown routes', async () => {
    expect((await h.api('GET', '/api/products?limit=abc')).status).toBe(400);
    expect((await h.api('GET', '/api/products?limit=100000')).status).toBe(400);
    expect((await h.api('GET', '/api/products?limit=1&limit=2')).status).toBe(400);
    expect((await h.api('GET', '/api/products?colour=red')).body.error.message).toContain('colour');
    expect((await h.api('GET', '/api/sales-orders')).status).toBe(400);
    expect((await h.api('GET', '/api/customers?marketplace=decathlon-fr')).status).toBe(400);
    expect((await h.api('GET', '/api/stock?warehouse=NOWHERE')).status).toBe(404);
    expect(await raw(h.base, '/api/products/%E0%A4%A', 'GET', { 'x-api-key': API_KEY })).toBe(400);
    expect((await h.api('GET', '/api/nothing')).status).toBe(404);
    expect((await h.call('GET', '/favicon.ico')).status).toBe(404);
    const wrong = await h.api('DELETE', '/api/products');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await h.api('POST', '/api/sales-orders/SO1/cancel', '{"reason": 5}')).status).toBe(422);
  });

  it('refuses a malformed Idempotency-Key and bad admin bodies', async () => {
    expect((await h.postOrder('', orderBody('E'))).status).toBe(400);
    expect((await h.postOrder('x'.repeat(300), orderBody('E'))).status).toBe(400);
    expect((await h.admin('POST', '/admin/clock/advance', { ms: -5 })).status).toBe(422);
    expect((await h.admin('POST', '/admin/clock/advance', '{')).status).toBe(400);
    expect((await h.admin('PUT', '/admin/warehouse', { pickDelayMs: 'soon' })).status).toBe(422);
    expect(
      (await h.admin('PUT', '/admin/stock', { stock: [{ sku: 'SKU-A', warehouse: 'LYON-1', on_hand: -3 }] }))
        .status,
    ).toBe(422);
    expect((await h.admin('POST', '/admin/sales-orders/SO1/cancel', { reason: 'x' })).status).toBe(404);
  });
});
