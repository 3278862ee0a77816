import { sleep } from '@seller-bridge/service-kit';
import type { ProductChanged, StockChanged } from '@seller-bridge/contracts';
import {
  BackofficeFeedResetError,
  BackofficeRequestRefusedError,
  BackofficeResponseInvalidError,
  BackofficeUnavailableError,
} from './backoffice-errors';
import {
  decode,
  toFeedPage,
  toProductChanged,
  toStockChanged,
  type Decoded,
  type FeedPage,
} from './backoffice-shapes';

export interface BackofficeClientOptions {
  /** The API root, e.g. `http://127.0.0.1:4200/api` (BACKOFFICE_URL). */
  baseUrl: string;
  /** Sent as `X-Api-Key`; never logged, never in an error. */
  apiKey: string;
  /** Time allowed for one attempt, answer included (default 10 s). */
  timeoutMs?: number;
  /** Further attempts of a read after a 5xx, a timeout or a network error (default 3). */
  retries?: number;
  /** First back-off; it doubles per attempt, with full jitter, up to `backoffMaxMs` (defaults 200 ms, 5 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** The longest `Retry-After` honoured before giving up on this call (default 30 s); the caller retries later. */
  retryAfterMaxMs?: number;
  fetch?: typeof fetch;
  random?: () => number;
}

/** One hold asked of the back office: units of a SKU promised to a marketplace order line. */
export interface HoldRequest {
  key: string;
  sku: string;
  quantity: number;
  reference: { marketplace: string; order_id: string; line_id: string };
  /** Only these warehouses may hold the units (the marketplace's); absent: any. */
  warehouses?: string[];
}

/** The back office's answer for one hold. */
export type HoldAnswer =
  { outcome: 'held'; state: 'held' | 'released' | 'converted' } | { outcome: 'refused'; code: string };

/** Per-call overrides of a write: fewer retries and a shorter timeout where a caller is waiting on it. */
export interface WriteOptions {
  retries?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The API's own limits per page. */
const MAX_CHANGES_PER_PAGE = 1000;
const PRODUCTS_PER_PAGE = 500;
/** A seq no feed reaches (12 digits: some APIs refuse longer integers). */
const BEYOND_ANY_FEED = 999_999_999_999;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * The back office's API (ERP/WMS/PIM): the change feed, the product master and the stock, as the platform's
 * contracts, and holds for reserved order lines. Reads are retried on 5xx, timeouts and network errors with jittered exponential
 * back-off, honouring `Retry-After`; what still fails is a coded error (see backoffice-errors.ts).
 */
export class BackofficeClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly random: () => number;

  constructor(private readonly options: BackofficeClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
  }

  /** The changes after `after` (at most `limit`, capped at the API's 1,000). 409 → BackofficeFeedResetError. */
  async changes(after: number, limit: number, signal?: AbortSignal): Promise<FeedPage> {
    const request = this.describe('/changes', { after, limit: Math.min(limit, MAX_CHANGES_PER_PAGE) });
    const page = toFeedPage(await this.get(request, signal), after);
    if (typeof page === 'string') throw new BackofficeResponseInvalidError(request.text, page);
    return page;
  }

  /**
   * The seq of the feed's last change. The API has no "head" call; asking after a seq no feed reaches is
   * answered 409 with the head in `details.head_seq`. `undefined` when the back office does not say.
   */
  async feedHead(signal?: AbortSignal): Promise<number | undefined> {
    try {
      const page = await this.changes(BEYOND_ANY_FEED, 1, signal);
      return page.lastSeq;
    } catch (err) {
      if (err instanceof BackofficeFeedResetError) return err.headSeq;
      throw err;
    }
  }

  /** The product master, page by page in the API's (updated_at, sku) order. */
  async *productPages(signal?: AbortSignal): AsyncGenerator<Decoded<ProductChanged>[]> {
    let cursor: string | undefined;
    do {
      const request = this.describe('/products', { limit: PRODUCTS_PER_PAGE, cursor });
      const body = await this.get(request, signal);
      const page = body as { products?: unknown; next_cursor?: unknown };
      if (!Array.isArray(page?.products))
        throw new BackofficeResponseInvalidError(request.text, 'products must be a list');
      if (page.next_cursor !== null && page.next_cursor !== undefined && typeof page.next_cursor !== 'string')
        throw new BackofficeResponseInvalidError(request.text, 'next_cursor must be a string or null');
      yield page.products.map((p: unknown) => {
        const sku = (p as { sku?: unknown })?.sku;
        return decode(`product ${String(sku)}`, sku, () => toProductChanged(p, 'backoffice-poll'));
      });
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** Every product (all pages). */
  async products(signal?: AbortSignal): Promise<Decoded<ProductChanged>[]> {
    const all: Decoded<ProductChanged>[] = [];
    for await (const page of this.productPages(signal)) all.push(...page);
    return all;
  }

  /**
   * Every SKU's stock in every warehouse, as of the back office's answer time. `feedPosition` is the feed seq
   * the figures are known to include (read before this call), so a later feed change outranks them.
   */
  async stock(feedPosition?: number, signal?: AbortSignal): Promise<Decoded<StockChanged>[]> {
    const request = this.describe('/stock', {});
    const body = (await this.get(request, signal)) as { stock?: unknown; as_of?: unknown };
    if (!Array.isArray(body?.stock))
      throw new BackofficeResponseInvalidError(request.text, 'stock must be a list');
    if (typeof body.as_of !== 'string' || Number.isNaN(Date.parse(body.as_of)))
      throw new BackofficeResponseInvalidError(request.text, 'as_of must be an ISO-8601 time');
    const asOf = body.as_of;
    return body.stock.map((row: unknown) => {
      const r = row as { sku?: unknown; warehouse?: unknown };
      return decode(`stock ${String(r?.sku)}@${String(r?.warehouse)}`, r?.sku, () =>
        toStockChanged(row, { asOf, sourceVersion: feedPosition, source: 'backoffice-poll' }),
      );
    });
  }

  /**
   * Holds units for reserved order lines (`POST /api/holds`, at most 500 per call), each answered on its own:
   * held (or replayed: the key was already placed, in whatever state it is now) or refused with the back
   * office's code (`insufficient_stock`, `unknown_sku`, `inactive_product`…). The call is idempotent on the
   * keys, so it is retried like a read; a back office that does not answer is a BackofficeUnavailableError.
   */
  async placeHolds(holds: HoldRequest[], options: WriteOptions = {}): Promise<Map<string, HoldAnswer>> {
    const request = this.describe('/holds', {}, 'POST');
    const body = (await this.get(request, options.signal, { body: { holds }, ...options })) as {
      results?: unknown;
    };
    if (!Array.isArray(body?.results) || body.results.length !== holds.length)
      throw new BackofficeResponseInvalidError(request.text, 'results must be a list, one per hold asked');
    const answers = new Map<string, HoldAnswer>();
    for (const r of body.results as { key?: unknown; status?: unknown; hold?: unknown; error?: unknown }[]) {
      if (typeof r?.key !== 'string')
        throw new BackofficeResponseInvalidError(request.text, 'a result has no key');
      if (r.status === 'held' || r.status === 'replayed') {
        const state = (r.hold as { state?: unknown })?.state;
        if (state !== 'held' && state !== 'released' && state !== 'converted')
          throw new BackofficeResponseInvalidError(request.text, `hold ${r.key} has no known state`);
        answers.set(r.key, { outcome: 'held', state });
      } else if (r.status === 'refused') {
        const code = (r.error as { code?: unknown })?.code;
        answers.set(r.key, {
          outcome: 'refused',
          code: typeof code === 'string' ? code.slice(0, 100) : 'unknown',
        });
      } else throw new BackofficeResponseInvalidError(request.text, `hold ${r.key} has an unknown status`);
    }
    return answers;
  }

  /** Holds still `held`, created before `createdBefore`, by key after `after` (`GET /api/holds?state=held`). */
  async heldHolds(
    createdBefore: Date,
    after: string | undefined,
    limit: number,
  ): Promise<{ holds: { key: string; reference: HoldRequest['reference'] }[]; nextAfter: string | null }> {
    const request = this.describe('/holds', {
      state: 'held',
      created_before: createdBefore.toISOString(),
      after,
      limit,
    });
    const body = (await this.get(request)) as { holds?: unknown; next_after?: unknown };
    if (!Array.isArray(body?.holds))
      throw new BackofficeResponseInvalidError(request.text, 'holds must be a list');
    const holds = (body.holds as { key?: unknown; reference?: Record<string, unknown> }[]).map((h) => {
      const r = h?.reference;
      if (typeof h?.key !== 'string' || typeof r?.marketplace !== 'string' || typeof r?.order_id !== 'string')
        throw new BackofficeResponseInvalidError(request.text, 'a hold has no key or reference');
      return {
        key: h.key,
        reference: {
          marketplace: r.marketplace,
          order_id: r.order_id,
          line_id: typeof r.line_id === 'string' ? r.line_id : '',
        },
      };
    });
    return { holds, nextAfter: typeof body.next_after === 'string' ? body.next_after : null };
  }

  /** Releases a hold (`DELETE /api/holds/:key`): its state after the call, or `absent` when never placed. */
  async releaseHold(key: string, options: WriteOptions = {}): Promise<'released' | 'converted' | 'absent'> {
    const request = this.describe(`/holds/${encodeURIComponent(key)}`, {}, 'DELETE');
    try {
      const body = (await this.get(request, options.signal, options)) as { state?: unknown };
      if (body?.state === 'released' || body?.state === 'converted') return body.state;
      throw new BackofficeResponseInvalidError(request.text, 'state must be released or converted');
    } catch (err) {
      if (err instanceof BackofficeRequestRefusedError && err.details.status === 404) return 'absent';
      throw err;
    }
  }

  private describe(path: string, query: Record<string, string | number | undefined>, method = 'GET') {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return { url, method, text: `${method} ${url.pathname}${url.search}` };
  }

  /**
   * One request with retries (GETs, and writes that are idempotent by their own keys); resolves to the parsed
   * JSON body of a 2xx answer.
   */
  private async get(
    request: { url: URL; text: string; method?: string },
    signal?: AbortSignal,
    write: { body?: unknown; retries?: number; timeoutMs?: number } = {},
  ): Promise<unknown> {
    const retries = write.retries ?? this.options.retries ?? 3;
    for (let attempt = 1; ; attempt++) {
      let failure: BackofficeUnavailableError;
      try {
        const res = await this.fetch(request.url, {
          method: request.method ?? 'GET',
          headers: {
            'x-api-key': this.options.apiKey,
            accept: 'application/json',
            ...(write.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(write.body !== undefined ? { body: JSON.stringify(write.body) } : {}),
          signal: this.attemptSignal(signal, write.timeoutMs),
        });
        const text = await res.text();
        if (res.ok) {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw new BackofficeResponseInvalidError(request.text, 'not JSON');
          }
        }
        const apiError = this.apiError(text);
        if (res.status === 409 && apiError.code === 'cursor_ahead_of_feed') {
          const after = Number(request.url.searchParams.get('after'));
          const head = apiError.details?.head_seq ?? apiError.details?.last_seq;
          throw new BackofficeFeedResetError(
            after,
            Number.isSafeInteger(head) ? (head as number) : undefined,
          );
        }
        if (!RETRYABLE_STATUS.has(res.status))
          throw new BackofficeRequestRefusedError(request.text, res.status, apiError.code, apiError.message);
        failure = new BackofficeUnavailableError(
          `the back office answered ${request.text} with ${res.status}${apiError.code ? ` ${apiError.code}` : ''}`,
          {
            request: request.text,
            attempts: attempt,
            status: res.status,
            retryAfterMs: this.retryAfter(res.headers.get('retry-after')),
          },
        );
      } catch (err) {
        if (
          err instanceof BackofficeFeedResetError ||
          err instanceof BackofficeRequestRefusedError ||
          err instanceof BackofficeResponseInvalidError
        )
          throw err;
        if (signal?.aborted) throw signal.reason;
        const cause = networkCause(err);
        failure = new BackofficeUnavailableError(`the back office did not answer ${request.text}: ${cause}`, {
          request: request.text,
          attempts: attempt,
          cause,
        });
      }
      if (attempt > retries) throw failure;
      const base = this.options.backoffBaseMs ?? 200;
      const jittered = this.random() * Math.min(this.options.backoffMaxMs ?? 5000, base * 2 ** (attempt - 1));
      await sleep(Math.max(jittered, failure.retryAfterMs ?? 0), signal);
      if (signal?.aborted) throw signal.reason;
    }
  }

  private attemptSignal(outer?: AbortSignal, timeoutMs?: number): AbortSignal {
    const timeout = AbortSignal.timeout(timeoutMs ?? this.options.timeoutMs ?? 10_000);
    return outer ? AbortSignal.any([outer, timeout]) : timeout;
  }

  /** `Retry-After` in seconds or as an HTTP date, capped; undefined when absent or unreadable. */
  private retryAfter(header: string | null): number | undefined {
    if (!header) return undefined;
    const seconds = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now();
    if (!Number.isFinite(seconds)) return undefined;
    return Math.min(Math.max(0, seconds), this.options.retryAfterMaxMs ?? 30_000);
  }

  /** The API's `{"error": {code, message, details}}`; the message is cut short and scrubbed of the key. */
  private apiError(text: string): { code?: string; message?: string; details?: Record<string, unknown> } {
    try {
      const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } })
        .error;
      return {
        code: typeof e?.code === 'string' ? e.code.slice(0, 100) : undefined,
        message:
          typeof e?.message === 'string'
            ? e.message.slice(0, 300).split(this.options.apiKey).join('[redacted]')
            : undefined,
        details:
          typeof e?.details === 'object' && e.details !== null
            ? (e.details as Record<string, unknown>)
            : undefined,
      };
    } catch {
      return {};
    }
  }
}

/** A short, key-free name for why a request did not get an answer (ECONNREFUSED, timeout…). */
function networkCause(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return 'timeout';
  return e?.cause?.code ?? e?.code ?? e?.name ?? 'network error';
}
