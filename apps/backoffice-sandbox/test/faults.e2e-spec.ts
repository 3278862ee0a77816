import { Harness, orderBody } from './backoffice-harness';

describe('faults', () => {
  const h = new Harness();
  beforeEach(async () => {
    await h.start();
    await h.customer('MC-1');
  });
  afterEach(() => h.stop());

  const faults = (f: Record<string, unknown>) => h.admin('PUT', '/admin/faults', f);

  it('down "unavailable": 503 with Retry-After on every API call, the admin API still answers', async () => {
    await faults({ down: true });
    const r = await h.api('GET', '/api/products');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('30');
    expect((await h.postOrder('k-1', orderBody('ORD-1'))).status).toBe(503);
    expect((await h.admin('GET', '/admin/truth')).body.sales_orders.created).toBe(0);
    await faults({});
    expect((await h.api('GET', '/api/products')).status).toBe(200);
  });

  it('down "reset": the connection drops without an answer', async () => {
    await faults({ down: 'reset' });
    await expect(h.api('GET', '/api/stock')).rejects.toThrow();
    await faults({ down: false });
    expect((await h.api('GET', '/api/stock')).status).toBe(200);
  });

  it('latencyMs delays every API answer', async () => {
    await faults({ latencyMs: 300 });
    const started = Date.now();
    expect((await h.api('GET', '/api/warehouses')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const admin = Date.now();
    await h.admin('GET', '/admin/faults');
    expect(Date.now() - admin).toBeLessThan(250);
  });

  it('error5xxRate answers a 5xx before doing anything', async () => {
    await faults({ error5xxRate: 1 });
    for (let i = 0; i < 4; i++) {
      const r = await h.postOrder(`k-${i}`, orderBody(`ORD-${i}`));
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(r.status).toBeLessThan(505);
    }
    expect((await h.admin('GET', '/admin/truth')).body.sales_orders.created).toBe(0);
  });

  it('dropAfterWriteRate creates the order, drops the answer, and the idempotency key saves the retry', async () => {
    await faults({ dropAfterWriteRate: 1 });
    await expect(h.postOrder('k-drop', orderBody('ORD-DROP'))).rejects.toThrow();
    const orders = (await h.admin('GET', '/admin/sales-orders')).body.sales_orders;
    expect(orders).toHaveLength(1);
    expect(orders[0].idempotency_key).toBe('k-drop');
    // The retry is a replay: it is not dropped, even with the fault still on.
    const retry = await h.postOrder('k-drop', orderBody('ORD-DROP'));
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.number).toBe(orders[0].number);
    const truth = (await h.admin('GET', '/admin/truth')).body;
    expect(truth.sales_orders.created).toBe(1);
    expect(truth.duplicates).toEqual([]);
  });

  it('refuses malformed fault settings', async () => {
    expect((await faults({ error5xxRate: 2 })).status).toBe(422);
    expect((await faults({ down: 'sometimes' })).status).toBe(422);
    expect((await faults({ latency: 5 })).body.error.message).toContain('latency');
    expect((await h.admin('GET', '/admin/faults')).body).toEqual({
      down: false,
      latencyMs: 0,
      error5xxRate: 0,
      dropAfterWriteRate: 0,
    });
  });
});
