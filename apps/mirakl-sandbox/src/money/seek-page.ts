import { SandboxRefusal } from '../orders/order-book';

/** A seek-paged resource: its sort fields (with default directions), default and maximum page size. */
export interface SeekSpec<T> {
  sorts: Record<string, { desc: boolean; key: (item: T) => number }>;
  defaultSort: string;
  defaultLimit: number;
  maxLimit: number;
  /** Tie-breaker, unique per item. */
  seq: (item: T) => number;
}

/** What a page token carries: the query it belongs to, the sort, and where the page starts. */
interface Token {
  /** The filters of the first call (the filters of a later call are those of its token). */
  q: string;
  s: string;
  d: boolean;
  /** Sort key and seq of the item the page starts after (`n`) or ends before (`p`). */
  k: [number, number];
  w: 'n' | 'p';
}

const PAGING_PARAMS = new Set(['limit', 'page_token', 'sort', 'order', 'shop_id']);

/**
 * Seek paging as Mirakl does it (TL02, SBC11, ST11): `limit` (default and maximum per operation, over the
 * maximum a 400), an opaque `page_token`, and `next_page_token` / `previous_page_token` present only when
 * there is such a page. A token holds the query and the position, so a page is stable even if the caller
 * sends the filters again or not at all. Sort: `sort=<field>` or `sort=<field>,<asc|desc>`, or `order=`.
 */
export function seekPage<T>(
  url: URL,
  spec: SeekSpec<T>,
  select: (filters: URLSearchParams) => T[],
): { data: T[]; next_page_token?: string; previous_page_token?: string } {
  const q = url.searchParams;
  const limit = limitOf(q.get('limit'), spec);
  const raw = q.get('page_token');
  const token = raw === null ? undefined : decode(raw, spec);
  let sort = spec.defaultSort;
  let desc = spec.sorts[sort].desc;
  let query: string;
  if (token) {
    [sort, desc, query] = [token.s, token.d, token.q];
  } else {
    const filters = new URLSearchParams([...q].filter(([k]) => !PAGING_PARAMS.has(k)));
    query = filters.toString();
    ({ sort, desc } = sortOf(q, spec));
  }
  const keyOf = spec.sorts[sort].key;
  const dir = desc ? -1 : 1;
  const cmp = (a: [number, number], b: [number, number]) => dir * (a[0] - b[0] || a[1] - b[1]);
  const pos = (item: T): [number, number] => [keyOf(item), spec.seq(item)];
  const items = select(new URLSearchParams(query)).sort((a, b) => cmp(pos(a), pos(b)));
  let start = 0;
  let end = Math.min(limit, items.length);
  if (token?.w === 'n') {
    start = firstIndex(items, (x) => cmp(pos(x), token.k) > 0);
    end = Math.min(items.length, start + limit);
  } else if (token?.w === 'p') {
    end = firstIndex(items, (x) => cmp(pos(x), token.k) >= 0);
    start = Math.max(0, end - limit);
  }
  const page = items.slice(start, end);
  const make = (w: 'n' | 'p', item: T) => encode({ q: query, s: sort, d: desc, k: pos(item), w });
  return {
    data: page,
    ...(end < items.length && page.length > 0 ? { next_page_token: make('n', page[page.length - 1]) } : {}),
    ...(start > 0 && page.length > 0 ? { previous_page_token: make('p', page[0]) } : {}),
  };
}

function limitOf(
  v: string | null,
  spec: Pick<SeekSpec<never>, 'sorts' | 'defaultSort' | 'defaultLimit' | 'maxLimit'>,
): number {
  if (v === null) return spec.defaultLimit;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1)
    throw new SandboxRefusal(400, `Invalid value for parameter limit: ${v} (a positive integer is expected)`);
  if (Number(v) > spec.maxLimit)
    throw new SandboxRefusal(400, `The maximum allowed value for parameter limit is ${spec.maxLimit}`);
  return Number(v);
}

function sortOf(
  q: URLSearchParams,
  spec: Pick<SeekSpec<never>, 'sorts' | 'defaultSort' | 'defaultLimit' | 'maxLimit'>,
): { sort: string; desc: boolean } {
  const [field, inline] = (q.get('sort') ?? spec.defaultSort).split(',').map((s) => s.trim());
  if (!Object.hasOwn(spec.sorts, field))
    throw new SandboxRefusal(
      400,
      `Invalid sort field: ${field} (one of ${Object.keys(spec.sorts).join(', ')})`,
    );
  const direction = (inline ?? q.get('order') ?? '').toLowerCase();
  if (direction !== '' && direction !== 'asc' && direction !== 'desc')
    throw new SandboxRefusal(400, `Invalid sort direction: ${direction} (asc or desc)`);
  return { sort: field, desc: direction === '' ? spec.sorts[field].desc : direction === 'desc' };
}

const encode = (t: Token) => Buffer.from(JSON.stringify(t)).toString('base64url');

function decode(
  raw: string,
  spec: Pick<SeekSpec<never>, 'sorts' | 'defaultSort' | 'defaultLimit' | 'maxLimit'>,
): Token {
  const invalid = () => new SandboxRefusal(400, 'Invalid page_token');
  if (raw.length === 0 || raw.length > 16_000 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let t: Partial<Token>;
  try {
    t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    throw invalid();
  }
  const ok =
    t !== null &&
    typeof t === 'object' &&
    typeof t.q === 'string' &&
    typeof t.s === 'string' &&
    Object.hasOwn(spec.sorts, t.s) &&
    typeof t.d === 'boolean' &&
    (t.w === 'n' || t.w === 'p') &&
    Array.isArray(t.k) &&
    t.k.length === 2 &&
    t.k.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!ok) throw invalid();
  return t as Token;
}

/** The first index whose item satisfies `pred`, in an array where `pred` goes false… then true… */
function firstIndex<T>(items: T[], pred: (x: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(items[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
