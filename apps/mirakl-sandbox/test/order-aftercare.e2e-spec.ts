import { MiraklApiError, MiraklClient, type MiraklOrder } from '@seller-bridge/mirakl-client';
import { demoMarketplaces, type MarketplaceSettings } from '../src/marketplace';
import { MiraklSandbox } from '../src/http/sandbox-server';

const DAY = 86_400_000;

/** After acceptance: debit (or its failure), shipping, delivery, closing; cancellations and refunds. */
describe('order lifecycle after acceptance, cancellations and refunds', () => {
  const ADMIN = 'test-admin-token';
  let sandbox: MiraklSandbox;
  let base: string;
  let dice: number[];
  let marketplaces: MarketplaceSettings[];

  async function start(change: Partial<MarketplaceSettings> = {}): Promise<void> {
    dice = [];
    marketplaces = demoMarketplaces().map((m) => ({ ...m, ...change }));
    sandbox = new MiraklSandbox({ marketplaces, adminToken: ADMIN, random: () => dice.shift() ?? 1 });
    base = await sandbox.listen();
  }
  afterEach(async () => sandbox.close());

  const mp = () => marketplaces[0];
  const client = (extra: ConstructorParameters<typeof MiraklClient>[1] = {}) =>
    new MiraklClient(
      {
        marketplace: mp().code,
        baseUrl: `${base}/mp/${mp().code}`,
        apiKey: mp().apiKey,
        shopId: mp().shopId,
      },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20, ...extra },
    );
  const faults = (f: Record<string, unknown>) =>
    fetch(`${base}/admin/marketplaces/${mp().code}/faults`, {
      method: 'PUT',
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify(f),
    });
  /** An order accepted and debited: in SHIPPING. */
  async function shippingOrder(
    lines = [{ offerSku: 'SKU-1', quantity: 2, unitPrice: 30 }],
  ): Promise<MiraklOrder> {
    const id = sandbox.orders.place(mp().code, { customerId: 'C-1', lines });
    const c = client();
    const order = (await c.getOrder(id))!;
    await c.acceptOrder(
      id,
      order.order_lines.map((l) => ({ id: l.order_line_id, accepted: true })),
    );
    sandbox.clock.advance(mp().debitMs);
    return (await c.getOrder(id))!;
  }
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: MiraklApiError) => ({ status: e.status, code: e.miraklCode, message: e.miraklMessage }),
    );

  it('runs SHIPPING → SHIPPED → RECEIVED → CLOSED on the clock, last_updated_date moving each time', async () => {
    await start();
    const c = client();
    const order = await shippingOrder();
    expect(order).toMatchObject({ order_state: 'SHIPPING', can_cancel: true });
    await c.shipOrder(order.order_id);
    const shipped = (await c.getOrder(order.order_id))!;
    expect(shipped).toMatchObject({ order_state: 'SHIPPED', can_cancel: false });
    sandbox.clock.advance(3 * DAY);
    const received = (await c.getOrder(order.order_id))!;
    expect(received.order_state).toBe('RECEIVED');
    expect(received.order_lines[0].order_line_state).toBe('RECEIVED');
    sandbox.clock.advance(14 * DAY);
    const closed = (await c.getOrder(order.order_id))!;
    expect(closed.order_state).toBe('CLOSED');
    const dates = [order, shipped, received, closed].map((o) => Date.parse(o.last_updated_date));
    expect([...dates].sort((a, b) => a - b)).toEqual(dates);
    expect(new Set(dates).size).toBe(4);
  });

  it('a customer incident on a shipped line shows in OR11 (line INCIDENT_OPEN, has_incident, dates moved) and keeps the order open until OR64 resolves it', async () => {
    await start();
    const c = client();
    const order = await shippingOrder([
      { offerSku: 'SKU-1', quantity: 1, unitPrice: 30 },
      { offerSku: 'SKU-2', quantity: 1, unitPrice: 20 },
    ]);
    const [line1, line2] = order.order_lines.map((l) => l.order_line_id);
    const admin = (path: string, body: unknown) =>
      fetch(`${base}/admin/marketplaces/${mp().code}/orders/${order.order_id}/lines/${path}`, {
        method: 'POST',
        headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // Not before it has shipped.
    expect((await admin(`${line1}/incident`, { reason_code: '1' })).status).toBe(400);
    await c.shipOrder(order.order_id);
    const shipped = (await c.getOrder(order.order_id))!;
    sandbox.clock.advance(1_000);
    expect((await admin(`${line1}/incident`, { reason_code: '1' })).status).toBe(201);
    expect((await admin(`${order.order_id}-9/incident`, { reason_code: '1' })).status).toBe(404);
    const open = (await c.getOrder(order.order_id))!;
    expect(open).toMatchObject({ order_state: 'SHIPPED', has_incident: true });
    expect(open.order_lines.map((l) => l.order_line_state)).toEqual(['INCIDENT_OPEN', 'SHIPPED']);
    expect(Date.parse(open.last_updated_date)).toBeGreaterThan(Date.parse(shipped.last_updated_date));
    // OR11 by update date finds it.
    const since: string[] = [];
    for await (const o of c.listOrders({
      startUpdateDate: new Date(Date.parse(shipped.last_updated_date) + 1).toISOString(),
    }))
      since.push(o.order_id);
    expect(since).toContain(order.order_id);

    // Delivered, then the closing time passes: an open incident keeps the order RECEIVED.
    sandbox.clock.advance(17 * DAY);
    const received = (await c.getOrder(order.order_id))!;
    expect(received.order_state).toBe('RECEIVED');
    expect(received.order_lines.map((l) => l.order_line_state)).toEqual(['INCIDENT_OPEN', 'RECEIVED']);

    const resolve = (lineId: string, body: unknown) =>
      fetch(`${base}/mp/${mp().code}/api/orders/${order.order_id}/lines/${lineId}/resolve_incident`, {
        method: 'PUT',
        headers: { authorization: mp().apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await resolve(line2, { reason_code: '10' })).status).toBe(400); // no incident on that line
    expect((await resolve(line1, {})).status).toBe(400); // reason required
    expect((await resolve(line1, { reason_code: '10' })).status).toBe(204);
    const resolved = (await c.getOrder(order.order_id))!;
    expect(resolved).toMatchObject({ has_incident: false });
    expect(resolved.order_lines.map((l) => l.order_line_state)).toEqual(['SHIPPED', 'RECEIVED']);
    sandbox.clock.advance(DAY);
    expect((await c.getOrder(order.order_id))!.order_state).toBe('CLOSED');
  });

  it('a failed debit leaves the order in WAITING_DEBIT_PAYMENT for days, then CANCELED (failure mode 9)', async () => {
    await start({ debitFailureRate: 1, debitFailureDelayMs: 3 * DAY });
    const id = sandbox.orders.place(mp().code, {
      customerId: 'C-1',
      lines: [{ offerSku: 'S', quantity: 1, unitPrice: 5 }],
    });
    const c = client();
    const order = (await c.getOrder(id))!;
    await c.acceptOrder(id, [{ id: order.order_lines[0].order_line_id, accepted: true }]);
    sandbox.clock.advance(mp().debitMs);
    expect((await c.getOrder(id))!.order_state).toBe('WAITING_DEBIT_PAYMENT');
    sandbox.clock.advance(2 * DAY);
    expect((await c.getOrder(id))!.order_state).toBe('WAITING_DEBIT_PAYMENT');
    sandbox.clock.advance(DAY);
    const canceled = (await c.getOrder(id))!;
    expect(canceled.order_state).toBe('CANCELED');
    expect(canceled.order_lines[0].order_line_state).toBe('CANCELED');
  });

  it('OR29 cancels a SHIPPING order once; a lost answer is read back, not sent twice', async () => {
    await start();
    const order = await shippingOrder();
    await faults({ dropAfterWriteRate: 0.5 });
    dice = [1, 1, 0]; // OR29 lands, its answer is lost
    const calls: string[] = [];
    const c = client({ observe: (x) => calls.push(`${x.operation}:${x.status}`) });
    expect(await c.cancelOrder(order.order_id)).toEqual({ outcome: 'already-canceled' });
    expect(calls).toEqual(['OR29:0', 'OR11:200']);
    const after = (await c.getOrder(order.order_id))!;
    expect(after.order_state).toBe('CANCELED');
    expect(after.order_lines[0].cancelations).toHaveLength(1);
    expect(await fail(c.cancelOrder(order.order_id))).toMatchObject({
      status: 400,
      code: 'ORDER_INVALID_STATE',
    });
  });

  it('OR29 is refused before debit and after shipment', async () => {
    await start();
    const c = client();
    const id = sandbox.orders.place(mp().code, {
      customerId: 'C',
      lines: [{ offerSku: 'S', quantity: 1, unitPrice: 5 }],
    });
    expect(await fail(c.cancelOrder(id))).toMatchObject({ status: 400, code: 'ORDER_INVALID_STATE' });
    const order = await shippingOrder();
    await c.shipOrder(order.order_id);
    expect(await fail(c.cancelOrder(order.order_id))).toMatchObject({ status: 400 });
  });

  it('OR30 cancels line quantities; amounts are bounded; the whole order ends CANCELED with its last line', async () => {
    await start();
    const c = client();
    const order = await shippingOrder([
      { offerSku: 'A', quantity: 2, unitPrice: 30 },
      { offerSku: 'B', quantity: 1, unitPrice: 10 },
    ]);
    const [a, b] = order.order_lines;
    const tooMuch = await fail(
      c.cancelLines(order, [
        { order_line_id: a.order_line_id, quantity: 1, amount: 61, shipping_amount: 0, reason_code: 'OOS' },
      ]),
    );
    expect(tooMuch).toMatchObject({
      status: 400,
      message: 'cancelations[0].amount must be a number between 0 and 60',
    });

    const first = await c.cancelLines(order, [
      { order_line_id: a.order_line_id, quantity: 1, amount: 30, shipping_amount: 0, reason_code: 'OOS' },
    ]);
    expect(first).toMatchObject({
      outcome: 'sent',
      cancelations: [{ order_line_id: a.order_line_id, quantity: 1, amount: 30 }],
    });
    let now = (await c.getOrder(order.order_id))!;
    expect(now.order_state).toBe('SHIPPING');
    expect(now.order_lines[0].order_line_state).toBe('SHIPPING');

    // The rest, with the answer lost: read back, one cancellation each, not two.
    await faults({ dropAfterWriteRate: 0.5 });
    dice = [1, 1, 0];
    const rest = await c.cancelLines(now, [
      {
        order_line_id: a.order_line_id,
        quantity: 1,
        amount: 30,
        shipping_amount: a.shipping_price ?? 0,
        reason_code: 'OOS',
      },
      { order_line_id: b.order_line_id, quantity: 1, amount: 10, shipping_amount: 0, reason_code: 'OOS' },
    ]);
    expect(rest).toEqual({ outcome: 'already-applied' });
    now = (await c.getOrder(order.order_id))!;
    expect(now.order_state).toBe('CANCELED');
    expect(now.order_lines.map((l) => [l.order_line_state, l.cancelations?.length])).toEqual([
      ['CANCELED', 2],
      ['CANCELED', 1],
    ]);
  });

  it('OR28 refunds shipped lines only, within what was paid, taxes required; a lost answer makes one refund', async () => {
    await start();
    const c = client();
    const order = await shippingOrder();
    const line = order.order_lines[0];
    const refund = {
      order_line_id: line.order_line_id,
      amount: 20,
      shipping_amount: 0,
      reason_code: 'DAMAGED',
      taxes: [{ code: 'TVA', amount: 3.33 }],
    };
    expect(await fail(c.refundLines(order, [refund]))).toMatchObject({
      status: 400,
      code: 'ORDER_INVALID_STATE',
    });
    await c.shipOrder(order.order_id);
    const shipped = (await c.getOrder(order.order_id))!;
    expect(await fail(c.refundLines(shipped, [{ ...refund, taxes: undefined }]))).toMatchObject({
      status: 400,
      message: 'refunds[0].taxes is required: the order has taxes',
    });
    expect(await fail(c.refundLines(shipped, [{ ...refund, amount: 60.01 }]))).toMatchObject({ status: 400 });

    await faults({ dropAfterWriteRate: 0.5 });
    dice = [1, 1, 0];
    expect(await c.refundLines(shipped, [refund])).toEqual({ outcome: 'already-applied' });
    await faults({});
    let now = (await c.getOrder(order.order_id))!;
    expect(now.order_lines[0].refunds).toMatchObject([
      { amount: 20, reason_code: 'DAMAGED', state: 'REFUNDED' },
    ]);
    expect(now.order_lines[0].order_line_state).toBe('SHIPPED');

    const last = await c.refundLines(now, [{ ...refund, amount: 40 }]);
    expect(last).toMatchObject({
      outcome: 'sent',
      refunds: [{ amount: 40, order_line_id: line.order_line_id }],
    });
    now = (await c.getOrder(order.order_id))!;
    expect(now.order_lines[0].order_line_state).toBe('REFUNDED');
    expect(await fail(c.refundLines(now, [{ ...refund, amount: 0.01 }]))).toMatchObject({ status: 400 });
  });

  it('buyers of a marketplace live mostly in its country: carrefour-es ships to Spain, decathlon-fr to France', async () => {
    await start();
    const countries = (code: string) =>
      Array.from({ length: 5 }, (_, i) => {
        const id = sandbox.orders.place(code, {
          customerId: `C-${code}-${i}`,
          lines: [{ offerSku: 'SKU-1', quantity: 1, unitPrice: 10 }],
        });
        sandbox.orders.accept(code, id, [{ id: `${id}-1`, accepted: true }]);
        sandbox.clock.advance(DAY);
        const a = (
          sandbox.orders.get(code, id)!.order as unknown as {
            customer: { shipping_address: Record<string, string | null> };
          }
        ).customer.shipping_address;
        return a.country_iso_code ?? a.country;
      });
    const es = countries('carrefour-es');
    const fr = countries('decathlon-fr');
    expect(es.filter((c) => c === 'ESP' || c === 'ES')).toHaveLength(4);
    expect(fr.filter((c) => c === 'FRA' || c === 'FR')).toHaveLength(4);
  });

  it('cancelled quantities go back on the offers buyers see', async () => {
    await start();
    sandbox.products.upsert(mp().code, { sku: 'SKU-1', title: 'Shoe', category: 'running' });
    sandbox.offers.apply(mp().code, {
      shop_sku: 'SKU-1',
      product_id: 'SKU-1',
      product_id_type: 'SHOP_SKU',
      price: 30,
      quantity: 5,
      state_code: '11',
    });
    const id = sandbox.buyers.buy(mp().code, [{ offerSku: 'SKU-1', quantity: 3 }]);
    expect(sandbox.offers.get(mp().code, 'SKU-1')!.quantity).toBe(2);
    const c = client();
    const order = (await c.getOrder(id))!;
    await c.acceptOrder(id, [{ id: order.order_lines[0].order_line_id, accepted: true }]);
    sandbox.clock.advance(mp().debitMs);
    const shipping = (await c.getOrder(id))!;
    await c.cancelLines(shipping, [
      {
        order_line_id: shipping.order_lines[0].order_line_id,
        quantity: 1,
        amount: 30,
        shipping_amount: 0,
        reason_code: 'OOS',
      },
    ]);
    expect(sandbox.offers.get(mp().code, 'SKU-1')!.quantity).toBe(3);
    await c.cancelOrder(id);
    expect(sandbox.offers.get(mp().code, 'SKU-1')!.quantity).toBe(5);
  });
});
