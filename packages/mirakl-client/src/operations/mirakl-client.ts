import { CallLimiter, type CallWindow } from '../limits/call-limiter';
import { miraklWindows } from '../limits/call-frequency';
import { MiraklApiError } from '../http/errors';
import {
  MiraklTransport,
  type MarketplaceConnection,
  type MiraklCallObserver,
  type MiraklRequest,
  type TransportOptions,
} from '../http/transport';
import { chunkIds } from '../paging/ids';
import { offsetPaged } from '../paging/paging';
import type {
  ListOrdersFilter,
  MiraklCarrier,
  MiraklOrder,
  MiraklShippingType,
  OrderLineDecision,
  TrackingUpdate,
} from './types';

const SHIPPED_OR_LATER = new Set(['SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);

export interface MiraklClientOptions extends Omit<TransportOptions, 'limiter'> {
  /** Share one limiter between clients of one process (defaults to a limiter of its own). */
  limiter?: CallLimiter;
  /** Per-operation call windows replacing Mirakl's (e.g. `{}` entries to lift limits on a sandbox). */
  callFrequency?: Record<string, CallWindow[]>;
  /** Turn every call-frequency window off (sandbox and benchmarks); 429s are still honoured. */
  unlimited?: boolean;
  pageSize?: number;
  observe?: MiraklCallObserver;
}

/**
 * One marketplace's seller API. Paging and id chunking are done here; reads are retried by the transport;
 * writes are tried once, and callers confirm with a read-back (see `acceptOrder`).
 */
export class MiraklClient {
  readonly transport: MiraklTransport;
  private readonly pageSize: number;

  constructor(connection: MarketplaceConnection, options: MiraklClientOptions = {}) {
    const limiter =
      options.limiter ??
      new CallLimiter((op) => (options.unlimited ? [] : miraklWindows(op, options.callFrequency)));
    this.transport = new MiraklTransport(connection, { ...options, limiter });
    this.pageSize = options.pageSize ?? 100;
  }

  get marketplace(): string {
    return this.transport.marketplace;
  }

  /** OR11: every order matching the filter, all pages; more than 100 order ids go in several calls. */
  async *listOrders(filter: ListOrdersFilter = {}): AsyncGenerator<MiraklOrder, void> {
    const idChunks = filter.orderIds ? chunkIds(filter.orderIds) : [undefined];
    let counted = false;
    for (const ids of idChunks) {
      const query = {
        order_ids: ids,
        order_state_codes: filter.orderStateCodes,
        start_update_date: filter.startUpdateDate,
        end_update_date: filter.endUpdateDate,
        start_date: filter.startDate,
        end_date: filter.endDate,
        customer_debited: filter.customerDebited,
        paginate: true,
      };
      yield* offsetPaged<{ orders?: MiraklOrder[] | null; total_count?: number }, MiraklOrder>(
        ({ offset, max, url }) => {
          const continuation = counted;
          counted = true;
          return this.transport.call({
            operation: 'OR11',
            method: 'GET',
            path: url ?? '/api/orders',
            query: url ? {} : { ...query, offset, max },
            continuation,
          });
        },
        (body) => body?.orders,
        this.pageSize,
      );
    }
  }

  /** OR11 by id: the order as Mirakl has it now, or undefined. */
  async getOrder(orderId: string): Promise<MiraklOrder | undefined> {
    for await (const order of this.listOrders({ orderIds: [orderId] })) {
      if (order.order_id === orderId) return order;
    }
    return undefined;
  }

  /**
   * OR21, with the read-back rule: a decision is sent once; if it got no clear answer (no response, 5xx,
   * 429), the order is read back, and the decision is sent again only if the order still waits for one.
   * `already-decided` carries the state found: a decision of ours that landed, or Mirakl's auto-refusal.
   */
  async acceptOrder(
    orderId: string,
    lines: OrderLineDecision[],
    attempts = 3,
  ): Promise<{ outcome: 'sent' } | { outcome: 'already-decided'; state: string }> {
    return this.writeWithReadBack(
      {
        operation: 'OR21',
        method: 'PUT',
        path: this.orderPath(orderId, 'accept'),
        body: { order_lines: lines },
      },
      async () => {
        const now = await this.getOrder(orderId);
        return now && now.order_state !== 'WAITING_ACCEPTANCE'
          ? { outcome: 'already-decided', state: now.order_state }
          : undefined;
      },
      attempts,
    );
  }

  /**
   * OR23: a registered carrier code (from SH21), or a carrier name where the marketplace allows one. Read back
   * before any resend: `already-applied` when the order already carries this tracking number.
   */
  async updateTracking(
    orderId: string,
    tracking: TrackingUpdate,
    attempts = 3,
  ): Promise<{ outcome: 'sent' | 'already-applied' }> {
    return this.writeWithReadBack(
      {
        operation: 'OR23',
        method: 'PUT',
        path: this.orderPath(orderId, 'tracking'),
        body: {
          carrier_code: tracking.carrierCode,
          carrier_name: tracking.carrierName,
          carrier_url: tracking.carrierUrl,
          tracking_number: tracking.trackingNumber,
        },
      },
      async () =>
        (await this.getOrder(orderId))?.shipping_tracking === tracking.trackingNumber
          ? { outcome: 'already-applied' }
          : undefined,
      attempts,
    );
  }

  /** OR24: only for an order in SHIPPING. Read back before any resend: `already-shipped` when it moved on. */
  async shipOrder(
    orderId: string,
    attempts = 3,
  ): Promise<{ outcome: 'sent' } | { outcome: 'already-shipped'; state: string }> {
    return this.writeWithReadBack(
      { operation: 'OR24', method: 'PUT', path: this.orderPath(orderId, 'ship') },
      async () => {
        const now = await this.getOrder(orderId);
        return now && SHIPPED_OR_LATER.has(now.order_state)
          ? { outcome: 'already-shipped', state: now.order_state }
          : undefined;
      },
      attempts,
    );
  }

  /** SH12: the shipping types, with `mandatory_tracking`. */
  listShippingTypes(): Promise<MiraklShippingType[]> {
    return this.getList<MiraklShippingType>('SH12', '/api/shipping/types', 'shipping_types');
  }

  /**
   * A write is sent once. Only when it got no clear answer (transient error) is the state read back:
   * `landed` says whether the write already took effect (and what to return), else it is sent again.
   * A refusal from Mirakl (4xx) is thrown at once.
   */
  private async writeWithReadBack<R>(
    req: MiraklRequest,
    landed: () => Promise<R | undefined>,
    attempts: number,
  ): Promise<R | { outcome: 'sent' }> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transport.call(req);
        return { outcome: 'sent' };
      } catch (err) {
        if (!(err instanceof MiraklApiError) || !err.transient || attempt >= attempts) throw err;
        const already = await landed();
        if (already) return already;
      }
    }
  }

  private orderPath(orderId: string, action: string): string {
    return `/api/orders/${encodeURIComponent(orderId)}/${action}`;
  }

  /** SH21: the carriers this marketplace knows (codes to send with OR23). */
  listCarriers(): Promise<MiraklCarrier[]> {
    return this.getList<MiraklCarrier>('SH21', '/api/shipping/carriers', 'carriers');
  }

  /** A read answering `{ <key>: [...] }` in one page; a missing or null list is empty. */
  private async getList<T>(operation: string, path: string, key: string): Promise<T[]> {
    const res = await this.transport.call<Record<string, T[] | null | undefined>>({
      operation,
      method: 'GET',
      path,
    });
    return res.body?.[key] ?? [];
  }
}
