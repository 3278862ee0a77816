import { MiraklApiError, MiraklClient, type MiraklOrder } from '@seller-bridge/mirakl-client';
import { demoMarketplaces } from '../src/marketplace';
import { MiraklSandbox } from '../src/http/sandbox-server';

/** Each edge on both sides: the sandbox produces it as Mirakl does, the client copes with it. */
describe('Mirakl client against the Mirakl sandbox', () => {
  const ADMIN = 'test-admin-token';
  let sandbox: MiraklSandbox;
  let base: string;
  let dice: number[] = [];
  const [decathlon, carrefour] = demoMarketplaces();

  beforeEach(async () => {
    dice = [];
    sandbox = new MiraklSandbox({
      marketplaces: demoMarketplaces(),
      adminToken: ADMIN,
      random: () => dice.shift() ?? 1,
    });
    base = await sandbox.listen();
  });
  afterEach(async () => sandbox.close());

  const client = (mp = decathlon, extra: ConstructorParameters<typeof MiraklClient>[1] = {}) =>
    new MiraklClient(
      { marketplace: mp.code, baseUrl: `${base}/mp/${mp.code}`, apiKey: mp.apiKey, shopId: mp.shopId },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20, ...extra },
    );
  const place = (mp = decathlon, lines = [{ offerSku: 'SKU-1', quantity: 1, unitPrice: 19.99 }]) =>
    sandbox.orders.place(mp.code, { customerId: 'C-1', lines });
  async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  it('reads every page: 250 orders in pages of 100 by Link, list values with commas kept', async () => {
    // The first 150 wait for acceptance, the last 100 are in SHIPPING: they are on pages 2 and 3, so a Link
    // cut at the comma of `order_state_codes=WAITING_ACCEPTANCE,SHIPPING` would lose them.
    for (let i = 0; i < 150; i++) place();
    const shippingIds = Array.from({ length: 100 }, () => place());
    for (const id of shippingIds) {
      sandbox.orders.accept(decathlon.code, id, [{ id: `${id}-1`, accepted: true }]);
    }
    sandbox.clock.advance(decathlon.debitMs);
    const statuses: string[] = [];
    const c = client(decathlon, { observe: (call) => statuses.push(`${call.operation}:${call.status}`) });
    const orders = await all(c.listOrders({ orderStateCodes: ['WAITING_ACCEPTANCE', 'SHIPPING'] }));
    expect(orders).toHaveLength(250);
    expect(new Set(orders.map((o) => o.order_id)).size).toBe(250);
    expect(orders.filter((o) => o.order_state === 'SHIPPING')).toHaveLength(100);
    expect(statuses).toEqual(['OR11:200', 'OR11:200', 'OR11:200']);
  });

  it('answers 400 to more than 100 ids, and the client splits them', async () => {
    const ids = Array.from({ length: 150 }, () => place());
    const direct = await client()
      .transport.call({ operation: 'OR11', method: 'GET', path: '/api/orders', query: { order_ids: ids } })
      .catch((e: unknown) => e);
    expect((direct as MiraklApiError).status).toBe(400);
    expect((direct as MiraklApiError).miraklMessage).toBe(
      'The limit of 100 is exceeded for the parameter : order_ids',
    );
    const orders = await all(client().listOrders({ orderIds: ids }));
    expect(orders.map((o) => o.order_id).sort()).toEqual([...ids].sort());
  });

  it('gives orders back again after start_update_date because of its margin', async () => {
    const first = place();
    sandbox.clock.advance(60_000);
    const since = new Date(sandbox.clock.now()).toISOString();
    const second = place();
    const seen = (await all(client().listOrders({ startUpdateDate: since }))).map((o) => o.order_id);
    expect(seen).toEqual([first, second]); // the first comes back: updated within the 5-minute margin
  });

  it('runs the order lifecycle: addresses null before acceptance, a decision per line, debit, SHIPPING', async () => {
    const id = place(decathlon, [
      { offerSku: 'SKU-1', quantity: 2, unitPrice: 10 },
      { offerSku: 'SKU-2', quantity: 1, unitPrice: 5 },
    ]);
    const c = client();
    let order = (await c.getOrder(id)) as MiraklOrder;
    expect(order.order_state).toBe('WAITING_ACCEPTANCE');
    expect(order.customer?.shipping_address).toBeNull();

    const missing = await c.acceptOrder(id, [{ id: `${id}-1`, accepted: true }]).catch((e: unknown) => e);
    expect((missing as MiraklApiError).status).toBe(400);
    expect((missing as MiraklApiError).miraklMessage).toContain(
      'A decision is required for every order line',
    );

    expect(
      await c.acceptOrder(id, [
        { id: `${id}-1`, accepted: true },
        { id: `${id}-2`, accepted: false },
      ]),
    ).toEqual({ outcome: 'sent' });
    order = (await c.getOrder(id)) as MiraklOrder;
    expect(order.order_state).toBe('WAITING_DEBIT');
    expect(order.order_lines.map((l) => l.order_line_state)).toEqual(['WAITING_DEBIT', 'REFUSED']);
    expect(order.customer?.shipping_address).toMatchObject({
      city: expect.any(String),
      street_1: expect.any(String),
    });

    sandbox.clock.advance(decathlon.debitMs);
    order = (await c.getOrder(id)) as MiraklOrder;
    expect(order.order_state).toBe('SHIPPING');
    const again = await c
      .acceptOrder(id, [
        { id: `${id}-1`, accepted: true },
        { id: `${id}-2`, accepted: true },
      ])
      .catch((e: unknown) => e);
    expect((again as MiraklApiError).status).toBe(400);
    expect((again as MiraklApiError).miraklCode).toBe('ORDER_INVALID_STATE');
  });

  it('refuses partial acceptance where the marketplace forbids it, and auto-refuses when the window passes', async () => {
    const id = place(carrefour, [
      { offerSku: 'A', quantity: 1, unitPrice: 10 },
      { offerSku: 'B', quantity: 1, unitPrice: 10 },
    ]);
    const c = client(carrefour);
    const partial = await c
      .acceptOrder(id, [
        { id: `${id}-1`, accepted: true },
        { id: `${id}-2`, accepted: false },
      ])
      .catch((e: unknown) => e);
    expect((partial as MiraklApiError).miraklMessage).toContain('Partial acceptance is not allowed');

    sandbox.clock.advance(carrefour.acceptanceWindowMs + 1);
    const order = (await c.getOrder(id)) as MiraklOrder;
    expect(order.order_state).toBe('REFUSED');
    expect(order.acceptance_decision_date).toBeNull();
  });

  it('answers 429 with Retry-After over a rate limit, and the client waits it out', async () => {
    sandbox.faults.get(decathlon.code)!.rateLimits = { SH21: { limit: 1, perMs: 1000 } };
    const statuses: number[] = [];
    const c = client(decathlon, { observe: (call) => statuses.push(call.status) });
    await c.listCarriers();
    const t0 = Date.now();
    expect((await c.listCarriers()).map((x) => x.code)).toEqual(['COLISSIMO', 'DPD']);
    expect(statuses).toEqual([200, 429, 200]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('rides out 5xx and dropped connections on reads', async () => {
    place();
    sandbox.faults.get(decathlon.code)!.error5xxRate = 0.5;
    sandbox.faults.get(decathlon.code)!.dropRate = 0.5;
    dice = [0, 1, 0, 1, 1]; // each call draws drop?, then 500?: dropped, then 500, then through
    const statuses: number[] = [];
    const orders = await all(
      client(decathlon, { observe: (call) => statuses.push(call.status) }).listOrders(),
    );
    expect(orders).toHaveLength(1);
    expect(statuses).toEqual([0, 500, 200]);
  });

  it('refuses a wrong key without echoing it, a foreign shop id, and the admin API without its token', async () => {
    const wrong = new MiraklClient(
      { marketplace: 'decathlon-fr', baseUrl: `${base}/mp/decathlon-fr`, apiKey: 'stolen-key-123' },
      { unlimited: true },
    );
    const err = (await wrong.listCarriers().catch((e: unknown) => e)) as MiraklApiError;
    expect(err.status).toBe(401);
    expect(`${err.message} ${err.stack}`).not.toContain('stolen-key-123');
    const foreign = new MiraklClient(
      {
        marketplace: 'decathlon-fr',
        baseUrl: `${base}/mp/decathlon-fr`,
        apiKey: decathlon.apiKey,
        shopId: '9999',
      },
      { unlimited: true },
    );
    expect(((await foreign.listCarriers().catch((e: unknown) => e)) as MiraklApiError).status).toBe(403);
    const admin = await fetch(`${base}/admin/clock/advance`, { method: 'POST', body: '{"ms":1000}' });
    expect(admin.status).toBe(401);
    const ok = await fetch(`${base}/admin/clock/advance`, {
      method: 'POST',
      body: '{"ms":1000}',
      headers: { 'x-admin-token': ADMIN },
    });
    expect(ok.status).toBe(200);
  });

  it('answers 411 to a body-less PUT when asked to, which the client never sends', async () => {
    const id = place();
    sandbox.faults.get(decathlon.code)!.require411 = true;
    const bare = await fetch(`${base}/mp/decathlon-fr/api/orders/${id}/accept`, {
      method: 'PUT',
      headers: { authorization: decathlon.apiKey },
    });
    expect(bare.status).toBe(411);
    expect(await client().acceptOrder(id, [{ id: `${id}-1`, accepted: true }])).toEqual({ outcome: 'sent' });
  });

  async function inShipping(mp = decathlon, shippingTypeCode = 'STD'): Promise<string> {
    const id = sandbox.orders.place(mp.code, {
      customerId: 'C-9',
      shippingTypeCode,
      lines: [{ offerSku: 'SKU-9', quantity: 1, unitPrice: 30 }],
    });
    await client(mp).acceptOrder(id, [{ id: `${id}-1`, accepted: true }]);
    sandbox.clock.advance(mp.debitMs);
    return id;
  }

  it('ships only in SHIPPING, and only after tracking where the shipping type demands it', async () => {
    const c = client();
    const early = sandbox.orders.place(decathlon.code, {
      customerId: 'C-2',
      lines: [{ offerSku: 'S', quantity: 1, unitPrice: 1 }],
    });
    const notYet = (await c.shipOrder(early).catch((e: unknown) => e)) as MiraklApiError;
    expect([notYet.status, notYet.miraklCode]).toEqual([400, 'ORDER_INVALID_STATE']);

    const id = await inShipping(decathlon, 'EXP');
    expect((await c.listShippingTypes()).find((t) => t.code === 'EXP')?.mandatory_tracking).toBe(true);
    const untracked = (await c.shipOrder(id).catch((e: unknown) => e)) as MiraklApiError;
    expect(untracked.miraklMessage).toBe('Tracking details are mandatory for this shipping method.');
    expect(await c.updateTracking(id, { carrierCode: 'COLISSIMO', trackingNumber: '6A12345678901' })).toEqual(
      { outcome: 'sent' },
    );
    expect(await c.shipOrder(id)).toEqual({ outcome: 'sent' });
    const order = (await c.getOrder(id)) as MiraklOrder;
    expect(order.order_state).toBe('SHIPPED');
    expect(order.shipping_tracking_url).toBe(
      'https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901',
    );
  });

  it('takes a carrier code from SH21 only, and a free carrier name only where the marketplace allows it', async () => {
    const warehouseName = 'Royal Mail 48 Tracked'; // what a warehouse reports: not a carrier code
    const asCode = (await client()
      .updateTracking(await inShipping(), { carrierCode: warehouseName, trackingNumber: 'RM1' })
      .catch((e: unknown) => e)) as MiraklApiError;
    expect([asCode.status, asCode.miraklCode]).toEqual([400, 'CARRIER_NOT_FOUND']);
    expect(
      await client().updateTracking(await inShipping(), {
        carrierName: warehouseName,
        trackingNumber: 'RM2',
      }),
    ).toEqual({ outcome: 'sent' });
    const forbidden = (await client(carrefour)
      .updateTracking(await inShipping(carrefour), { carrierName: warehouseName, trackingNumber: 'RM3' })
      .catch((e: unknown) => e)) as MiraklApiError;
    expect(forbidden.miraklCode).toBe('CARRIER_NOT_ALLOWED');
    expect(sandbox.orders.trackingUpdates.map((t) => t.trackingNumber)).toEqual(['RM2']);
  });

  it('does not send a write again when its answer was lost but it landed (read-back)', async () => {
    const id = await inShipping();
    const c = client();
    await c.updateTracking(id, { carrierCode: 'DPD', trackingNumber: 'DPD-1' });
    sandbox.faults.get(decathlon.code)!.dropAfterWriteRate = 1;
    dice = [1, 1, 0]; // OR24: not dropped before, no 500, dropped after it was applied
    const puts: string[] = [];
    const c2 = client(decathlon, { observe: (call) => puts.push(`${call.operation}:${call.status}`) });
    expect(await c2.shipOrder(id)).toEqual({ outcome: 'already-shipped', state: 'SHIPPED' });
    expect(puts).toEqual(['OR24:0', 'OR11:200']); // one OR24, then the read-back; no second OR24
  });

  it('answers garbage with a clear 4xx and keeps serving', async () => {
    const id = await inShipping();
    const seller = (method: string, path: string, body?: string) =>
      fetch(`${base}/mp/decathlon-fr${path}`, { method, body, headers: { authorization: decathlon.apiKey } });
    const admin = (path: string, body: string) =>
      fetch(`${base}/admin${path}`, { method: 'POST', body, headers: { 'x-admin-token': ADMIN } });
    const cases: [Promise<Response>, number, string][] = [
      [seller('PUT', `/api/orders/${id}/accept`, '{"order_lines": ['), 400, 'Malformed JSON body'],
      [seller('PUT', `/api/orders/${id}/tracking`, '[1,2]'), 400, 'Malformed JSON body'],
      [
        seller('PUT', `/api/orders/${id}/tracking`, '{"carrier_code":"DPD","tracking_number":12345}'),
        400,
        'tracking_number must be a string',
      ],
      [
        seller('PUT', `/api/orders/${id}/tracking`, '{"carrier_code":"DPD"}'),
        400,
        'tracking_number is required',
      ],
      [seller('GET', '/api/orders?start_update_date=yesterday'), 400, 'Invalid date'],
      [seller('PUT', '/api/orders/NOPE-A/ship', '{}'), 404, 'not found'],
      [seller('PUT', '/api/orders/%E0%A4%A/ship', '{}'), 400, 'Malformed path segment'],
      [seller('DELETE', '/api/orders'), 404, 'No such operation'],
      [seller('PUT', `/api/orders/${id}/tracking`, 'x'.repeat(1_100_000)), 413, 'Payload too large'],
      [
        admin('/marketplaces/decathlon-fr/orders', '{"lines":[{"offerSku":"A","quantity":1,"unitPrice":1}]}'),
        400,
        'customerId',
      ],
      [
        admin(
          '/marketplaces/decathlon-fr/orders',
          '{"customerId":"C","lines":[{"offerSku":"A","quantity":"two","unitPrice":1}]}',
        ),
        400,
        'quantity',
      ],
      [admin('/clock/advance', '{"ms":-5}'), 400, 'only moves forward'],
      [admin('/clock/advance', 'x'.repeat(1_100_000)), 413, 'too large'],
    ];
    for (const [response, status, text] of cases) {
      const res = await response;
      expect([res.status, (await res.text()).includes(text)]).toEqual([status, true]);
    }
    expect(((await client().getOrder(id)) as MiraklOrder).order_state).toBe('SHIPPING'); // nothing changed, still up
    expect(sandbox.orders.list(decathlon.code)).toHaveLength(1);
  });
});
