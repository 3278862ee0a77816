import { MiraklApiError, MiraklClient, type MiraklOrder } from '@seller-bridge/mirakl-client';
import { demoMarketplaces, type MarketplaceSettings } from '../src/marketplace';
import { MiraklSandbox } from '../src/http/sandbox-server';

/**
 * Several shipments per order (ST01, ST11, ST23, ST24), the sandbox driven by the real client over HTTP:
 * quantities, states, per-item errors in successful answers, read-back after a lost answer.
 */
describe('multi-shipment: ST01, ST11, ST23, ST24', () => {
  const ADMIN = 'test-admin-token';
  let sandbox: MiraklSandbox;
  let base: string;
  let dice: number[];
  let marketplaces: MarketplaceSettings[];
  /** decathlon-fr ships with OR24 only; carrefour-es allows several shipments. */
  const decathlon = () => marketplaces[0];
  const carrefour = () => marketplaces[1];

  beforeEach(async () => {
    dice = [];
    marketplaces = demoMarketplaces();
    sandbox = new MiraklSandbox({ marketplaces, adminToken: ADMIN, random: () => dice.shift() ?? 1 });
    base = await sandbox.listen();
  });
  afterEach(async () => sandbox.close());

  const client = (mp = carrefour(), extra: ConstructorParameters<typeof MiraklClient>[1] = {}) =>
    new MiraklClient(
      { marketplace: mp.code, baseUrl: `${base}/mp/${mp.code}`, apiKey: mp.apiKey, shopId: mp.shopId },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20, ...extra },
    );
  /** An order accepted and debited (SHIPPING): two lines, 3 and 1 units. */
  async function shippingOrder(mp = carrefour(), shippingTypeCode = 'STD'): Promise<MiraklOrder> {
    const id = sandbox.orders.place(mp.code, {
      customerId: 'C-1',
      shippingTypeCode,
      lines: [
        { offerSku: 'SKU-A', quantity: 3, unitPrice: 10 },
        { offerSku: 'SKU-B', quantity: 1, unitPrice: 20 },
      ],
    });
    const c = client(mp);
    const placed = (await c.getOrder(id))!;
    await c.acceptOrder(
      id,
      placed.order_lines.map((l) => ({ id: l.order_line_id, accepted: true })),
    );
    sandbox.clock.advance(mp.debitMs);
    return (await c.getOrder(id))!;
  }
  async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }
  const lineStates = (o: MiraklOrder) => o.order_lines.map((l) => l.order_line_state);

  it('ships an order in two shipments: lines SHIPPED when full, the order SHIPPED after the last', async () => {
    const c = client();
    const o = await shippingOrder();
    const [a] = o.order_lines.map((l) => l.order_line_id);
    const first = await c.createShipments([
      {
        orderId: o.order_id,
        lines: [{ orderLineId: a, quantity: 2, packageReference: 'P1' }],
        tracking: { carrierCode: 'SEUR', trackingNumber: 'S-1' },
      },
    ]);
    expect(first.errors).toEqual([]);
    expect(first.created).toEqual([
      expect.objectContaining({
        order_id: o.order_id,
        status: 'SHIPPING',
        shipment_lines: [expect.objectContaining({ order_line_id: a, quantity: 2, package_reference: 'P1' })],
        tracking: expect.objectContaining({ carrier_code: 'SEUR', tracking_number: 'S-1' }),
      }),
    ]);
    const id1 = first.created[0].id;
    expect(await c.validateShipments([{ id: id1, orderId: o.order_id }])).toEqual({
      shipped: [id1],
      alreadyShipped: [],
      errors: [],
    });
    let now = (await c.getOrder(o.order_id))!;
    expect([now.order_state, ...lineStates(now)]).toEqual(['SHIPPING', 'SHIPPING', 'SHIPPING']);

    // The rest in one shipment, shipped at creation (no ST24): line a by its id, line b by its SKU.
    const second = await c.createShipments([
      {
        orderId: o.order_id,
        lines: [
          { orderLineId: a, quantity: 1, packageReference: 'P2' },
          { offerSku: 'SKU-B', quantity: 1, packageReference: 'P2' },
        ],
        tracking: { carrierCode: 'SEUR', trackingNumber: 'S-2' },
        shipped: true,
      },
    ]);
    expect(second.created.map((s) => s.status)).toEqual(['SHIPPED']);
    now = (await c.getOrder(o.order_id))!;
    expect([now.order_state, ...lineStates(now)]).toEqual(['SHIPPED', 'SHIPPED', 'SHIPPED']);
    const listed = await all(c.listShipments({ orderIds: [o.order_id] }, 1));
    expect(listed.map((s) => [s.status, s.tracking?.tracking_number])).toEqual([
      ['SHIPPED', 'S-1'],
      ['SHIPPED', 'S-2'],
    ]);
    sandbox.clock.advance(3 * 86_400_000);
    expect((await all(c.listShipments({ orderIds: [o.order_id] }))).map((s) => s.status)).toEqual([
      'RECEIVED',
      'RECEIVED',
    ]);
  });

  it('refuses over-shipping per item inside a successful answer, applying the other items', async () => {
    const c = client();
    const o = await shippingOrder();
    const other = await shippingOrder();
    const [a] = o.order_lines.map((l) => l.order_line_id);
    const res = await c.createShipments([
      { orderId: o.order_id, lines: [{ orderLineId: a, quantity: 4 }] },
      { orderId: other.order_id, lines: [{ orderLineId: other.order_lines[1].order_line_id, quantity: 1 }] },
      {
        orderId: o.order_id,
        lines: [
          { orderLineId: a, quantity: 2 },
          { orderLineId: a, quantity: 2 },
        ],
      },
      { orderId: 'NOPE-A', lines: [{ orderLineId: 'NOPE-A-1', quantity: 1 }] },
    ]);
    expect(res.created.map((s) => s.order_id)).toEqual([other.order_id]);
    expect(res.errors).toEqual([
      { orderId: o.order_id, message: expect.stringContaining('exceeds the quantity left to ship (3)') },
      { orderId: o.order_id, message: expect.stringContaining('exceeds the quantity left to ship (1)') },
      { orderId: 'NOPE-A', message: "Order with id 'NOPE-A' not found" },
    ]);
    // Shipped units count whatever the shipment's state: 3 units in shipments leave nothing for a fourth.
    await c.createShipments([{ orderId: o.order_id, lines: [{ orderLineId: a, quantity: 3 }] }]);
    const again = await c.createShipments([
      { orderId: o.order_id, lines: [{ orderLineId: a, quantity: 1 }] },
    ]);
    expect(again.errors[0].message).toContain('left to ship (0)');
    const truth = (await (
      await fetch(`${base}/admin/marketplaces/${carrefour().code}/shipments?order_id=${o.order_id}`, {
        headers: { 'x-admin-token': ADMIN },
      })
    ).json()) as {
      line_quantities: Record<string, Record<string, { inShipments: number; shipped: number }>>;
    };
    expect(truth.line_quantities[o.order_id][a]).toEqual({ inShipments: 3, shipped: 0 });
  });

  it('answers per-item errors for ST23/ST24: unknown shipment, shipping twice, mandatory tracking', async () => {
    const c = client();
    const o = await shippingOrder(carrefour(), 'EXP');
    const created = await c.createShipments([
      { orderId: o.order_id, lines: [{ orderLineId: o.order_lines[0].order_line_id, quantity: 3 }] },
    ]);
    const id = created.created[0].id;
    const noTracking = await c.validateShipments([
      { id, orderId: o.order_id },
      { id: 'missing', orderId: o.order_id },
    ]);
    expect(noTracking.errors).toEqual([
      { shipmentId: id, message: 'Tracking details are mandatory for this shipping method.' },
      { shipmentId: 'missing', message: "Shipment with id 'missing' not found" },
    ]);
    const tracked = await c.updateShipmentTracking([
      { id, orderId: o.order_id, tracking: { carrierCode: 'SEUR', trackingNumber: 'S-9' } },
      { id, orderId: o.order_id, tracking: { carrierName: 'Royal Mail', trackingNumber: 'RM' } },
    ]);
    expect(tracked.updated).toEqual([id]);
    expect(tracked.errors[0].message).toContain('not registered');
    expect((await c.validateShipments([{ id, orderId: o.order_id }])).shipped).toEqual([id]);
    const twice = await c.validateShipments([{ id, orderId: o.order_id }]);
    expect(twice.errors[0].message).toContain('not in status SHIPPING');
  });

  it('does not create a shipment twice when ST01 landed but its answer was lost (ST11 read-back)', async () => {
    const o = await shippingOrder();
    const calls: string[] = [];
    const c = client(carrefour(), { observe: (x) => calls.push(`${x.operation}:${x.status}`) });
    sandbox.faults.get(carrefour().code)!.dropAfterWriteRate = 1;
    dice = [1, 1, 0]; // ST01: not dropped before, no 500, dropped after it was applied
    const res = await c.createShipments([
      {
        orderId: o.order_id,
        lines: [{ orderLineId: o.order_lines[0].order_line_id, quantity: 1, packageReference: 'WH-1' }],
        tracking: { carrierCode: 'SEUR', trackingNumber: 'S-3' },
        shipped: true,
      },
    ]);
    expect(calls).toEqual(['ST01:0', 'ST11:200']);
    expect(res.created).toEqual([]);
    expect(res.alreadyCreated.map((s) => [s.status, s.shipment_lines?.[0].package_reference])).toEqual([
      ['SHIPPED', 'WH-1'],
    ]);
    expect(sandbox.shipments.all(carrefour().code)).toHaveLength(1);

    // ST24's answer lost: the read-back sees SHIPPED and does not send it again.
    const open = await client().createShipments([
      { orderId: o.order_id, lines: [{ orderLineId: o.order_lines[0].order_line_id, quantity: 1 }] },
    ]);
    calls.length = 0;
    dice = [1, 1, 0];
    expect(await c.validateShipments([{ id: open.created[0].id, orderId: o.order_id }])).toEqual({
      shipped: [],
      alreadyShipped: [open.created[0].id],
      errors: [],
    });
    expect(calls).toEqual(['ST24:0', 'ST11:200']);
  });

  it('refuses the multi-shipment calls where the marketplace does not allow them; OR24 ships the rest there', async () => {
    const o = await shippingOrder(decathlon());
    const refused = (await client(decathlon())
      .createShipments([
        { orderId: o.order_id, lines: [{ orderLineId: o.order_lines[0].order_line_id, quantity: 1 }] },
      ])
      .catch((e: unknown) => e)) as MiraklApiError;
    expect([refused.status, refused.miraklCode, refused.transient]).toEqual([
      403,
      'MULTI_SHIPMENT_DISABLED',
      false,
    ]);
    await expect(all(client(decathlon()).listShipments())).rejects.toThrow('HTTP 403');

    // On carrefour-es, one shipment then OR24: what remained goes out as one last shipment.
    const c = client();
    const m = await shippingOrder();
    await c.createShipments([
      { orderId: m.order_id, lines: [{ orderLineId: m.order_lines[0].order_line_id, quantity: 1 }] },
    ]);
    await c.updateTracking(m.order_id, { carrierCode: 'SEUR', trackingNumber: 'S-OR23' });
    await c.shipOrder(m.order_id);
    const listed = await all(c.listShipments({ orderIds: [m.order_id] }));
    expect(
      listed.map((s) => [s.status, s.shipment_lines?.map((l) => l.quantity), s.tracking?.tracking_number]),
    ).toEqual([
      ['SHIPPED', [1], undefined],
      ['SHIPPED', [2, 1], 'S-OR23'],
    ]);
    expect((await c.getOrder(m.order_id))!.order_state).toBe('SHIPPED');
  });

  it('keeps cancellations off shipped units: OR29 refused once shipped, OR30 only on what is left, then SHIPPED', async () => {
    const c = client();
    const o = await shippingOrder();
    const [a, b] = o.order_lines.map((l) => l.order_line_id);
    await c.createShipments([
      { orderId: o.order_id, lines: [{ orderLineId: a, quantity: 2 }], shipped: true },
    ]);
    const whole = (await c.cancelOrder(o.order_id).catch((e: unknown) => e)) as MiraklApiError;
    expect([whole.status, whole.miraklCode]).toEqual([400, 'ORDER_INVALID_STATE']);
    const cancel = (line: string, quantity: number, amount: number) =>
      c.cancelLines(o, [{ order_line_id: line, quantity, amount, shipping_amount: 0, reason_code: '34' }]);
    const tooMany = (await cancel(a, 2, 20).catch((e: unknown) => e)) as MiraklApiError;
    expect(tooMany.miraklMessage).toContain('are in shipments');
    await cancel(a, 1, 10); // the unit of line a not shipped
    await cancel(b, 1, 20); // line b, nothing shipped
    const now = (await c.getOrder(o.order_id))!;
    expect([now.order_state, ...lineStates(now)]).toEqual(['SHIPPED', 'SHIPPED', 'CANCELED']);
  });
});
