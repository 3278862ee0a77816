import { Harness, MINUTE, orderBody } from './backoffice-harness';

/** A marketplace order accepted only once the ERP has it: taken on hold, released at SHIPPING with its address. */
describe('sales orders on hold over HTTP', () => {
  const h = new Harness();
  beforeEach(() => h.start());
  afterEach(() => h.stop());

  const heldBody = (orderId: string, lines = [{ sku: 'SKU-B', quantity: 3 }], customer = 'MC-NEW') => ({
    ...orderBody(orderId, lines, customer),
    hold: true,
  });
  const shipTo = { line1: '8 calle Mayor', city: 'Madrid', postcode: '28013', country: 'ES' };
  const release = (number: string, body: unknown) =>
    h.api('POST', `/api/sales-orders/${number}/release`, body);
  const stockB = async () =>
    (await h.api('GET', '/api/stock?sku=SKU-B&warehouse=LYON-1')).body.stock[0] as Record<string, number>;
  const registerCustomer = () =>
    h.api('POST', '/api/customers', {
      marketplace: 'decathlon-fr',
      marketplace_customer_id: 'MC-NEW',
      first_name: 'Lucía',
      last_name: 'García',
      address: shipTo,
    });

  it('takes an order on hold without an address or a known customer, allocates its units, and never picks it', async () => {
    const r = await h.postOrder('hold-1', heldBody('H-1'));

    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'on_hold', ship_to: null, customer_id: null });
    expect(r.body.lines).toEqual([expect.objectContaining({ sku: 'SKU-B', quantity: 3, open_quantity: 3 })]);
    expect(await stockB()).toMatchObject({ on_hand: 10, allocated: 3, available: 7 });
    await h.advance(24 * 60 * MINUTE);
    expect((await h.api('GET', '/api/shipments')).body.shipments).toEqual([]);
    expect((await h.api('GET', `/api/sales-orders/${r.body.number}`)).body.status).toBe('on_hold');
  });

  it('converts the marketplace order holds into the held order allocation', async () => {
    await h.api('POST', '/api/holds', {
      holds: [
        {
          key: 'decathlon-fr:H-2:1',
          sku: 'SKU-B',
          quantity: 3,
          reference: { marketplace: 'decathlon-fr', order_id: 'H-2', line_id: '1' },
        },
      ],
    });
    const r = await h.postOrder('hold-2', heldBody('H-2'));

    expect(r.body.status).toBe('on_hold');
    expect((await h.api('GET', '/api/holds?external_reference=decathlon-fr:H-2')).body.holds[0].state).toBe(
      'converted',
    );
    expect((await h.api('GET', '/api/stock?sku=SKU-B')).body.stock).toEqual([
      expect.objectContaining({ warehouse: 'LYON-1', allocated: 3, held: 0 }),
      expect.objectContaining({ warehouse: 'MADRID-2', allocated: 0, held: 0 }),
    ]);
  });

  it('releases it with the address and the final lines: units of dropped lines go back, the rest ships', async () => {
    const held = await h.postOrder(
      'hold-3',
      heldBody('H-3', [
        { sku: 'SKU-B', quantity: 3 },
        { sku: 'SKU-A', quantity: 1 },
      ]),
    );
    await registerCustomer();
    const body = {
      ship_to: shipTo,
      lines: [{ sku: 'SKU-B', quantity: 2, unit_price: '49.99', tax_rate: '20.00' }],
    };

    const r = await release(held.body.number, body);

    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      number: held.body.number,
      status: 'posted',
      ship_to: shipTo,
      customer_id: expect.stringMatching(/.+/),
      released_at: expect.any(String),
    });
    expect(r.body.lines).toEqual([expect.objectContaining({ line_no: 10, sku: 'SKU-B', quantity: 2 })]);
    expect(r.body.charge_lines.map((c: { line_no: number }) => c.line_no)).toEqual([20, 30]);
    expect(await stockB()).toMatchObject({ allocated: 2, available: 8 });
    expect((await h.api('GET', '/api/stock?sku=SKU-A&warehouse=LYON-1')).body.stock[0]).toMatchObject({
      allocated: 0,
      available: 5,
    });
    // Picked the usual delay after the release, to the address given at release.
    await h.advance(2 * MINUTE);
    const [shipment] = (await h.api('GET', '/api/shipments')).body.shipments;
    expect(shipment).toMatchObject({
      sales_order_number: held.body.number,
      ship_to_country: 'ES',
      lines: [{ line_no: 10, sku: 'SKU-B', quantity: 2 }],
    });
    expect((await h.admin('GET', '/admin/truth')).body.duplicates).toEqual([]);
  });

  it('answers the same release again with the order as it is, and refuses another one (409)', async () => {
    const held = await h.postOrder('hold-4', heldBody('H-4'));
    await registerCustomer();
    const body = {
      ship_to: shipTo,
      lines: [{ sku: 'SKU-B', quantity: 3, unit_price: '49.99', tax_rate: '20.00' }],
    };
    const first = await release(held.body.number, body);
    const again = await release(held.body.number, {
      lines: body.lines,
      ship_to: { country: 'ES', postcode: '28013', city: 'Madrid', line1: '8 calle Mayor' },
    });
    const other = await release(held.body.number, { ...body, lines: [{ ...body.lines[0], quantity: 1 }] });

    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('already_released');
    expect(await stockB()).toMatchObject({ allocated: 3 });
  });

  it.each<[string, (n: string) => Promise<unknown>, unknown, number, string]>([
    [
      'a cancelled order',
      (n) => h.api('POST', `/api/sales-orders/${n}/cancel`, {}),
      undefined,
      409,
      'order_cancelled',
    ],
    ['without an address', async () => undefined, { ship_to: undefined }, 422, 'validation_failed'],
    [
      'with a SKU the order does not hold',
      async () => undefined,
      { sku: 'HEAVY-1' },
      422,
      'line_not_on_order',
    ],
    ['with more than the order holds', async () => undefined, { quantity: 4 }, 422, 'line_not_on_order'],
    ['with an unknown field', async () => undefined, { warehouse_note: 'x' }, 422, 'validation_failed'],
  ])('refuses to release %s', async (_, before, change, status, code) => {
    const held = await h.postOrder('hold-5', heldBody('H-5'));
    await registerCustomer();
    await before(held.body.number);
    const line = { sku: 'SKU-B', quantity: 3, unit_price: '49.99', tax_rate: '20.00' };
    const c = (change ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = {
      ship_to: shipTo,
      lines: [
        {
          ...line,
          ...('sku' in c ? { sku: c.sku } : {}),
          ...('quantity' in c ? { quantity: c.quantity } : {}),
        },
      ],
      ...('warehouse_note' in c ? { warehouse_note: c.warehouse_note } : {}),
    };
    if ('ship_to' in c) delete body.ship_to;

    const r = await release(held.body.number, body);

    expect([r.status, r.body.error.code]).toEqual([status, code]);
  });

  it('refuses to release before the customer exists, and a posted order that never was on hold', async () => {
    const held = await h.postOrder('hold-6', heldBody('H-6'));
    const body = {
      ship_to: shipTo,
      lines: [{ sku: 'SKU-B', quantity: 3, unit_price: '49.99', tax_rate: '20.00' }],
    };
    await h.customer('MC-1');
    const posted = await h.postOrder('plain-6', orderBody('P-6'));

    expect((await release(held.body.number, body)).body.error.code).toBe('customer_not_found');
    expect((await release(posted.body.number, body)).status).toBe(409);
    expect((await release('SO1', body)).status).toBe(404);
    expect((await h.api('GET', `/api/sales-orders/${held.body.number}`)).body.status).toBe('on_hold');
  });

  it('cancels an order on hold like any other, giving its units back', async () => {
    const held = await h.postOrder('hold-7', heldBody('H-7'));
    const r = await h.api('POST', `/api/sales-orders/${held.body.number}/cancel`, { reason: 'refused' });

    expect(r.body.status).toBe('cancelled');
    expect(await stockB()).toMatchObject({ allocated: 0, available: 10 });
  });
});
