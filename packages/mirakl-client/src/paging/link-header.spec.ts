import { nextLink, parseLinkHeader } from './link-header';

describe(nextLink.name, () => {
  it('keeps commas inside the URL (failure mode 4: a comma split loses the next page)', () => {
    const url =
      'https://mp.example/api/orders?max=100&offset=100&order_state_codes=SHIPPING,SHIPPED,RECEIVED';
    expect(nextLink(`<${url}>; rel="next"`)).toBe(url);
  });

  it('finds next among several links in any order, rel quoted or not', () => {
    const header =
      '<https://mp.example/api/orders?offset=0&order_ids=A-1,B-2>; rel="prev", ' +
      '<https://mp.example/api/orders?offset=200&order_ids=A-1,B-2>; rel=next';
    expect(nextLink(header)).toBe('https://mp.example/api/orders?offset=200&order_ids=A-1,B-2');
    expect(parseLinkHeader(header).map((l) => l.rel)).toEqual(['prev', 'next']);
  });

  it('ignores commas inside quoted parameters and accepts several rel values', () => {
    const header =
      '<https://mp.example/a>; title="a, b"; rel="prev", <https://mp.example/b>; rel="last next"';
    expect(nextLink(header)).toBe('https://mp.example/b');
  });

  it('answers undefined, never throws, on a missing, empty or malformed header', () => {
    for (const h of [undefined, null, '', 'garbage', '<unterminated', '<https://mp.example/x>; title="x"']) {
      expect(nextLink(h)).toBeUndefined();
    }
  });
});
