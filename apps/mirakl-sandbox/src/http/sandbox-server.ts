import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { MarketplaceSettings } from '../marketplace';
import { OrderBook, SandboxRefusal, type OrderInput } from '../orders/order-book';
import { orderAdminRoutes, orderRoutes } from '../orders/order-routes';
import { shippingAdminRoutes, shippingRoutes } from '../shipping/shipping-routes';
import { ShipmentBook } from '../shipments/shipment-book';
import { shipmentAdminRoutes, shipmentRoutes } from '../shipments/shipment-routes';
import { ImportQueue } from '../imports/import-queue';
import { OfferStore } from '../offers/offer-store';
import { offerAdminRoutes, offerRoutes } from '../offers/offer-routes';
import { ProductCatalogue } from '../products/product-catalogue';
import { productAdminRoutes, productRoutes } from '../products/product-routes';
import { Buyers, type RealStockSource } from '../buyers/buyers';
import { buyerAdminRoutes } from '../buyers/buyer-routes';
import { SellerLedger } from '../money/seller-ledger';
import { moneyAdminRoutes, moneyRoutes } from '../money/money-routes';
import { jsonObject, type AdminRoute, type SandboxRoute } from './route';
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
  /**
   * Per operation: every call answered with this 4xx and message, and not applied (e.g. `{ OR21: { status:
   * 400, message: '...' } }`): what a platform rule or a revoked right looks like to the caller.
   */
  refuse: Record<string, { status: number; message: string }>;
}

/** A fault setting from the admin API: known fields only, each checked; a RangeError names the bad one. */
export function decodeFaults(json: Record<string, unknown>): Faults {
  const faults = noFaults();
  const known = Object.keys(faults);
  const unknown = Object.keys(json).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new RangeError(`unknown fault fields: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const share = (name: 'error5xxRate' | 'dropRate' | 'dropAfterWriteRate') => {
    const v = json[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new RangeError(`${name} must be a number from 0 to 1`);
    faults[name] = v;
  };
  share('error5xxRate');
  share('dropRate');
  share('dropAfterWriteRate');
  if (json.latencyMs !== undefined) {
    const v = json.latencyMs;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 120_000)
      throw new RangeError('latencyMs must be a whole number of ms from 0 to 120000');
    faults.latencyMs = v;
  }
  if (json.require411 !== undefined) {
    if (typeof json.require411 !== 'boolean') throw new RangeError('require411 must be true or false');
    faults.require411 = json.require411;
  }
  if (json.rateLimits !== undefined) faults.rateLimits = decodeRateLimits(json.rateLimits, 'rateLimits');
  if (json.refuse !== undefined) faults.refuse = decodeRefusals(json.refuse);
  return faults;
}

/** `{ OR21: { status: 400, message } }`, checked: a Mirakl operation code and a 4xx other than 429. */
function decodeRefusals(v: unknown): Faults['refuse'] {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new RangeError('refuse must be an object by operation code');
  const out: Faults['refuse'] = {};
  for (const [op, r] of Object.entries(v as Record<string, unknown>)) {
    const { status, message } = (r ?? {}) as { status?: unknown; message?: unknown };
    if (!/^[A-Z]{1,4}\d{2,3}$/.test(op))
      throw new RangeError(`refuse: '${op}' is not a Mirakl operation code`);
    if (
      typeof status !== 'number' ||
      !Number.isInteger(status) ||
      status < 400 ||
      status > 499 ||
      status === 429
    )
      throw new RangeError(`refuse.${op}.status must be a 4xx other than 429`);
    if (typeof message !== 'string' || !message) throw new RangeError(`refuse.${op}.message is required`);
    out[op] = { status, message };
  }
  return out;
}

/** Per-operation limits `{ OR11: { limit, perMs } }`, checked. */
export function decodeRateLimits(v: unknown, name: string): Faults['rateLimits'] {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new RangeError(`${name} must be an object by operation code`);
  const out: Faults['rateLimits'] = {};
  for (const [op, l] of Object.entries(v as Record<string, unknown>)) {
    const { limit, perMs } = (l ?? {}) as { limit?: unknown; perMs?: unknown };
    if (!/^[A-Z]{1,4}\d{2,3}$/.test(op))
      throw new RangeError(`${name}: '${op}' is not a Mirakl operation code`);
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
      throw new RangeError(`${name}.${op}.limit must be a whole number >= 1`);
    if (typeof perMs !== 'number' || !Number.isInteger(perMs) || perMs < 1)
      throw new RangeError(`${name}.${op}.perMs must be a whole number of ms >= 1`);
    out[op] = { limit, perMs };
  }
  return out;
}

const noFaults = (): Faults => ({
  error5xxRate: 0,
  latencyMs: 0,
  dropRate: 0,
  dropAfterWriteRate: 0,
  require411: false,
  rateLimits: {},
  refuse: {},
});

export interface SandboxOptions {
  marketplaces: MarketplaceSettings[];
  /** Token for the admin API (`x-admin-token`). */
  adminToken: string;
  random?: () => number;
  /**
   * Mirakl's own call limits, per operation, on every marketplace (`MIRAKL_CALL_LIMITS` is Mirakl's published
   * maxima). Next pages of a read (`offset` > 0, a `page_token`) are not counted, as on Mirakl. Off by
   * default in tests; the first command turns them on. Faults can add stricter limits on top.
   */
  callLimits?: Faults['rateLimits'];
  /** Where the real stock is known (the back office); sales beyond it are flagged in the admin truth. */
  realStock?: RealStockSource;
}

const MAX_BODY = 1_000_000;
/** Import files (OF01, STO01, P41 multipart uploads): a full offer file of a million lines is ~100 MB. */
const MAX_IMPORT_FILE = 512 * 1024 * 1024;

/**
 * Mirakl's seller API for several marketplaces at once, each under `/mp/<code>` (its own instance: base URL
 * `http://host:port/mp/<code>`, its own key), plus an admin API under `/admin` to seed orders, move the clock,
 * inject faults and read the truth. The operations live in route modules next to their state.
 */
export class MiraklSandbox {
  readonly clock = new SandboxClock();
  readonly orders: OrderBook;
  /** Several shipments per order (ST01/ST11/ST23/ST24) on marketplaces with `multiShipment`. */
  readonly shipments: ShipmentBook;
  readonly products = new ProductCatalogue();
  readonly imports = new ImportQueue(this.clock);
  readonly offers: OfferStore;
  readonly buyers: Buyers;
  /** The seller's money on each marketplace (TL02, IV01, SBC11), booked from the order book's events. */
  readonly ledger: SellerLedger;
  private ticker?: NodeJS.Timeout;
  readonly faults = new Map<string, Faults>();
  /** Per marketplace: Mirakl's call limits (admin: `PUT /admin/marketplaces/:mp/call-limits`). */
  readonly callLimits = new Map<string, Faults['rateLimits']>();
  private readonly marketplaces: Map<string, MarketplaceSettings>;
  private readonly calls = new Map<string, number[]>();
  private server?: Server;
  private readonly random: () => number;
  /** Every seller API operation, one module per area (orders, shipping, offers, products, money). */
  private readonly routes: SandboxRoute[];
  /** Admin routes of the same modules (the orders' and tracking truth is below, in `admin`). */
  private readonly adminRoutes: AdminRoute[] = [];

  constructor(private readonly options: SandboxOptions) {
    this.marketplaces = new Map(options.marketplaces.map((m) => [m.code, m]));
    this.orders = new OrderBook(this.clock, this.marketplaces);
    this.shipments = new ShipmentBook(this.clock, this.marketplaces, this.orders);
    this.ledger = new SellerLedger(this.clock, this.marketplaces, { beforeSettle: () => this.settle() });
    this.orders.onEvent((e) => this.ledger.record(e));
    this.random = options.random ?? Math.random;
    this.offers = new OfferStore(this.clock, this.products, this.marketplaces);
    this.buyers = new Buyers(
      this.clock,
      this.offers,
      this.orders,
      this.marketplaces,
      this.random,
      options.realStock,
    );
    this.routes = [
      ...orderRoutes(this.orders, this.shipments),
      ...shippingRoutes(),
      ...shipmentRoutes(this.shipments),
      ...offerRoutes(this.offers, this.imports),
      ...productRoutes(this.products, this.imports),
      ...moneyRoutes(this.ledger),
    ];
    this.adminRoutes.push(
      ...offerAdminRoutes(this.offers, this.imports),
      ...productAdminRoutes(this.products),
      ...buyerAdminRoutes(this.buyers),
      ...orderAdminRoutes(this.orders),
      ...shippingAdminRoutes(this.marketplaces),
      ...shipmentAdminRoutes(this.shipments, this.marketplaces),
      ...moneyAdminRoutes(this.ledger),
    );
    for (const m of options.marketplaces) {
      this.faults.set(m.code, noFaults());
      this.callLimits.set(m.code, { ...(options.callLimits ?? {}) });
    }
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) =>
        send(res, 500, { status: 500, message: `sandbox error: ${String(err)}` }),
      );
    });
    await new Promise<void>((r) => this.server!.listen(port, host, () => r()));
    // Time-driven work (buyers, imports, order transitions) also happens while nobody calls.
    this.ticker = setInterval(() => {
      try {
        this.settle();
      } catch (err) {
        // A sandbox bug must not take the process down: say it loudly and keep serving.
        process.stderr.write(
          `mirakl-sandbox: time-driven work failed: ${err instanceof Error ? err.stack : String(err)}\n`,
        );
      }
    }, 1_000);
    this.ticker.unref();
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    clearInterval(this.ticker);
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
    const match = this.match(req.method ?? '', path);
    if (!match) return send(res, 404, { status: 404, message: `No such operation: ${req.method} ${path}` });
    const { route, params } = match;
    const op = route.operation;

    const faults = this.faults.get(mp.code)!;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const continuation =
      Number(url.searchParams.get('offset') ?? 0) > 0 || url.searchParams.has('page_token');
    for (const [lane, limit] of [
      ['mirakl', this.callLimits.get(mp.code)?.[op]],
      ['fault', faults.rateLimits[op]],
    ] as const) {
      if (!limit || continuation) continue;
      const key = `${lane}/${mp.code}/${op}`;
      const now = Date.now();
      const recent = (this.calls.get(key) ?? []).filter((t) => t > now - limit.perMs);
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
      this.calls.set(key, recent);
    }
    if (this.random() < faults.dropRate) return void req.socket.destroy();
    if (this.random() < faults.error5xxRate)
      return send(res, 500, { status: 500, message: 'Internal Server Error' });
    const refusal = faults.refuse[op];
    if (refusal) return send(res, refusal.status, { status: refusal.status, message: refusal.message });

    const isUpload = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    const body = await readBody(req, isUpload ? MAX_IMPORT_FILE : MAX_BODY);
    if (body === undefined) return send(res, 413, { status: 413, message: 'Payload too large' });
    if (req.method === 'PUT' && faults.require411 && body.length === 0) {
      return send(res, 411, { status: 411, message: 'Length Required' });
    }
    try {
      const decoded: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) decoded[k] = decodePathSegment(v);
      const reply = await route.handle({ mp, req, url, body, params: decoded, base: this.publicBase(mp) });
      if (reply.write && this.random() < faults.dropAfterWriteRate) return void req.socket.destroy();
      if (typeof reply.body === 'string' && reply.contentType) {
        res.writeHead(reply.status, { 'content-type': reply.contentType, ...reply.headers });
        return void res.end(reply.body);
      }
      return send(res, reply.status, reply.body, reply.headers);
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

  /** Applies everything whose time has come: buyers' orders, then order transitions, then imports. */
  settle(): void {
    this.buyers.settle();
    this.orders.settle();
    this.imports.settle();
  }

  private match(method: string, path: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.path.exec(path);
      if (m) return { route, params: { ...m.groups } };
    }
    return undefined;
  }

  private async admin(req: IncomingMessage, res: ServerResponse, parts: string[], url: URL): Promise<void> {
    if (!safeEqual(String(req.headers['x-admin-token'] ?? ''), this.options.adminToken)) {
      return send(res, 401, { message: 'admin token required (x-admin-token)' });
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { message: 'body too large' });
    try {
      const json = jsonObject(body);
      const adminPath = `/${parts.join('/')}`;
      for (const route of this.adminRoutes) {
        const m = route.method === req.method ? route.path.exec(adminPath) : null;
        if (!m) continue;
        const params = { ...m.groups };
        if (params.mp !== undefined && !this.marketplaces.has(params.mp))
          return send(res, 404, { message: `no marketplace ${params.mp}` });
        const reply = route.handle({ json, url, params });
        return send(res, reply.status, reply.body, reply.headers);
      }
      const [area, mpCode, sub] = parts;
      if (req.method === 'POST' && area === 'clock' && mpCode === 'advance') {
        this.clock.advance(Number(json.ms));
        this.settle();
        this.ledger.settle();
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
        if (req.method === 'PUT' && sub === 'call-limits') {
          this.callLimits.set(mpCode, decodeRateLimits(json.limits ?? {}, 'limits'));
          return send(res, 200, { limits: this.callLimits.get(mpCode) });
        }
        if (req.method === 'PUT' && sub === 'faults') {
          this.faults.set(mpCode, decodeFaults(json));
          return send(res, 200, this.faults.get(mpCode));
        }
      }
      return send(res, 404, { message: `no admin route ${req.method} /admin/${parts.join('/')}` });
    } catch (err) {
      const status = err instanceof SandboxRefusal ? err.status : 400;
      return send(res, status, { message: err instanceof Error ? err.message : String(err) });
    }
  }

  private publicBase(mp: MarketplaceSettings): string {
    return `http://${(this.server!.address() as AddressInfo).address}:${(this.server!.address() as AddressInfo).port}/mp/${mp.code}`;
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SandboxRefusal(400, `Malformed path segment: ${segment}`);
  }
}

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

/** The request body; undefined when it exceeds the limit (the caller answers 413). */
async function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
