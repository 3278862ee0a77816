import type { CustomerBody, ReleaseBody, SalesOrderBody } from '../erp-posting/sales-order-body';
import { BackofficeRefusedError, BackofficeUnavailableError } from './backoffice-errors';

export interface BackofficeClientOptions {
  /** API root, e.g. `http://127.0.0.1:4200/api`. */
  baseUrl: string;
  /** Sent as `X-Api-Key`; never logged, never in an error. */
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface CreatedSalesOrder {
  number: string;
  created_at: string;
  status?: string;
}

/** One shipment as the warehouse reports it (`GET /api/shipments`). */
export interface WarehouseShipment {
  seq: number;
  shipment_number: string;
  sales_order_number: string;
  external_reference: { marketplace: string; order_id: string };
  carrier: string;
  tracking_number: string | null;
  shipped_at: string;
  lines: { line_no: number; sku: string; quantity: number }[];
}

export interface FeedChange {
  seq: number;
  type: string;
  data?: Record<string, unknown>;
  [field: string]: unknown;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The back office's ERP and WMS API as fulfilment-bridge uses it. Each call is one attempt: retries are the
 * worker's (durable, with back-off, in PostgreSQL), so an outage of minutes costs nothing but time.
 */
export class BackofficeClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: BackofficeClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  /** Creates the customer or returns the one already known for this marketplace customer id. */
  async ensureCustomer(customer: CustomerBody): Promise<{ id: string }> {
    return this.call<{ id: string }>('POST', '/customers', customer);
  }

  /** `POST /api/sales-orders` under `Idempotency-Key`: the same key and body give back the first order. */
  async postSalesOrder(idempotencyKey: string, body: SalesOrderBody): Promise<CreatedSalesOrder> {
    return this.call<CreatedSalesOrder>('POST', '/sales-orders', body, { 'idempotency-key': idempotencyKey });
  }

  /**
   * `POST /api/sales-orders/:number/release`: a sales order taken on hold gets its address and final lines and
   * goes to the warehouse. The same release again is answered with the order as it is (safe to retry).
   */
  async releaseSalesOrder(number: string, body: ReleaseBody): Promise<CreatedSalesOrder> {
    return this.call<CreatedSalesOrder>('POST', `/sales-orders/${encodeURIComponent(number)}/release`, body);
  }

  /** Every sales order for a marketplace order (more than one is a duplicate). */
  async salesOrdersFor(marketplace: string, orderId: string): Promise<CreatedSalesOrder[]> {
    const ref = encodeURIComponent(`${marketplace}:${orderId}`);
    const r = await this.call<{ sales_orders: CreatedSalesOrder[] }>(
      'GET',
      `/sales-orders?external_reference=${ref}`,
    );
    return r.sales_orders ?? [];
  }

  async getSalesOrder(number: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/sales-orders/${encodeURIComponent(number)}`);
  }

  /** Cancels a sales order; `already-cancelled` when it was; a 409 `already_shipped` is a BackofficeRefusedError. */
  async cancelSalesOrder(number: string, reason: string): Promise<'cancelled' | 'already-cancelled'> {
    try {
      await this.call('POST', `/sales-orders/${encodeURIComponent(number)}/cancel`, { reason });
      return 'cancelled';
    } catch (err) {
      if (err instanceof BackofficeRefusedError && err.apiCode === 'already_cancelled')
        return 'already-cancelled';
      throw err;
    }
  }

  async shipments(after: number, limit = 500): Promise<{ shipments: WarehouseShipment[]; last_seq: number }> {
    return this.call('GET', `/shipments?after=${after}&limit=${limit}`);
  }

  async changes(
    after: number,
    types: string[],
    limit = 1000,
  ): Promise<{ changes: FeedChange[]; last_seq: number }> {
    return this.call('GET', `/changes?after=${after}&limit=${limit}&types=${types.join(',')}`);
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const request = `${method} ${path.split('?')[0]}`;
    let res: Response;
    try {
      res = await this.fetch(this.base + path, {
        method,
        headers: {
          'x-api-key': this.options.apiKey,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const e = err as {
        name?: string;
        code?: string;
        cause?: { code?: string; name?: string; errors?: { code?: string }[] };
      };
      const cause =
        e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError'
          ? 'timeout'
          : (e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.code ?? e?.cause?.name ?? 'network error');
      throw new BackofficeUnavailableError(`the back office did not answer ${request}: ${cause}`, {
        request,
        cause,
      });
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new BackofficeUnavailableError(`the back office dropped the answer to ${request}`, {
        request,
        cause: 'dropped',
      });
    }
    if (res.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new BackofficeUnavailableError(`the back office answered ${request} with an unreadable body`, {
          request,
          status: res.status,
        });
      }
    }
    let apiCode: string | undefined;
    let apiMessage: string | undefined;
    try {
      const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
      apiCode = typeof e?.code === 'string' ? e.code.slice(0, 100) : undefined;
      apiMessage =
        typeof e?.message === 'string'
          ? e.message.slice(0, 300).split(this.options.apiKey).join('[redacted]')
          : undefined;
    } catch {
      /* not the documented error shape */
    }
    if (RETRYABLE.has(res.status)) {
      const ra = res.headers.get('retry-after');
      throw new BackofficeUnavailableError(`the back office answered ${request} with ${res.status}`, {
        request,
        status: res.status,
        retryAfterMs: ra && /^\d+$/.test(ra) ? Number(ra) * 1000 : undefined,
      });
    }
    throw new BackofficeRefusedError(request, res.status, apiCode, apiMessage);
  }
}
