import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { MarketplaceSettings } from '../marketplace';
import { OrderBook, SandboxRefusal, type OrderInput } from '../orders/order-book';
import { SandboxClock } from '../sandbox-clock';

/** Switchable faults of one marketplace (admin API). */
export interface Faults {
  /** Share of seller API calls answered 500 (0..1). */
  error5xxRate: number;
  /** Added to every seller API answer. */
  latencyMs: number;
  /** Share of calls whose connection is dropped without an answer (0..1). */
  dropRate: number;
  /** Share of writes applied and then answered by a dropped connection: the write landed, the caller can't know. */
  dropAfterWriteRate: number;
  /** Answer 411 to a PUT sent without a body (no or zero length), as some Mirakl servers do. */
  require411: boolean;
  /** Per-operation limit: at most `limit` calls per `perMs`, else 429 with Retry-After. */
  rateLimits: Record<string, { limit: number; perMs: number }>;
}

const noFaults = (): Faults => ({
  error5xxRate: 0,
  latencyMs: 0,
  dropRate: 0,
  dropAfterWriteRate: 0,
  require411: false,
  rateLimits: {},
});

export interface SandboxOptions {
  marketplaces: MarketplaceSettings[];
  /** Token for the admin API (`x-admin-token`). */
  adminToken: string;
  random?: () => number;
}

const MAX_IDS = 100;
const MAX_BODY = 1_000_000;

/**
 * Mirakl's seller API for several marketplaces at once, each under `/mp/<code>` (its own instance: base URL
 * `http://host:port/mp/<code>`, its own key), plus an admin API under `/admin` to seed orders, move the clock,
 * inject faults and read the truth. Implemented: OR11, OR21, OR23, OR24, SH12, SH21.
 */
export class MiraklSandbox {
  readonly clock = new SandboxClock();
  readonly orders: OrderBook;
  readonly faults = new Map<string, Faults>();
  private readonly marketplaces: Map<string, MarketplaceSettings>;
  private readonly calls = new Map<string, number[]>();
  private server?: Server;
  private readonly random: () => number;

  constructor(private readonly options: SandboxOptions) {
    this.marketplaces = new Map(options.marketplaces.map((m) => [m.code, m]));
    this.orders = new OrderBook(this.clock, this.marketplaces);
    for (const m of options.marketplaces) this.faults.set(m.code, noFaults());
    this.random = options.random ?? Math.random;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) =>
        send(res, 500, { status: 500, message: `sandbox error: ${String(err)}` }),
      );
    });
    await new Promise<void>((r) => this.server!.listen(port, host, () => r()));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'admin') return this.admin(req, res, parts.slice(1), url);
    if (parts[0] !== 'mp' || parts[2] !== 'api') return send(res, 404, { status: 404, message: 'Not found' });
    const mp = this.marketplaces.get(parts[1]);
    if (!mp) return send(res, 404, { status: 404, message: 'Not found' });
    if (!safeEqual(req.headers.authorization ?? '', mp.apiKey))
      return send(res, 401, { status: 401, message: 'Unauthorized' });
    const shopId = url.searchParams.get('shop_id');
    if (shopId !== null && shopId !== mp.shopId)
      return send(res, 403, { status: 403, message: `Shop ${shopId} is not accessible with this key` });
    const path = `/${parts.slice(2).join('/')}`;
    const op = operationOf(req.method ?? '', path);
    if (!op) return send(res, 404, { status: 404, message: `No such operation: ${req.method} ${path}` });

    const faults = this.faults.get(mp.code)!;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const limit = faults.rateLimits[op];
    if (limit) {
      const now = Date.now();
      const recent = (this.calls.get(`${mp.code}/${op}`) ?? []).filter((t) => t > now - limit.perMs);
      if (recent.length >= limit.limit) {
        const retryAfter = Math.max(1, Math.ceil((recent[0] + limit.perMs - now) / 1000));
        return send(
          res,
          429,
          { status: 429, message: 'Too Many Requests' },
          { 'retry-after': String(retryAfter) },
        );
      }
      recent.push(now);
      this.calls.set(`${mp.code}/${op}`, recent);
    }
    if (this.random() < faults.dropRate) return void req.socket.destroy();
    if (this.random() < faults.error5xxRate)
      return send(res, 500, { status: 500, message: 'Internal Server Error' });

    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { status: 413, message: 'Payload too large' });
    if (req.method === 'PUT' && faults.require411 && body.length === 0) {
      return send(res, 411, { status: 411, message: 'Length Required' });
    }
    try {
      // `/api/orders/<order_id>/...`: the order id, percent-decoded (a malformed escape is the caller's 400).
      const orderId = parts[3] === 'orders' && parts[4] !== undefined ? decodePathSegment(parts[4]) : '';
      switch (op) {
        case 'OR11':
          return this.or11(res, mp, url);
        case 'OR21':
          return this.or21(res, mp, orderId, body);
        case 'SH21':
          return send(res, 200, { carriers: mp.carriers });
        case 'SH12':
          return send(res, 200, { shipping_types: mp.shippingTypes });
        case 'OR23':
          this.orders.setTracking(mp.code, orderId, stringFields(jsonObject(body), TRACKING_FIELDS));
          return this.written(req, res, faults);
        case 'OR24':
          this.orders.ship(mp.code, orderId);
          return this.written(req, res, faults);
      }
    } catch (err) {
      if (err instanceof SandboxRefusal)
        return send(res, err.status, {
          status: err.status,
          message: err.message,
          ...(err.code ? { code: err.code } : {}),
        });
      throw err;
    }
  }

  /** OR11: filters, `start_update_date` minus the margin, offset paging (default 10) with a `Link` header. */
  private or11(res: ServerResponse, mp: MarketplaceSettings, url: URL): void {
    const q = url.searchParams;
    const ids = list(q.get('order_ids'));
    if (ids && ids.length > MAX_IDS)
      throw new SandboxRefusal(400, `The limit of ${MAX_IDS} is exceeded for the parameter : order_ids`);
    const states = list(q.get('order_state_codes'));
    const date = (name: string) => {
      const v = q.get(name);
      if (v === null) return undefined;
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw new SandboxRefusal(400, `Invalid date for parameter ${name}: ${v}`);
      return t;
    };
    const startUpdate = date('start_update_date');
    const endUpdate = date('end_update_date');
    const max = Math.min(100, Math.max(1, Number(q.get('max') ?? 10) || 10));
    const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
    const matching = this.orders.list(mp.code).filter((o) => {
      const updated = Date.parse(o.last_updated_date as string);
      return (
        (!ids || ids.includes(o.order_id as string)) &&
        (!states || states.includes(o.order_state as string)) &&
        (startUpdate === undefined || updated >= startUpdate - mp.updateDateMarginMs) &&
        (endUpdate === undefined || updated <= endUpdate)
      );
    });
    const page = matching.slice(offset, offset + max);
    const headers: Record<string, string> = {};
    if (offset + page.length < matching.length) {
      const next = new URL(url.toString());
      next.searchParams.set('offset', String(offset + page.length));
      next.searchParams.set('max', String(max));
      // Mirakl writes list values with literal commas in its links.
      headers.link = `<${this.publicBase(mp)}${next.pathname.replace(/^\/mp\/[^/]+/, '')}?${next.searchParams.toString().replace(/%2C/gi, ',')}>; rel="next"`;
    }
    send(res, 200, { orders: structuredClone(page), total_count: matching.length }, headers);
  }

  private or21(res: ServerResponse, mp: MarketplaceSettings, orderId: string, body: string): void {
    const parsed = jsonObject(body);
    const lines = Array.isArray(parsed.order_lines) ? parsed.order_lines : [];
    const decisions = lines
      .filter(
        (l): l is { id: string; accepted: boolean } =>
          typeof l === 'object' && l !== null && typeof (l as { id?: unknown }).id === 'string',
      )
      .map((l) => ({ id: l.id, accepted: l.accepted }));
    this.orders.accept(mp.code, orderId, decisions);
    this.written(res.req, res, this.faults.get(mp.code)!);
  }

  /** A write was applied: answer 204, or (fault) drop the connection so the caller cannot tell it landed. */
  private written(req: IncomingMessage, res: ServerResponse, faults: Faults): void {
    if (this.random() < faults.dropAfterWriteRate) return void req.socket.destroy();
    send(res, 204);
  }

  private async admin(req: IncomingMessage, res: ServerResponse, parts: string[], url: URL): Promise<void> {
    if (!safeEqual(String(req.headers['x-admin-token'] ?? ''), this.options.adminToken)) {
      return send(res, 401, { message: 'admin token required (x-admin-token)' });
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { message: 'body too large' });
    try {
      const json = jsonObject(body);
      const [area, mpCode, sub] = parts;
      if (req.method === 'POST' && area === 'clock' && mpCode === 'advance') {
        this.clock.advance(Number(json.ms));
        this.orders.settle();
        return send(res, 200, { now: new Date(this.clock.now()).toISOString() });
      }
      if (area === 'marketplaces' && mpCode && this.marketplaces.has(mpCode)) {
        if (req.method === 'POST' && sub === 'orders') {
          return send(res, 201, { order_id: this.orders.place(mpCode, json as unknown as OrderInput) });
        }
        if (req.method === 'GET' && sub === 'tracking-updates') {
          return send(res, 200, {
            tracking_updates: this.orders.trackingUpdates.filter((t) => t.marketplace === mpCode),
          });
        }
        if (req.method === 'GET' && sub === 'orders') {
          const id = url.searchParams.get('order_id');
          const all = this.orders.list(mpCode);
          return send(res, 200, { orders: id ? all.filter((o) => o.order_id === id) : all });
        }
        if (req.method === 'PUT' && sub === 'faults') {
          this.faults.set(mpCode, { ...noFaults(), ...(json as Partial<Faults>) });
          return send(res, 200, this.faults.get(mpCode));
        }
      }
      return send(res, 404, { message: `no admin route ${req.method} /admin/${parts.join('/')}` });
    } catch (err) {
      return send(res, 400, { message: err instanceof Error ? err.message : String(err) });
    }
  }

  private publicBase(mp: MarketplaceSettings): string {
    return `http://${(this.server!.address() as AddressInfo).address}:${(this.server!.address() as AddressInfo).port}/mp/${mp.code}`;
  }
}

type Operation = 'OR11' | 'OR21' | 'OR23' | 'OR24' | 'SH12' | 'SH21';

function operationOf(method: string, path: string): Operation | undefined {
  if (method === 'GET' && path === '/api/orders') return 'OR11';
  if (method === 'PUT' && /^\/api\/orders\/[^/]+\/accept$/.test(path)) return 'OR21';
  if (method === 'PUT' && /^\/api\/orders\/[^/]+\/tracking$/.test(path)) return 'OR23';
  if (method === 'PUT' && /^\/api\/orders\/[^/]+\/ship$/.test(path)) return 'OR24';
  if (method === 'GET' && path === '/api/shipping/carriers') return 'SH21';
  if (method === 'GET' && path === '/api/shipping/types') return 'SH12';
  return undefined;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SandboxRefusal(400, `Malformed path segment: ${segment}`);
  }
}

/** A JSON object body (an empty body is `{}`); Mirakl's 400 for anything else. */
function jsonObject(body: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new SandboxRefusal(400, 'Malformed JSON body: a JSON object is expected');
}

const TRACKING_FIELDS = ['carrier_code', 'carrier_name', 'carrier_url', 'tracking_number'] as const;

/** The named fields, each a string or absent; Mirakl's 400 naming the first that is anything else. */
function stringFields<K extends string>(
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

const list = (v: string | null) =>
  v === null || v === ''
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** The request body as text; undefined when it exceeds the limit (the caller answers 413). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
