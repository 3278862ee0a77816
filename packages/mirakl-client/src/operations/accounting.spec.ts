import { fakeTransport } from '../testing/fake-transport.spec-helper';
import { amountToCents, listBillingCycles, listTransactionLines } from './accounting';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe(amountToCents.name, () => {
  it('reads Mirakl amounts as exact cents, and refuses what is not an amount', () => {
    expect([19.99, -0.5, 0.1 + 0.2 - 0.3, '4545.20', 1e6].map(amountToCents)).toEqual([
      1999, -50, 0, 454520, 1e8,
    ]);
    for (const bad of [1.234, Number.NaN, null, undefined, '12,5'])
      expect(() => amountToCents(bad as number)).toThrow(RangeError);
  });
});

describe(listTransactionLines.name, () => {
  it('follows next_page_token to the last page, sending the filters and the token', async () => {
    const { transport, requests } = fakeTransport((req) => {
      const token = req.query?.page_token;
      if (token === undefined) return { data: [{ id: '1' }, { id: '2' }], next_page_token: 'p2' };
      if (token === 'p2')
        return { data: [{ id: '3', type: 'SOMETHING_NEW', extra: true }], next_page_token: 'p3' };
      return { data: null };
    });
    const lines = await all(
      listTransactionLines(transport, { paymentStates: ['PAYABLE'], sort: { field: 'lastUpdated' } }, 2),
    );
    expect(lines.map((l) => l.id)).toEqual(['1', '2', '3']);
    expect(requests.map((r) => [r.query?.page_token, r.query?.limit, r.query?.sort, r.continuation])).toEqual(
      [
        [undefined, 2, 'lastUpdated,desc', false],
        ['p2', 2, 'lastUpdated,desc', true],
        ['p3', 2, 'lastUpdated,desc', true],
      ],
    );
    expect(requests.every((r) => (r.query?.payment_state as string[])[0] === 'PAYABLE')).toBe(true);
  });

  it('sends id lists 100 at a time, every combination once, and nothing for an empty list', async () => {
    const { transport, requests } = fakeTransport(() => ({ data: [] }));
    const orderIds = Array.from({ length: 250 }, (_, i) => `O${i}-A`);
    await all(listTransactionLines(transport, { orderIds, orderLineIds: ['L1', 'L2'] }));
    expect(requests.map((r) => [(r.query?.order_id as string[]).length, r.query?.order_line_id])).toEqual([
      [100, ['L1', 'L2']],
      [100, ['L1', 'L2']],
      [50, ['L1', 'L2']],
    ]);
    const none = fakeTransport(() => ({ data: [{ id: 'x' }] }));
    expect(await all(listTransactionLines(none.transport, { orderIds: [] }))).toEqual([]);
    expect(none.requests).toHaveLength(0);
  });

  it('refuses a page size Mirakl would refuse', async () => {
    const { transport } = fakeTransport(() => ({ data: [] }));
    await expect(all(listTransactionLines(transport, {}, 2001))).rejects.toThrow('1 to 2000');
    await expect(all(listBillingCycles(transport, {}, 0))).rejects.toThrow('1 to 1000');
  });
});
