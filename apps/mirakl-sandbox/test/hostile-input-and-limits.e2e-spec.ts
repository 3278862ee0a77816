import { MiraklApiError, MiraklClient } from '@seller-bridge/mirakl-client';
import { demoMarketplaces } from '../src/marketplace';
import { MiraklSandbox } from '../src/http/sandbox-server';
import { MIRAKL_CALL_LIMITS } from '../src/http/mirakl-call-limits';

/** Garbage on every door of the sandbox gets a clear 4xx and changes nothing; Mirakl's own call limits. */
describe('Mirakl sandbox: hostile input, OR11 filters, call limits, writes lost before landing', () => {
  const ADMIN = 'test-admin-token';
  let sandbox: MiraklSandbox;
  let base: string;
  let dice: number[] = [];
  const [decathlon] = demoMarketplaces();
  const mp = decathlon.code;

  async function start(options: Partial<ConstructorParameters<typeof MiraklSandbox>[0]> = {}) {
    dice = [];
    sandbox = new MiraklSandbox({
      marketplaces: demoMarketplaces(),
      adminToken: ADMIN,
      random: () => dice.shift() ?? 1,
      ...options,
    });
    base = await sandbox.listen();
  }
  afterEach(async () => sandbox.close());

  const client = (extra: ConstructorParameters<typeof MiraklClient>[1] = {}) =>
    new MiraklClient(
      { marketplace: mp, baseUrl: `${base}/mp/${mp}`, apiKey: decathlon.apiKey, shopId: decathlon.shopId },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20, ...extra },
    );
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/admin${path}`, {
      method,
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  it('refuses bad fault settings, naming the field, and keeps the faults it had', async () => {
    await start();
    expect((await admin('PUT', `/marketplaces/${mp}/faults`, { error5xxRate: 0.5 })).status).toBe(200);
    for (const bad of [
      { error5xxrate: 1 },
      { dropRate: 'lots' },
      { rateLimits: null },
      { rateLimits: { OR11: { limit: 0, perMs: 1000 } } },
      { latencyMs: -5 },
      { require411: 'yes' },
      { refuse: { OR21: { status: 500, message: 'x' } } },
      { refuse: { OR21: { status: 429, message: 'x' } } },
      { refuse: { accept: { status: 400, message: 'x' } } },
      { refuse: { OR21: { status: 400 } } },
    ]) {
      const res = await admin('PUT', `/marketplaces/${mp}/faults`, bad);
      expect([JSON.stringify(bad), res.status]).toEqual([JSON.stringify(bad), 400]);
    }
    expect(sandbox.faults.get(mp)?.error5xxRate).toBe(0.5);
    // …and the seller API still answers.
    await admin('PUT', `/marketplaces/${mp}/faults`, {});
    expect(await client().listCarriers()).toHaveLength(2);
  });

  it('answers a refused operation with its 4xx and message, without applying it; other operations go on', async () => {
    await start();
    const message = 'You are not allowed to accept orders for this shop';
    expect(
      (await admin('PUT', `/marketplaces/${mp}/faults`, { refuse: { OR21: { status: 403, message } } }))
        .status,
    ).toBe(200);
    const id = sandbox.orders.place(mp, {
      customerId: 'C-1',
      lines: [{ offerSku: 'S', quantity: 1, unitPrice: 5 }],
    });
    sandbox.clock.advance(60_000);
    const c = client();
    const refused = await c.acceptOrder(id, [{ id: `${id}-1`, accepted: true }]).then(
      () => undefined,
      (e: { status?: number; transient?: boolean; message: string }) => e,
    );
    expect(refused).toMatchObject({ status: 403, transient: false });
    expect(refused?.message).toContain(message);
    expect((await c.getOrder(id))?.order_state).toBe('WAITING_ACCEPTANCE');
    await admin('PUT', `/marketplaces/${mp}/faults`, {});
    await c.acceptOrder(id, [{ id: `${id}-1`, accepted: true }]);
    expect((await c.getOrder(id))?.order_state).toBe('WAITING_DEBIT');
  });

  it('refuses orders and offers with amounts no marketplace holds, so nothing breaks later', async () => {
    await start();
    for (const bad of [
      { customerId: 'C', shippingPrice: 'abc', lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5 }] },
      { customerId: 'C', lines: [{ offerSku: 'A', quantity: 1, unitPrice: 1e308 }] },
      { customerId: 'C', lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5, commissionRate: 7 }] },
      {
        customerId: 'C',
        shippingTypeCode: 'TELEPORT',
        lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5 }],
      },
    ]) {
      expect((await admin('POST', `/marketplaces/${mp}/orders`, bad)).status).toBe(400);
    }
    expect(sandbox.orders.list(mp)).toHaveLength(0);
    sandbox.products.upsert(mp, { sku: 'A', title: 'A', category: 'running' });
    const { importId } = await client().upsertOffers([
      {
        shop_sku: 'A',
        product_id: 'A',
        product_id_type: 'SHOP_SKU',
        price: 1e308,
        quantity: 5,
        state_code: '11',
        update_delete: 'update',
        description: null,
        leadtime_to_ship: null,
      },
    ]);
    sandbox.clock.advance(2_000);
    expect((await client().getImportErrors('offers', importId)).map((e) => e.message)).toEqual([
      'The price must be a number greater than 0, at most 1000000, with at most 2 decimals',
    ]);
  });

  it('a refused buy takes nothing off the offer, lines of one offer counted together', async () => {
    await start();
    sandbox.products.upsert(mp, { sku: 'A', title: 'A', category: 'running' });
    sandbox.offers.apply(mp, {
      shop_sku: 'A',
      product_id: 'A',
      product_id_type: 'SHOP_SKU',
      price: 5,
      quantity: 2,
      state_code: '11',
    });
    const res = await admin('POST', `/marketplaces/${mp}/buy`, {
      lines: [
        { offerSku: 'A', quantity: 2 },
        { offerSku: 'A', quantity: 2 },
      ],
    });
    expect(res.status).toBe(409);
    expect(sandbox.offers.get(mp, 'A')?.quantity).toBe(2);
    expect(sandbox.orders.list(mp)).toHaveLength(0);
  });

  it('OR11 filters by creation date, debit, tax mode, sorts, and reads all with paginate=false', async () => {
    await start();
    const early = sandbox.orders.place(mp, {
      customerId: 'C',
      lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5 }],
    });
    sandbox.clock.advance(60 * 60_000);
    const boundary = new Date(sandbox.clock.now() - 1).toISOString();
    const late = sandbox.orders.place(mp, {
      customerId: 'C',
      lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5 }],
    });
    sandbox.orders.accept(mp, early, [{ id: `${early}-1`, accepted: true }]);
    sandbox.clock.advance(decathlon.debitMs); // early is debited (SHIPPING)
    for (let i = 0; i < 12; i++)
      sandbox.orders.place(mp, { customerId: 'C', lines: [{ offerSku: 'B', quantity: 1, unitPrice: 5 }] });
    const c = client();
    const ids = async (q: Record<string, string>) =>
      (
        (
          await c.transport.call<{ orders: { order_id: string }[] }>({
            operation: 'OR11',
            method: 'GET',
            path: '/api/orders',
            query: q,
          })
        ).body?.orders ?? []
      ).map((o) => o.order_id);
    expect(await ids({ customer_debited: 'true' })).toEqual([early]);
    expect((await ids({ customer_debited: 'false', paginate: 'false' })).length).toBe(13);
    expect(await ids({ end_date: boundary })).toEqual([early]);
    expect(await ids({ start_date: boundary, max: '1' })).toEqual([late]);
    expect((await ids({ sort: 'dateCreated', order: 'desc', paginate: 'false' }))[13]).toBe(early);
    expect(await ids({ order_tax_mode: 'TAX_EXCLUDED' })).toEqual([]);
    for (const bad of [
      { max: 'abc' },
      { offset: '-1' },
      { customer_debited: 'yes' },
      { sort: 'price' },
      { order_tax_mode: 'X' },
    ]) {
      const err = await c.transport
        .call({ operation: 'OR11', method: 'GET', path: '/api/orders', query: bad })
        .catch((e: MiraklApiError) => e);
      expect([JSON.stringify(bad), (err as MiraklApiError).status]).toEqual([JSON.stringify(bad), 400]);
    }
  });

  it("enforces Mirakl's call limits; next pages are not counted; the client's own limiter keeps it clear of 429", async () => {
    await start({ callLimits: MIRAKL_CALL_LIMITS });
    for (let i = 0; i < 150; i++)
      sandbox.orders.place(mp, { customerId: 'C', lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5 }] });
    const statuses: string[] = [];
    // The real limiter (Mirakl's frequencies), with a virtual sleep so the test does not wait a minute.
    const c = client({
      unlimited: false,
      observe: (x) => statuses.push(`${x.operation}:${x.status}:${x.waitedMs > 0 ? 'waited' : 'now'}`),
    });
    expect(await all(c.listOrders())).toHaveLength(150); // two pages, one counted call
    expect(statuses).toEqual(['OR11:200:now', 'OR11:200:now']);
    // A second poll inside the minute, straight at the server: 429 with Retry-After.
    const raw = await fetch(`${base}/mp/${mp}/api/orders`, { headers: { authorization: decathlon.apiKey } });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a write lost before it landed is read back, then sent once more, and lands once', async () => {
    await start();
    const id = sandbox.orders.place(mp, {
      customerId: 'C',
      lines: [{ offerSku: 'A', quantity: 1, unitPrice: 5 }],
    });
    await admin('PUT', `/marketplaces/${mp}/faults`, { dropRate: 0.5 });
    dice = [0]; // the OR21's connection is dropped before anything is applied; every later dice is 1
    const calls: string[] = [];
    const c = client({ observe: (x) => calls.push(`${x.operation}:${x.status}`) });
    expect(await c.acceptOrder(id, [{ id: `${id}-1`, accepted: true }])).toEqual({ outcome: 'sent' });
    expect(calls).toEqual(['OR21:0', 'OR11:200', 'OR21:204']);
    const order = sandbox.orders.get(mp, id)!;
    expect(order.history.map((h) => h.state)).toEqual(['STAGING', 'WAITING_ACCEPTANCE', 'WAITING_DEBIT']);
  });
});
