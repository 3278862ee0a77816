import LinkHeader from 'http-link-header';

/**
 * The `next` URL of an RFC 8288 `Link` header, as Mirakl sends it on offset-paged lists:
 *   Link: <https://x.mirakl.net/api/orders?max=100&offset=100&order_state_codes=SHIPPING,SHIPPED>; rel="next"
 * URLs are delimited by `<` and `>`, so commas inside them (as in `order_state_codes` above) are data, not
 * separators: a parser that splits on commas first (a bug seen in real connectors) loses the next page.
 * Parsing is http-link-header's (RFC 8288); a malformed header gives no link, never an exception.
 */
export function nextLink(header: string | null | undefined): string | undefined {
  return parseLinkHeader(header).find((l) => l.rel.split(/\s+/).includes('next'))?.url;
}

export interface LinkValue {
  url: string;
  rel: string;
}

/** Every link of the header that has a URL and a `rel` (lower-cased). */
export function parseLinkHeader(header: string | null | undefined): LinkValue[] {
  if (!header) return [];
  try {
    return LinkHeader.parse(header)
      .refs.filter((r) => r.uri && r.rel)
      .map((r) => ({ url: r.uri.trim(), rel: r.rel.trim().toLowerCase() }));
  } catch {
    return [];
  }
}
