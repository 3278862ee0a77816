import type { IncomingMessage } from 'node:http';
import type { MarketplaceSettings } from '../marketplace';
import { SandboxRefusal } from '../orders/order-book';

/** What a seller API route gets: the marketplace it was called on, the request, its body, path captures. */
export interface RouteContext {
  mp: MarketplaceSettings;
  req: IncomingMessage;
  url: URL;
  /** The raw request body (multipart uploads are bytes). */
  body: Buffer;
  /** Named captures of the route's pattern, percent-decoded. */
  params: Record<string, string>;
  /** This marketplace's base URL as callers reach it (for `Link` and `Location` headers). */
  base: string;
}

/** A route's answer. A `write` (a state change) may be answered by a dropped connection under faults. */
export interface RouteReply {
  status: number;
  /** JSON, or a string sent as-is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  write?: boolean;
}

/** One Mirakl operation: its code (the rate-limit lane and fault key), method and path under `/api`. */
export interface SandboxRoute {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the path from `/api` on, e.g. `^/api/orders/(?<orderId>[^/]+)/accept$`. */
  path: RegExp;
  handle(ctx: RouteContext): RouteReply | Promise<RouteReply>;
}

/** An admin API route (seeding, clock, faults, truth), matched on the path after `/admin`. */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. `^/marketplaces/(?<mp>[^/]+)/billing-cycles/close$`. */
  path: RegExp;
  /** `json` is the body parsed as an object (`{}` when empty); throw a RangeError for a 400. */
  handle(ctx: { json: Record<string, unknown>; url: URL; params: Record<string, string> }): RouteReply;
}

export const written = (): RouteReply => ({ status: 204, write: true });

/** A JSON object body (an empty body is `{}`); Mirakl's 400 for anything else. */
export function jsonObject(body: Buffer | string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString() || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new SandboxRefusal(400, 'Malformed JSON body: a JSON object is expected');
}

/** The named fields, each a string or absent; Mirakl's 400 naming the first that is anything else. */
export function stringFields<K extends string>(
  body: Record<string, unknown>,
  names: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new SandboxRefusal(400, `${name} must be a string`);
    out[name] = v;
  }
  return out;
}

/** A comma-separated query value as a list; undefined when absent or empty. */
export const list = (v: string | null): string[] | undefined =>
  v === null || v === ''
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export const MAX_IDS = 100;

/** Mirakl's 400 for an id filter over 100 values. */
export function idFilter(q: URLSearchParams, name: string): string[] | undefined {
  const ids = list(q.get(name));
  if (ids && ids.length > MAX_IDS)
    throw new SandboxRefusal(400, `The limit of ${MAX_IDS} is exceeded for the parameter : ${name}`);
  return ids;
}

/**
 * A multi-valued query parameter, repeated or comma-separated (`commas: false`: repeated only, as ST11
 * documents it, where `a,b` is one value); undefined when absent. At most 100 values, and each must pass
 * `valid` (an enum, a format), else Mirakl's 400.
 */
export function multiParam(
  q: URLSearchParams,
  name: string,
  valid?: (v: string) => boolean,
  commas = true,
): Set<string> | undefined {
  const values = q
    .getAll(name)
    .flatMap((v) => (commas ? v.split(',') : [v]).map((s) => s.trim()).filter(Boolean));
  if (values.length === 0) return undefined;
  if (values.length > 100)
    throw new SandboxRefusal(400, `The limit of 100 is exceeded for the parameter : ${name}`);
  const bad = valid && values.find((v) => !valid(v));
  if (bad !== undefined) throw new SandboxRefusal(400, `Invalid value for parameter ${name}: ${bad}`);
  return new Set(values);
}

/** An ISO date query parameter as epoch ms; 400 when it is not a date. */
export function dateParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new SandboxRefusal(400, `Invalid date for parameter ${name}: ${v}`);
  return t;
}

/**
 * Offset paging as Mirakl does it (OR11, OF21, IV01): `max` (default 10, at most 100) and `offset`, the
 * total in `total_count`, and a `Link` header to the next page whose list values keep their literal commas.
 * `paginate=false` returns everything in one answer; a `max` or `offset` that is not a whole number is a 400.
 */
export function offsetPage<T>(
  items: T[],
  url: URL,
  publicBase: string,
): { page: T[]; total_count: number; headers: Record<string, string> } {
  const q = url.searchParams;
  const whole = (name: string, fallback: number, min: number) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new SandboxRefusal(400, `Invalid value for parameter ${name}: ${raw}`);
    return n;
  };
  const paginate = q.get('paginate') !== 'false';
  const max = paginate ? Math.min(100, whole('max', 10, 1)) : Math.max(items.length, 1);
  const offset = paginate ? whole('offset', 0, 0) : 0;
  const page = items.slice(offset, offset + max);
  const headers: Record<string, string> = {};
  if (offset + page.length < items.length) {
    const next = new URL(url.toString());
    next.searchParams.set('offset', String(offset + page.length));
    next.searchParams.set('max', String(max));
    headers.link = `<${publicBase}${next.pathname.replace(/^\/mp\/[^/]+/, '')}?${next.searchParams.toString().replace(/%2C/gi, ',')}>; rel="next"`;
  }
  return { page, total_count: items.length, headers };
}
