import type { MiraklResponse } from '../http/transport';
import { offsetPaged, seekPaged } from './paging';

const page = <B>(body: B, link?: string): MiraklResponse<B> => ({
  status: 200,
  body,
  headers: new Headers(link ? { link } : {}),
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe(offsetPaged.name, () => {
  const orders = Array.from({ length: 250 }, (_, i) => ({ order_id: `O${i}-A` }));

  it('reads every page by total_count, whatever page size the server chooses', async () => {
    const asked: number[] = [];
    const items = await all(
      offsetPaged(
        async ({ offset }) => {
          asked.push(offset);
          return page({ orders: orders.slice(offset, offset + 10), total_count: 250 }); // server caps at 10
        },
        (b) => b?.orders,
      ),
    );
    expect(items).toEqual(orders);
    expect(asked).toHaveLength(25);
  });

  it('follows the Link next page, commas in its query included', async () => {
    const urls: (string | undefined)[] = [];
    const next = 'https://mp.example/api/orders?offset=2&max=2&order_state_codes=SHIPPING,SHIPPED';
    const items = await all(
      offsetPaged(
        async ({ url }) => {
          urls.push(url);
          return url
            ? page({ orders: orders.slice(2, 3) })
            : page({ orders: orders.slice(0, 2) }, `<${next}>; rel="next"`);
        },
        (b) => b?.orders,
        2,
      ),
    );
    expect(urls).toEqual([undefined, next]);
    expect(items).toEqual(orders.slice(0, 3));
  });

  it('stops on a short page without total_count, and on an empty page whatever total_count says', async () => {
    expect(
      await all(
        offsetPaged(
          async () => page({ orders: orders.slice(0, 3) }),
          (b) => b?.orders,
          5,
        ),
      ),
    ).toHaveLength(3);
    let calls = 0;
    const items = await all(
      offsetPaged(
        async () => {
          calls++;
          return page({ orders: calls === 1 ? orders.slice(0, 5) : [], total_count: 1000 });
        },
        (b) => b?.orders,
        5,
      ),
    );
    expect(items).toHaveLength(5);
    expect(calls).toBe(2);
  });

  it('stops when a Link points back to a page already read (no total_count to end on)', async () => {
    let calls = 0;
    const items = await all(
      offsetPaged(
        async () => {
          calls++;
          return page(
            { orders: orders.slice(0, 100) },
            '<https://x/api/orders?offset=100&max=100>; rel="next"',
          );
        },
        (b) => b?.orders,
      ),
    );
    expect(calls).toBe(2); // the first page, then the linked one; the same link again ends the read
    expect(items).toHaveLength(200);
  });

  it('treats a null list as empty (Mirakl sends nulls)', async () => {
    expect(
      await all(
        offsetPaged(
          async () => page({ orders: null, total_count: 0 }),
          (b) => b?.orders,
        ),
      ),
    ).toEqual([]);
  });
});

describe(seekPaged.name, () => {
  it('follows next_page_token to the end, and stops on a token it has seen', async () => {
    const tokens: (string | undefined)[] = [];
    const pages: Record<string, { data: number[]; next_page_token?: string }> = {
      start: { data: [1, 2], next_page_token: 'p2' },
      p2: { data: [3], next_page_token: 'p3' },
      p3: { data: [4], next_page_token: 'p2' },
    };
    const items = await all(
      seekPaged(
        async ({ pageToken }) => {
          tokens.push(pageToken);
          return page(pages[pageToken ?? 'start']);
        },
        (b) => b?.data,
      ),
    );
    expect(items).toEqual([1, 2, 3, 4]);
    expect(tokens).toEqual([undefined, 'p2', 'p3']);
  });
});
