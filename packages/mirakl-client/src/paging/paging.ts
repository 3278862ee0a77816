import type { MiraklResponse } from '../http/transport';
import { nextLink } from './link-header';

/** Fetches one page; `url` is the server's next-page link when it gave one. */
export type PageFetcher<B> = (page: {
  offset: number;
  max: number;
  url?: string;
  first: boolean;
}) => Promise<MiraklResponse<B>>;

/**
 * Every item of an offset-paged list (OR11, OF21, IV01…), page after page. Follows the `Link` next page when
 * the server sends one, else moves `offset` by what came back, until `total_count` is reached or a page comes
 * back short or empty. Mirakl's default page is 10: never stop after the first page (failure mode 3).
 */
export async function* offsetPaged<B, T>(
  fetchPage: PageFetcher<B>,
  itemsOf: (body: B | undefined) => readonly T[] | undefined | null,
  max = 100,
): AsyncGenerator<T, void> {
  let offset = 0;
  let url: string | undefined;
  const followed = new Set<string>();
  for (let first = true; ; first = false) {
    const res = await fetchPage({ offset, max, url, first });
    const items = itemsOf(res.body) ?? [];
    yield* items;
    offset += items.length;
    const total = (res.body as { total_count?: unknown } | undefined)?.total_count;
    const next = nextLink(res.headers.get('link'));
    if (items.length === 0) return;
    if (typeof total === 'number' && offset >= total) return;
    if (next && followed.has(next)) return; // a link back to a page already read would loop forever
    if (next) {
      followed.add(next);
      url = next;
    } else if (typeof total !== 'number' && items.length < max) return;
    else url = undefined;
  }
}

/** Every item of a seek-paged list (TL02, ST11, OF04): `page_token` until no `next_page_token` comes back. */
export async function* seekPaged<B extends { next_page_token?: string | null }, T>(
  fetchPage: (page: { pageToken?: string; first: boolean }) => Promise<MiraklResponse<B>>,
  itemsOf: (body: B | undefined) => readonly T[] | undefined | null,
): AsyncGenerator<T, void> {
  const seen = new Set<string>();
  let pageToken: string | undefined;
  for (let first = true; ; first = false) {
    const res = await fetchPage({ pageToken, first });
    yield* itemsOf(res.body) ?? [];
    const next = res.body?.next_page_token ?? undefined;
    if (!next || seen.has(next)) return; // a token seen before would loop forever
    seen.add(next);
    pageToken = next;
  }
}
