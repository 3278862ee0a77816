import {
  amountToCents,
  listAccountingDocuments,
  listBillingCycles,
  listTransactionLines,
  MiraklApiError,
  MiraklClient,
} from '@seller-bridge/mirakl-client';
import { demoMarketplaces } from '../src/marketplace';
import { MiraklSandbox } from '../src/http/sandbox-server';

const DAY = 24 * 3_600_000;

/** The money side end to end: the sandbox books it as Mirakl does (TL02, IV01, SBC11), the client reads it all. */
describe('Mirakl money: client against the sandbox', () => {
  const ADMIN = 'test-admin-token';
  let sandbox: MiraklSandbox;
  let base: string;
  const [decathlon] = demoMarketplaces();

  beforeEach(async () => {
    sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: ADMIN, random: () => 1 });
    base = await sandbox.listen();
  });
  afterEach(async () => sandbox.close());

  const client = (extra: ConstructorParameters<typeof MiraklClient>[1] = {}) =>
    new MiraklClient(
      {
        marketplace: decathlon.code,
        baseUrl: `${base}/mp/${decathlon.code}`,
        apiKey: decathlon.apiKey,
        shopId: decathlon.shopId,
      },
      { unlimited: true, retryBaseMs: 5, retryMaxMs: 20, ...extra },
    );
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${base}/admin${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'x-admin-token': ADMIN },
    });
  async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }
  const cents = (xs: { amount?: number | null }[]) => xs.reduce((s, x) => s + amountToCents(x.amount), 0);

  /** Orders accepted through the client and debited: each gives 6 TL02 lines (amount, shipping, commission, taxes). */
  async function debitedOrders(n: number, unitPrice = 120): Promise<string[]> {
    const c = client();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = sandbox.orders.place(decathlon.code, {
        customerId: `C-${i}`,
        lines: [{ offerSku: 'SKU-1', quantity: 1, unitPrice }],
      });
      await c.acceptOrder(id, [{ id: `${id}-1`, accepted: true }]);
      ids.push(id);
    }
    sandbox.clock.advance(decathlon.debitMs);
    return ids;
  }

  it('reads every TL02 page by seek paging at the 2000 cap, and gets a 400 over it', async () => {
    await debitedOrders(360);
    const calls: string[] = [];
    const c = client({ observe: (call) => calls.push(`${call.operation}:${call.status}`) });
    const lines = await all(listTransactionLines(c.transport));
    expect(lines).toHaveLength(360 * 6);
    expect(new Set(lines.map((l) => l.id)).size).toBe(360 * 6);
    expect(calls).toEqual(['TL02:200', 'TL02:200']); // 2000 + 160
    expect(await all(listTransactionLines(c.transport, {}, 500))).toHaveLength(2160);

    const tl02 = (query: Record<string, string>) =>
      c.transport
        .call({ operation: 'TL02', method: 'GET', path: '/api/sellerpayment/transactions_logs', query })
        .catch((e: unknown) => e as MiraklApiError);
    const cases: [Record<string, string>, string][] = [
      [{ limit: '2001' }, 'The maximum allowed value for parameter limit is 2000'],
      [{ limit: '-3' }, 'Invalid value for parameter limit'],
      [{ limit: 'ten' }, 'Invalid value for parameter limit'],
      [{ page_token: 'not-a-token' }, 'Invalid page_token'],
      [{ page_token: 'eyJxIjoxfQ' }, 'Invalid page_token'],
      [{ date_created_from: 'yesterday' }, 'Invalid date'],
      [{ payment_state: 'SOMETIMES' }, 'Invalid value for parameter payment_state'],
      [{ sort: 'amount' }, 'Invalid sort field'],
    ];
    for (const [query, message] of cases) {
      const err = (await tl02(query)) as MiraklApiError;
      expect([err.status, err.miraklMessage?.includes(message)]).toEqual([400, true]);
    }
    await expect(all(listTransactionLines(c.transport, {}, 2001))).rejects.toThrow(RangeError);
    const others: [string, string, Record<string, string>, string][] = [
      ['IV01', '/api/invoices', { max: '-1' }, 'Invalid value for parameter max'],
      ['IV01', '/api/invoices', { offset: 'x' }, 'Invalid value for parameter offset'],
      ['IV01', '/api/invoices', { start_date: '2026-13-45' }, 'Invalid date'],
      ['IV01', '/api/invoices', { type: 'EVERYTHING' }, 'Invalid value for parameter type'],
      [
        'SBC11',
        '/api/seller-billing-cycles',
        { limit: '1001' },
        'maximum allowed value for parameter limit is 1000',
      ],
      ['SBC11', '/api/seller-billing-cycles', { id: 'short' }, 'Invalid value for parameter id'],
    ];
    for (const [operation, path, query, message] of others) {
      const err = (await c.transport
        .call({ operation, method: 'GET', path, query })
        .catch((e: unknown) => e)) as MiraklApiError;
      expect([operation, err.status, err.miraklMessage?.includes(message)]).toEqual([operation, 400, true]);
    }
  });

  it('answers 400 to more than 100 order ids, and the client splits them', async () => {
    const ids = await debitedOrders(150);
    const direct = (await client()
      .transport.call({
        operation: 'TL02',
        method: 'GET',
        path: '/api/sellerpayment/transactions_logs',
        query: { order_id: ids },
      })
      .catch((e: unknown) => e)) as MiraklApiError;
    expect([direct.status, direct.miraklMessage]).toEqual([
      400,
      'The limit of 100 is exceeded for the parameter : order_id',
    ]);
    const wanted = [...ids.slice(0, 120), ...ids.slice(0, 10)]; // duplicates too
    const lines = await all(listTransactionLines(client().transport, { orderIds: wanted }, 100));
    expect(lines).toHaveLength(120 * 6);
    expect(new Set(lines.map((l) => l.entities?.order?.id))).toEqual(new Set(ids.slice(0, 120)));
  });

  it('tolerates a transaction type it has never heard of', async () => {
    const res = await admin('POST', `/marketplaces/${decathlon.code}/transactions`, {
      type: 'GREEN_PACKAGING_FEE',
      amount: -1.5,
      reference: 'ECO-2026-01',
    });
    expect(res.status).toBe(201);
    const lines = await all(
      listTransactionLines(client().transport, {
        transactionTypes: ['GREEN_PACKAGING_FEE'],
        otherReferences: ['ECO-2026-01'],
      }),
    );
    expect(lines.map((l) => [l.type, l.amount, l.amount_debited, l.payment_state])).toEqual([
      ['GREEN_PACKAGING_FEE', -1.5, 1.5, 'PAYABLE'],
    ]);
    const bad = await admin('POST', `/marketplaces/${decathlon.code}/transactions`, {
      type: 'X_FEE',
      amount: 1.234,
    });
    expect(bad.status).toBe(400);
  });

  it('closes a cycle: TL02, IV01 and SBC11 agree, and the payout is the sum of the cycle lines', async () => {
    const [a, b, late] = await debitedOrders(3);
    const c = client();
    for (const id of [a, b]) await c.shipOrder(id);
    sandbox.clock.advance(4 * DAY); // a and b received: payable; `late` still waits to be shipped
    const closed = await admin('POST', `/marketplaces/${decathlon.code}/billing-cycles/close`);
    expect(closed.status).toBe(201);

    const lines = await all(listTransactionLines(c.transport));
    const [cycle] = await all(listBillingCycles(c.transport));
    const inCycle = lines.filter((l) => l.seller_billing_cycle_id === cycle.id && l.type !== 'PAYMENT');
    const payment = lines.filter((l) => l.type === 'PAYMENT');
    const payout = amountToCents(cycle.amount_transferred_to_seller);
    expect(payout).toBeGreaterThan(0);
    expect(cents(inCycle)).toBe(payout);
    expect(payment.map((p) => [amountToCents(p.amount), p.seller_billing_cycle_id])).toEqual([
      [-payout, cycle.id],
    ]);
    expect(cycle.pay_out?.state).toBe('PAID');
    expect(new Set(inCycle.map((l) => l.entities?.order?.id ?? 'no order'))).toEqual(
      new Set([a, b, 'no order']),
    );
    const waiting = lines.filter((l) => l.entities?.order?.id === late);
    expect(waiting.map((l) => [l.payment_state, l.seller_billing_cycle_id])).toEqual(
      Array(6).fill(['PENDING', undefined]),
    );

    const [document] = await all(
      listAccountingDocuments(c.transport, { sellerBillingCycleIds: [cycle.id!] }),
    );
    const fees = inCycle.filter((l) => /^(COMMISSION|SUBSCRIPTION)_/.test(String(l.type)));
    expect(amountToCents(document.total_amount_incl_taxes)).toBe(-cents(fees));
    expect(amountToCents(document.total_amount_incl_taxes)).toBe(
      amountToCents(cycle.amount_transferred_to_operator),
    );
    expect(amountToCents((document.summary as { amount_transferred: number }).amount_transferred)).toBe(
      payout,
    );
    expect(
      inCycle.every((l) => l.accounting_document_number === String(document.invoice_id).padStart(12, '0')),
    ).toBe(true);
    const byCycle = await all(
      listTransactionLines(c.transport, { sellerBillingCycleIds: [cycle.id!], paymentStates: ['PAID'] }),
    );
    expect(byCycle).toHaveLength(inCycle.length + 1);

    // The clock moves past the next cycle end: it closes when read, and pays the order shipped since.
    await c.shipOrder(late);
    sandbox.clock.advance(8 * DAY);
    const cycles = await all(listBillingCycles(c.transport, {}, 1));
    expect(cycles).toHaveLength(2);
    const again = await all(listTransactionLines(c.transport, { orderIds: [late] }));
    expect(again.every((l) => l.payment_state === 'PAID' && l.seller_billing_cycle_id === cycles[1].id)).toBe(
      true,
    );
    const second = await all(listTransactionLines(c.transport, { sellerBillingCycleIds: [cycles[1].id!] }));
    expect(cents(second.filter((l) => l.type !== 'PAYMENT'))).toBe(
      amountToCents(cycles[1].amount_transferred_to_seller),
    );
    expect(await all(listAccountingDocuments(c.transport, {}, 1))).toHaveLength(2); // offset pages of 1, by Link
  });

  it('answers 429 with Retry-After over TL02 rate limit, and the client waits it out', async () => {
    await debitedOrders(1);
    sandbox.faults.get(decathlon.code)!.rateLimits = { TL02: { limit: 1, perMs: 1000 } };
    const statuses: number[] = [];
    const c = client({ observe: (call) => statuses.push(call.status) });
    expect(await all(listTransactionLines(c.transport))).toHaveLength(6);
    const t0 = Date.now();
    expect(await all(listTransactionLines(c.transport))).toHaveLength(6);
    expect(statuses).toEqual([200, 429, 200]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});
