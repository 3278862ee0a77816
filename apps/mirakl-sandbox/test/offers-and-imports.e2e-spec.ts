import { MiraklApiError, MiraklClient, type MiraklOfferUpdate } from '@seller-bridge/mirakl-client';
import { demoMarketplaces } from '../src/marketplace';
import { MiraklSandbox } from '../src/http/sandbox-server';

/** Products, offers and stock: asynchronous imports with status and error reports, buyers against offers. */
describe('offers, stock and products: sandbox and client', () => {
  const ADMIN = 'test-admin-token';
  let sandbox: MiraklSandbox;
  let base: string;
  const [decathlon] = demoMarketplaces();
  const mp = decathlon.code;

  beforeEach(async () => {
    sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: ADMIN });
    base = await sandbox.listen();
  });
  afterEach(async () => sandbox.close());

  const client = (extra: ConstructorParameters<typeof MiraklClient>[1] = {}) =>
    new MiraklClient(
      { marketplace: mp, baseUrl: `${base}/mp/${mp}`, apiKey: decathlon.apiKey, shopId: decathlon.shopId },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20, ...extra },
    );
  /** Imports wait and run on the sandbox clock: polling "sleeps" by moving it. */
  const clockSleep = async (ms: number) => sandbox.clock.advance(ms);
  async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${base}/admin${path}`, {
      method,
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  function seedProducts(n: number): void {
    for (let i = 1; i <= n; i++)
      sandbox.products.upsert(mp, { sku: `SKU-${i}`, title: `Product ${i}`, category: 'running' });
  }
  const fullOffer = (sku: string, quantity: number, price = 20): MiraklOfferUpdate => ({
    shop_sku: sku,
    product_id: sku,
    product_id_type: 'SHOP_SKU',
    price,
    quantity,
    state_code: '11',
    update_delete: 'update',
    description: `Offer ${sku}`,
    leadtime_to_ship: 2,
  });

  it('P41: the import waits, runs, completes; refused products come back by SKU with the reason (P44)', async () => {
    const c = client();
    const file = [
      'sku;title;category;ean;brand',
      'TENT-2P;Tent 2 people;hiking;4006381333931;Quechua',
      'SHOE-42;Running shoe 42;running;;Kalenji',
      'BAD-CAT;Mystery box;toys;;',
      'BAD-EAN;Bottle;hiking;1234567890123;',
    ].join('\n');
    const { importId } = await c.importProducts(file);
    expect((await c.getImport('products', importId)).import_status).toBe('WAITING');
    expect(await c.getImportErrors('products', importId)).toEqual([]); // no report yet: 404, read as none

    const done = await c.awaitImport('products', importId, { pollMs: 1_000, sleep: clockSleep });
    expect(done).toMatchObject({
      import_status: 'COMPLETE',
      has_error_report: true,
      transform_lines_read: 4,
      transform_lines_in_success: 2,
      transform_lines_in_error: 2,
    });
    const errors = await c.getImportErrors('products', importId);
    expect(errors.map((e) => [e.fields.sku, e.message])).toEqual([
      ['BAD-CAT', "3: The category 'toys' does not exist"],
      ['BAD-EAN', "4: The EAN '1234567890123' is invalid"],
    ]);
    expect(sandbox.products.list(mp).map((p) => p.shop_sku)).toEqual(['TENT-2P', 'SHOE-42']);
  });

  it('P41: a file without the required columns fails as a whole, with the reason', async () => {
    const c = client();
    const { importId } = await c.importProducts('name;colour\nx;red\n');
    const done = await c.awaitImport('products', importId, { pollMs: 1_000, sleep: clockSleep });
    expect(done).toMatchObject({
      import_status: 'FAILED',
      reason_status: 'Missing columns: sku, title, category',
    });
  });

  it('OF01: offers by file, line errors in OF03; REPLACE deletes the offers the file leaves out', async () => {
    seedProducts(3);
    const c = client();
    const first = await c.importOffers(
      [
        'sku;product-id;product-id-type;price;quantity;state',
        'SKU-1;SKU-1;SHOP_SKU;19.90;5;11',
        'SKU-2;SKU-2;SHOP_SKU;9,50;3;11',
        'SKU-3;SKU-3;SHOP_SKU;12;2;11',
        'GHOST;NOPE;SHOP_SKU;10;1;11',
        'SKU-9;SKU-1;SHOP_SKU;-3;1;11',
      ].join('\n'),
    );
    const status = await c.awaitImport('offers', first.importId, { pollMs: 1_000, sleep: clockSleep });
    expect(status).toMatchObject({
      status: 'COMPLETE',
      lines_read: 5,
      lines_in_success: 3,
      lines_in_error: 2,
      offer_inserted: 3,
    });
    const errors = await c.getImportErrors('offers', first.importId);
    expect(errors.map((e) => [e.line, e.fields.sku, e.message])).toEqual([
      [4, 'GHOST', 'The product does not exist'],
      [5, 'SKU-9', 'The price must be a number greater than 0, at most 1000000, with at most 2 decimals'],
    ]);
    expect(sandbox.offers.get(mp, 'SKU-2')?.price).toBe(9.5);

    const replace = await c.importOffers('sku;price;quantity;state\nSKU-1;21;4;11\n', 'REPLACE');
    expect(
      await c.awaitImport('offers', replace.importId, { pollMs: 1_000, sleep: clockSleep }),
    ).toMatchObject({ status: 'COMPLETE', offer_updated: 1, offer_deleted: 2, mode: 'REPLACE' });
    expect((await all(c.listOffers())).map((o) => [o.shop_sku, o.quantity, o.price])).toEqual([
      ['SKU-1', 4, 21],
    ]);
  });

  it('OF24 resets every field not sent: an omitted quantity becomes 0 (failure mode 10)', async () => {
    seedProducts(1);
    const c = client();
    const created = await c.upsertOffers([fullOffer('SKU-1', 7)]);
    await c.awaitImport('offers', created.importId, { pollMs: 1_000, sleep: clockSleep });
    expect(sandbox.offers.get(mp, 'SKU-1')).toMatchObject({ quantity: 7, description: 'Offer SKU-1' });

    // A partial OF24, as a careless connector sends it: price only.
    const partial = await c.transport.call<{ import_id: number }>({
      operation: 'OF24',
      method: 'POST',
      path: '/api/offers',
      body: { offers: [{ shop_sku: 'SKU-1', price: 25, state_code: '11', update_delete: 'update' }] },
    });
    await c.awaitImport('offers', partial.body!.import_id, { pollMs: 1_000, sleep: clockSleep });
    const [offer] = await all(c.listOffers({ skus: ['SKU-1'] }));
    expect(offer).toMatchObject({ quantity: 0, price: 25, description: '', active: false });
  });

  it('STO01 changes quantities only, globally or per warehouse; bad lines are reported by STO03', async () => {
    seedProducts(3);
    const c = client();
    const { importId } = await c.upsertOffers([
      fullOffer('SKU-1', 1),
      fullOffer('SKU-2', 1),
      fullOffer('SKU-3', 1),
    ]);
    await c.awaitImport('offers', importId, { pollMs: 1_000, sleep: clockSleep });

    const stock = await c.importStock([
      { offerSku: 'SKU-1', quantity: 12 },
      { offerSku: 'SKU-2', quantity: 4, warehouseCode: 'LYON-1' },
      { offerSku: 'SKU-2', quantity: 6, warehouseCode: 'MADRID-2' },
      { offerSku: 'UNKNOWN', quantity: 3 },
    ]);
    expect(typeof stock.importId).toBe('string');
    const status = await c.awaitImport('stock', stock.importId, { pollMs: 1_000, sleep: clockSleep });
    expect(status).toMatchObject({
      status: 'COMPLETE',
      lines_in_success: 3,
      lines_in_error: 1,
      has_error_report: true,
    });
    const errors = await c.getImportErrors('stock', stock.importId);
    expect(errors).toEqual([
      {
        line: 4,
        message: "The offer with sku 'UNKNOWN' does not exist",
        fields: { 'offer-sku': 'UNKNOWN', quantity: '3', 'warehouse-code': '', 'update-delete': 'update' },
      },
    ]);
    const offers = await all(c.listOffers());
    expect(offers.map((o) => [o.shop_sku, o.quantity, o.description])).toEqual([
      ['SKU-1', 12, 'Offer SKU-1'],
      ['SKU-2', 10, 'Offer SKU-2'],
      ['SKU-3', 1, 'Offer SKU-3'],
    ]);
    expect(offers[1].warehouses).toEqual([
      { code: 'LYON-1', quantity: 4 },
      { code: 'MADRID-2', quantity: 6 },
    ]);
    await expect(c.importStock([{ offerSku: 'SKU-1', quantity: -1 }])).rejects.toThrow(RangeError);
  });

  it('imports of one shop run one after the other; an identical pending request gets the same import id', async () => {
    seedProducts(2);
    const c = client();
    const a = await c.upsertOffers([fullOffer('SKU-1', 1)]);
    const again = await c.upsertOffers([fullOffer('SKU-1', 1)]);
    const b = await c.upsertOffers([fullOffer('SKU-1', 9)]);
    expect(again.importId).toBe(a.importId);
    expect(b.importId).not.toBe(a.importId);
    sandbox.clock.advance(2_000); // a: waited 1 s and ran 1 s
    expect((await c.getImport('offers', a.importId)).status).toBe('COMPLETE');
    expect((await c.getImport('offers', b.importId)).status).toBe('RUNNING');
    sandbox.clock.advance(1_000);
    expect((await c.getImport('offers', b.importId)).status).toBe('COMPLETE');
    expect(sandbox.offers.get(mp, 'SKU-1')?.quantity).toBe(9);
  });

  it('an import whose answer was lost is not sent again: the caller learns it is unknown (transient)', async () => {
    // Dice per call: drop?, 5xx?, drop after the write? The write lands and its answer is lost.
    const dice = [1, 1, 0];
    sandbox = await restartWith(() => dice.shift() ?? 1);
    await admin('PUT', `/marketplaces/${mp}/faults`, { dropAfterWriteRate: 0.5 });
    seedProducts(1);
    const statuses: number[] = [];
    const c = client({ observe: (call) => statuses.push(call.status) });
    const lost = await c.upsertOffers([fullOffer('SKU-1', 3)]).catch((e: MiraklApiError) => e);
    expect(lost).toBeInstanceOf(MiraklApiError);
    expect([(lost as MiraklApiError).status, (lost as MiraklApiError).transient]).toEqual([0, true]);
    expect(statuses).toEqual([0]); // sent once, never repeated by the client
    const imports = (await (await admin('GET', `/marketplaces/${mp}/imports`)).json()) as {
      imports: { import_id: number }[];
    };
    expect(imports.imports).toHaveLength(1);
    // The caller's next cycle sends the offer again: while the first waits, OF24 de-duplicates it.
    const again = await c.upsertOffers([fullOffer('SKU-1', 3)]);
    expect(again.importId).toBe(imports.imports[0].import_id);
  });

  it('STO01 and P41 requests are never de-duplicated: each is an import of its own', async () => {
    seedProducts(1);
    sandbox.offers.apply(mp, fullOffer('SKU-1', 1));
    const c = client();
    const a = await c.importStock([{ offerSku: 'SKU-1', quantity: 2 }]);
    const b = await c.importStock([{ offerSku: 'SKU-1', quantity: 2 }]);
    expect(a.importId).not.toBe(b.importId);
    const p = await c.importProducts('sku;title;category\nX;X;running\n');
    const q = await c.importProducts('sku;title;category\nX;X;running\n');
    expect(p.importId).not.toBe(q.importId);
  });

  it('OF21 reads every page (130 offers by 100) and filters by SKU', async () => {
    seedProducts(130);
    for (let i = 1; i <= 130; i++) sandbox.offers.apply(mp, { ...fullOffer(`SKU-${i}`, i) });
    const calls: string[] = [];
    const c = client({ observe: (call) => calls.push(call.operation) });
    const offers = await all(c.listOffers());
    expect(offers).toHaveLength(130);
    expect(calls).toEqual(['OF21', 'OF21']);
    expect((await all(c.listOffers({ skus: ['SKU-7', 'SKU-99'] }))).map((o) => o.quantity)).toEqual([7, 99]);
  });

  it('buyers never buy more than an offer shows; quantities drop, and come back when lines are refused', async () => {
    seedProducts(20);
    for (let i = 1; i <= 20; i++) sandbox.offers.apply(mp, fullOffer(`SKU-${i}`, 1 + (i % 4)));
    const initial = new Map(sandbox.offers.list(mp).map((o) => [o.shop_sku, o.quantity]));
    const res = await admin('PUT', `/marketplaces/${mp}/buyers`, { running: true, ordersPerMinute: 60 });
    expect(res.status).toBe(200);
    for (let minute = 0; minute < 10; minute++) {
      sandbox.clock.advance(60_000);
      sandbox.settle();
    }
    const { sales } = (await (await admin('GET', `/marketplaces/${mp}/sales`)).json()) as {
      sales: { offerSku: string; quantity: number; publishedBefore: number }[];
    };
    expect(sales.length).toBeGreaterThan(5);
    const sold = new Map<string, number>();
    for (const s of sales) {
      expect(s.quantity).toBeLessThanOrEqual(s.publishedBefore);
      sold.set(s.offerSku, (sold.get(s.offerSku) ?? 0) + s.quantity);
    }
    // Orders wait for acceptance (24 h window): nothing was given back yet.
    for (const [sku, q] of initial) {
      expect(sold.get(sku) ?? 0).toBeLessThanOrEqual(q);
      expect(sandbox.offers.get(mp, sku)!.quantity).toBe(q - (sold.get(sku) ?? 0));
    }
    const orders = sandbox.orders.list(mp);
    expect(orders[0]).toMatchObject({ order_state: 'WAITING_ACCEPTANCE' });
    expect((orders[0].order_lines as { product_sku: string }[])[0].product_sku).toMatch(/^MKP/);

    // Refuse one order by OR21: its units go back on the offers.
    const c = client();
    const first = orders[0] as {
      order_id: string;
      order_lines: { order_line_id: string; offer_sku: string; quantity: number }[];
    };
    const before = first.order_lines.map((l) => sandbox.offers.get(mp, l.offer_sku)!.quantity);
    await c.acceptOrder(
      first.order_id,
      first.order_lines.map((l) => ({ id: l.order_line_id, accepted: false })),
    );
    first.order_lines.forEach((l, i) =>
      expect(sandbox.offers.get(mp, l.offer_sku)!.quantity).toBe(before[i] + l.quantity),
    );
    await admin('PUT', `/marketplaces/${mp}/buyers`, { running: false });
    const count = sandbox.orders.list(mp).length;
    sandbox.clock.advance(10 * 60_000);
    sandbox.settle();
    expect(sandbox.orders.list(mp)).toHaveLength(count);
  });

  it('a deliberate buy over the published quantity is refused by the admin API (409)', async () => {
    seedProducts(1);
    sandbox.offers.apply(mp, fullOffer('SKU-1', 2));
    const over = await admin('POST', `/marketplaces/${mp}/buy`, {
      lines: [{ offerSku: 'SKU-1', quantity: 3 }],
    });
    expect(over.status).toBe(409);
    const ok = await admin('POST', `/marketplaces/${mp}/buy`, {
      lines: [{ offerSku: 'SKU-1', quantity: 2 }],
    });
    expect(ok.status).toBe(201);
    expect(sandbox.offers.get(mp, 'SKU-1')!.quantity).toBe(0);
  });

  it('flags sales beyond the real stock when a real-stock source is configured', async () => {
    const real = new Map([['SKU-1', 1]]);
    await sandbox.close();
    sandbox = new MiraklSandbox({
      marketplaces: demoMarketplaces(),
      adminToken: ADMIN,
      realStock: (sku) => real.get(sku),
    });
    base = await sandbox.listen();
    seedProducts(2);
    sandbox.offers.apply(mp, fullOffer('SKU-1', 5)); // the marketplace shows 5, the warehouse has 1
    sandbox.offers.apply(mp, fullOffer('SKU-2', 5)); // no real figure known
    await admin('POST', `/marketplaces/${mp}/buy`, { lines: [{ offerSku: 'SKU-1', quantity: 1 }] });
    real.set('SKU-1', 0); // the back office counted it
    await admin('POST', `/marketplaces/${mp}/buy`, {
      lines: [
        { offerSku: 'SKU-1', quantity: 2 },
        { offerSku: 'SKU-2', quantity: 1 },
      ],
    });
    const truth = (await (await admin('GET', `/marketplaces/${mp}/sales`)).json()) as {
      sales: { offerSku: string; beyondRealStock?: boolean }[];
      beyondRealStock: { offerSku: string; quantity: number; realAvailableBefore: number }[];
    };
    expect(truth.sales.map((s) => [s.offerSku, s.beyondRealStock])).toEqual([
      ['SKU-1', false],
      ['SKU-1', true],
      ['SKU-2', undefined],
    ]);
    expect(truth.beyondRealStock).toMatchObject([{ offerSku: 'SKU-1', quantity: 2, realAvailableBefore: 0 }]);
  });

  it('admin seeds offers and replaces carriers and shipping types; the seller API shows them', async () => {
    seedProducts(1);
    const bad = await admin('POST', `/marketplaces/${mp}/offers`, { offers: [fullOffer('NOPE', 1)] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('offers[0]: The product does not exist');
    const ok = await admin('POST', `/marketplaces/${mp}/offers`, { offers: [fullOffer('SKU-1', 4)] });
    expect(ok.status).toBe(201);
    const carriers = await admin('PUT', `/marketplaces/${mp}/carriers`, {
      carriers: [{ code: 'GLS', label: 'GLS France', tracking_url: 'https://gls.example/{trackingId}' }],
    });
    expect(carriers.status).toBe(200);
    expect((await admin('PUT', `/marketplaces/${mp}/carriers`, { carriers: [{ code: 1 }] })).status).toBe(
      400,
    );
    await admin('PUT', `/marketplaces/${mp}/shipping-types`, {
      shipping_types: [{ code: 'PICKUP', label: 'Pickup point', mandatory_tracking: true }],
    });
    const c = client();
    expect((await c.listCarriers()).map((x) => x.code)).toEqual(['GLS']);
    expect((await c.listShippingTypes()).map((x) => [x.code, x.mandatory_tracking])).toEqual([
      ['PICKUP', true],
    ]);
    expect((await all(c.listOffers())).map((o) => [o.shop_sku, o.quantity])).toEqual([['SKU-1', 4]]);
  });

  it('answers garbage with Mirakl 4xx: not multipart, no file, bad mode, unknown import, bad JSON', async () => {
    const c = client();
    const raw = (req: Parameters<typeof c.transport.call>[0]) =>
      c.transport.call(req).then(
        () => undefined,
        (e: MiraklApiError) => [e.status, e.miraklMessage],
      );
    expect(
      await raw({ operation: 'STO01', method: 'POST', path: '/api/offers/stock/imports', body: {} }),
    ).toEqual([400, 'The request must be multipart/form-data with a part named file']);
    const noFile = new FormData();
    noFile.append('import_mode', 'NORMAL');
    expect(
      await raw({ operation: 'OF01', method: 'POST', path: '/api/offers/imports', form: noFile }),
    ).toEqual([400, 'The file part is required']);
    const badMode = new FormData();
    badMode.append('file', new Blob(['sku\nA']), 'o.csv');
    badMode.append('import_mode', 'MERGE');
    expect(
      (await raw({ operation: 'OF01', method: 'POST', path: '/api/offers/imports', form: badMode }))?.[0],
    ).toBe(400);
    expect(await raw({ operation: 'OF02', method: 'GET', path: '/api/offers/imports/999999' })).toEqual([
      404,
      'Import with identifier [999999] not found',
    ]);
    expect(
      (await raw({ operation: 'OF24', method: 'POST', path: '/api/offers', body: { offers: 'x' } }))?.[0],
    ).toBe(400);
    const res = await fetch(`${base}/mp/${mp}/api/offers`, {
      method: 'POST',
      headers: { authorization: decathlon.apiKey, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    const multipartLie = await fetch(`${base}/mp/${mp}/api/products/imports`, {
      method: 'POST',
      headers: { authorization: decathlon.apiKey, 'content-type': 'multipart/form-data; boundary=zzz' },
      body: 'garbage without parts',
    });
    expect(multipartLie.status).toBe(400);
  });

  async function restartWith(random: () => number): Promise<MiraklSandbox> {
    await sandbox.close();
    const next = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: ADMIN, random });
    base = await next.listen();
    return next;
  }
});
