import { abortable, type CallLimiter } from '../limits/call-limiter';
import { MiraklApiError, miraklErrorBody, retryAfterMs } from './errors';

/** One marketplace (one Mirakl instance) as the seller's shop sees it. */
export interface MarketplaceConnection {
  /** Our name for it, used in metrics, logs and errors (e.g. `decathlon-fr`). */
  marketplace: string;
  /** e.g. `https://decathlon-fr.mirakl.net` (the `/api/...` paths are appended). */
  baseUrl: string;
  /** The shop API key, sent raw in `Authorization`. Never logged, never in an error. */
  apiKey: string;
  /** Sent as `shop_id` on every call when the key has access to several shops. */
  shopId?: string;
}

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface MiraklRequest {
  /** Mirakl's operation code (OR11, OR21…): the rate-limit lane and the metrics label. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the base URL, e.g. `/api/orders`; or a full URL of the same origin (a `Link` next page). */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** A multipart upload (imports: OF01, STO01, P41); sent instead of a JSON body. */
  form?: FormData;
  /** `text` for operations that answer a file (error reports: OF03, STO03, P44). */
  responseType?: 'json' | 'text';
  /** The next page of a read already counted against the operation's call frequency. */
  continuation?: boolean;
  /**
   * List parameters sent repeated (`order_id=A&order_id=B`, OpenAPI `explode`) rather than comma-separated,
   * where Mirakl documents it so (ST11): a comma-joined value there would be read as one id.
   */
  repeat?: readonly string[];
}

export interface MiraklResponse<T> {
  status: number;
  body: T | undefined;
  headers: Headers;
}

/** Called after every HTTP exchange (and every failure to get one): feed metrics from here. */
export interface MiraklCallObserver {
  (call: {
    operation: string;
    marketplace: string;
    status: number;
    seconds: number;
    attempt: number;
    waitedMs: number;
  }): void;
}

export interface TransportOptions {
  limiter: CallLimiter;
  timeoutMs?: number;
  /** Time allowed for an import upload (multipart: OF01, STO01, P41), default 10 min. */
  uploadTimeoutMs?: number;
  /** Extra tries of a read (GET) after a 5xx, a 429 or no response. Writes are never repeated here. */
  readRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  observe?: MiraklCallObserver;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY_AFTER_MS = 60_000;

/**
 * HTTP to one Mirakl instance. Every call waits for its operation's rate-limit lane; a 429 blocks that lane
 * for `Retry-After`. Reads are retried with jittered back-off on 5xx, 429 and network errors; a write is
 * tried once, because only a read-back can tell whether a write that got no answer happened.
 */
export class MiraklTransport {
  private readonly origin: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly closing = new AbortController();

  constructor(
    readonly connection: MarketplaceConnection,
    private readonly options: TransportOptions,
  ) {
    this.origin = new URL(connection.baseUrl).origin;
    // A key that cannot travel in a header would make fetch fail with a message quoting it: refuse it here,
    // without quoting it.
    if (!connection.apiKey || !/^[\x21-\x7e]+$/.test(connection.apiKey))
      throw new RangeError(
        `the API key of marketplace ${connection.marketplace} is empty or holds characters not allowed in an HTTP header (spaces, line breaks, non-ASCII)`,
      );
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get marketplace(): string {
    return this.connection.marketplace;
  }

  /**
   * Stops this marketplace's calls for good (the service is stopping): calls waiting for their rate-limit
   * turn or a retry, and exchanges in flight, end at once with a `MiraklApiError` (status 0, "client
   * closed"), and new calls fail the same way. A write cut short is one whose outcome is unknown: callers
   * already read back before any resend.
   */
  close(): void {
    this.closing.abort(new Error('client closed: the service is stopping'));
  }

  async call<T>(req: MiraklRequest): Promise<MiraklResponse<T>> {
    const url = this.url(req);
    const retries = req.method === 'GET' ? (this.options.readRetries ?? 4) : 0;
    const closed = () =>
      new MiraklApiError(
        req.operation,
        this.marketplace,
        0,
        'client closed: the service is stopping',
        undefined,
        undefined,
        describe(req, url),
      );
    for (let attempt = 1; ; attempt++) {
      if (this.closing.signal.aborted) throw closed();
      let waitedMs: number;
      try {
        waitedMs = await this.options.limiter.acquire(
          this.marketplace,
          req.operation,
          req.continuation === true,
          this.closing.signal,
        );
      } catch (err) {
        if (this.closing.signal.aborted) throw closed();
        throw err;
      }
      const started = performance.now();
      let outcome: MiraklResponse<T> | MiraklApiError;
      try {
        outcome = await this.exchange<T>(req, url);
      } catch (err) {
        outcome = new MiraklApiError(
          req.operation,
          this.marketplace,
          0,
          errorText(err).split(this.connection.apiKey).join('[key]'),
          undefined,
          undefined,
          describe(req, url),
        );
      }
      const status = outcome instanceof MiraklApiError ? outcome.status : outcome.status;
      this.options.observe?.({
        operation: req.operation,
        marketplace: this.marketplace,
        status,
        seconds: (performance.now() - started) / 1000,
        attempt,
        waitedMs,
      });
      if (!(outcome instanceof MiraklApiError)) return outcome;
      if (outcome.status === 429) {
        this.options.limiter.block(
          this.marketplace,
          req.operation,
          outcome.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
        );
      }
      if (this.closing.signal.aborted) throw closed();
      if (!outcome.transient || attempt > retries) throw outcome;
      if (outcome.status !== 429)
        await abortable(this.sleep(this.backoff(attempt, outcome.retryAfterMs)), this.closing.signal).catch(
          () => undefined, // closed while waiting: the loop's first check says so
        );
    }
  }

  private async exchange<T>(req: MiraklRequest, url: URL): Promise<MiraklResponse<T> | MiraklApiError> {
    const headers: Record<string, string> = {
      Authorization: this.connection.apiKey,
      Accept: req.responseType === 'text' ? 'text/csv, application/octet-stream, */*' : 'application/json',
    };
    let body: string | FormData | undefined;
    if (req.form) {
      body = req.form; // fetch writes the multipart boundary into Content-Type
    } else if (req.body !== undefined || req.method === 'PUT' || req.method === 'POST') {
      // Some Mirakl servers answer 411 to a PUT without a body: always send one.
      body = JSON.stringify(req.body ?? {});
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(url, {
      method: req.method,
      headers,
      body,
      redirect: 'error', // a redirect could carry the key to another host
      // An import file can be large (a full offer file is ~100 MB): its upload gets its own, longer budget.
      signal: AbortSignal.any([
        AbortSignal.timeout(
          req.form ? (this.options.uploadTimeoutMs ?? 10 * 60_000) : (this.options.timeoutMs ?? 30_000),
        ),
        this.closing.signal,
      ]),
    });
    const text = await res.text();
    if (res.ok) {
      let parsed: T | undefined;
      if (req.responseType === 'text') {
        parsed = text as T;
      } else if (text.trim()) {
        try {
          parsed = JSON.parse(text) as T;
        } catch {
          return new MiraklApiError(
            req.operation,
            this.marketplace,
            res.status,
            'response is not JSON',
            undefined,
            undefined,
            describe(req, url),
          );
        }
      }
      return { status: res.status, body: parsed, headers: res.headers };
    }
    const { message, code } = miraklErrorBody(text);
    return new MiraklApiError(
      req.operation,
      this.marketplace,
      res.status,
      message,
      code,
      retryAfterMs(res.headers.get('retry-after')),
      describe(req, url),
    );
  }

  private url(req: MiraklRequest): URL {
    // A path is appended to the base URL's own path (an instance may live under a prefix); a full URL (a
    // next-page link) is taken as it is, and checked below.
    const url = /^https?:\/\//i.test(req.path)
      ? new URL(req.path)
      : new URL(
          `${this.connection.baseUrl.replace(/\/+$/, '')}${req.path.startsWith('/') ? '' : '/'}${req.path}`,
        );
    if (url.origin !== this.origin) {
      // A next-page link pointing elsewhere must not receive our API key.
      throw new MiraklApiError(
        req.operation,
        this.marketplace,
        0,
        `refusing to call ${url.origin}, not ${this.origin}`,
        undefined,
        undefined,
        `${req.method} ${url.pathname}`,
      );
    }
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value) && req.repeat?.includes(name)) {
        url.searchParams.delete(name);
        for (const v of value as readonly string[]) url.searchParams.append(name, v);
      } else url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    if (this.connection.shopId && !url.searchParams.has('shop_id'))
      url.searchParams.set('shop_id', this.connection.shopId);
    return url;
  }

  /** Equal jitter: half the exponential step plus a random half, at least what Retry-After asked. */
  private backoff(attempt: number, retryAfter: number | undefined): number {
    const ceiling = Math.min(
      this.options.retryMaxMs ?? 30_000,
      (this.options.retryBaseMs ?? 500) * 2 ** (attempt - 1),
    );
    return Math.max(retryAfter ?? 0, ceiling / 2 + Math.random() * (ceiling / 2));
  }
}

function describe(req: MiraklRequest, url: URL): string {
  return `${req.method} ${url.pathname}`;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
