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
import { parseErrorReport, stockFile } from './import-files';
import { listAccountingDocuments, listBillingCycles, listTransactionLines } from './accounting';
import { createShipments, listShipments, updateShipmentTracking, validateShipments } from './shipments';
import type { ListShipmentsFilter, MiraklShipment, NewShipment, ShipmentRef } from './shipment-types';
import type {
  ListAccountingDocumentsFilter,
  ListBillingCyclesFilter,
  ListTransactionLinesFilter,
  MiraklAccountingDocument,
  MiraklBillingCycle,
  MiraklTransactionLine,
} from './accounting-types';
import type {
  ImportErrorLine,
  ImportKind,
  ListOffersFilter,
  MiraklOffer,
  MiraklOfferImport,
  MiraklOfferUpdate,
  MiraklProductImport,
  MiraklStockImport,
  StockLine,
} from './offer-types';
import type {
  LineCancelation,
  LineRefund,
  MiraklLineCancelation,
  MiraklLineRefund,
  ListOrdersFilter,
  MiraklCarrier,
  MiraklOrder,
  MiraklShippingType,
  OrderLineDecision,
  TrackingUpdate,
} from './types';

const SHIPPED_OR_LATER = new Set(['SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);
const FINAL_IMPORT_STATES = new Set(['COMPLETE', 'FAILED', 'CANCELLED', 'TRANSFORMATION_FAILED']);

/** Per import kind: the operations and paths of its status and error report. */
const IMPORTS = {
  offers: { status: 'OF02', report: 'OF03', path: (id: string) => `/api/offers/imports/${id}` },
  stock: { status: 'STO02', report: 'STO03', path: (id: string) => `/api/offers/stock/imports/${id}` },
  products: { status: 'P42', report: 'P44', path: (id: string) => `/api/products/imports/${id}` },
} as const;

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

  /** Ends every call of this client now and refuses new ones (see `MiraklTransport.close`): call on shutdown. */
  close(): void {
    this.transport.close();
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

  /** OR29: cancels the whole order (while `can_cancel`). Read back before any resend: `already-canceled`. */
  async cancelOrder(
    orderId: string,
    attempts = 3,
  ): Promise<{ outcome: 'sent' } | { outcome: 'already-canceled' }> {
    return this.writeWithReadBack(
      { operation: 'OR29', method: 'PUT', path: this.orderPath(orderId, 'cancel') },
      async () =>
        (await this.getOrder(orderId))?.order_state === 'CANCELED'
          ? { outcome: 'already-canceled' }
          : undefined,
      attempts,
    );
  }

  /**
   * OR30: cancels line quantities of `order` (as last read). Neither OR30 nor OR28 is idempotent, so a call
   * that got no answer is read back: it landed when the lines carry cancellations that `order` did not.
   */
  async cancelLines(
    order: MiraklOrder,
    cancelations: readonly LineCancelation[],
    attempts = 3,
  ): Promise<{ outcome: 'sent'; cancelations: MiraklLineCancelation[] } | { outcome: 'already-applied' }> {
    let created: MiraklLineCancelation[] = [];
    const result = await this.writeWithReadBack(
      { operation: 'OR30', method: 'PUT', path: '/api/orders/cancel', body: { cancelations } },
      async () =>
        (await this.newOnLines(order, cancelations, 'cancelations'))
          ? { outcome: 'already-applied' as const }
          : undefined,
      attempts,
      (body: { cancelations?: MiraklLineCancelation[] } | undefined) => (created = body?.cancelations ?? []),
    );
    return result.outcome === 'sent' ? { outcome: 'sent', cancelations: created } : result;
  }

  /** OR28: refunds on shipped lines of `order` (as last read); read back like `cancelLines`. */
  async refundLines(
    order: MiraklOrder,
    refunds: readonly LineRefund[],
    attempts = 3,
  ): Promise<{ outcome: 'sent'; refunds: MiraklLineRefund[] } | { outcome: 'already-applied' }> {
    let created: MiraklLineRefund[] = [];
    const result = await this.writeWithReadBack(
      { operation: 'OR28', method: 'PUT', path: '/api/orders/refund', body: { refunds } },
      async () =>
        (await this.newOnLines(order, refunds, 'refunds'))
          ? { outcome: 'already-applied' as const }
          : undefined,
      attempts,
      (body: { refunds?: MiraklLineRefund[] } | undefined) => (created = body?.refunds ?? []),
    );
    return result.outcome === 'sent' ? { outcome: 'sent', refunds: created } : result;
  }

  /** Does every line of the request now carry a refund/cancellation with its amount that `before` lacked? */
  private async newOnLines(
    before: MiraklOrder,
    requests: readonly { order_line_id: string; amount: number }[],
    field: 'refunds' | 'cancelations',
  ): Promise<boolean> {
    const now = await this.getOrder(before.order_id);
    if (!now) return false;
    return requests.every((r) => {
      const known = new Set(
        (before.order_lines.find((l) => l.order_line_id === r.order_line_id)?.[field] ?? []).map((x) => x.id),
      );
      const line = now.order_lines.find((l) => l.order_line_id === r.order_line_id);
      return (line?.[field] ?? []).some((x) => !known.has(x.id) && x.amount === r.amount);
    });
  }

  /** TL02: every transaction line matching the filter, all seek pages (up to 2000 a page); ids 100 a call. */
  listTransactionLines(
    filter: ListTransactionLinesFilter = {},
    pageSize?: number,
  ): AsyncGenerator<MiraklTransactionLine, void> {
    return listTransactionLines(this.transport, filter, pageSize);
  }

  /** IV01: every accounting document (invoices of billing cycles) matching the filter, all offset pages. */
  listAccountingDocuments(
    filter: ListAccountingDocumentsFilter = {},
  ): AsyncGenerator<MiraklAccountingDocument, void> {
    return listAccountingDocuments(this.transport, filter, Math.min(this.pageSize, 100));
  }

  /** SBC11: every billing cycle matching the filter, with what was transferred to the seller. */
  listBillingCycles(
    filter: ListBillingCyclesFilter = {},
    pageSize?: number,
  ): AsyncGenerator<MiraklBillingCycle, void> {
    return listBillingCycles(this.transport, filter, pageSize);
  }

  /** ST11: every shipment matching the filter (multi-shipment platforms), all seek pages. */
  listShipments(filter: ListShipmentsFilter = {}, pageSize?: number): AsyncGenerator<MiraklShipment, void> {
    return listShipments(this.transport, filter, pageSize);
  }

  /** ST01: creates shipments; per-shipment refusals in `errors`; read back by ST11 before any resend. */
  createShipments(shipments: readonly NewShipment[], attempts = 3) {
    return createShipments(this.transport, shipments, attempts);
  }

  /** ST23: tracking of existing shipments; read back before any resend (`alreadyApplied`). */
  updateShipmentTracking(
    updates: readonly (ShipmentRef & { tracking: NonNullable<NewShipment['tracking']> })[],
    attempts = 3,
  ) {
    return updateShipmentTracking(this.transport, updates, attempts);
  }

  /** ST24: validates shipments as shipped; read back before any resend (`alreadyShipped`). */
  validateShipments(refs: readonly ShipmentRef[], attempts = 3) {
    return validateShipments(this.transport, refs, attempts);
  }

  /** SH12: the shipping types, with `mandatory_tracking`. */
  listShippingTypes(): Promise<MiraklShippingType[]> {
    return this.getList<MiraklShippingType>('SH12', '/api/shipping/types', 'shipping_types');
  }

  /** OF21: every offer of the shop matching the filter, all pages. */
  async *listOffers(filter: ListOffersFilter = {}): AsyncGenerator<MiraklOffer, void> {
    let counted = false;
    const query = {
      sku: filter.skus,
      product_id: filter.productIds,
      offer_state_codes: filter.offerStateCodes,
    };
    yield* offsetPaged<{ offers?: MiraklOffer[] | null; total_count?: number }, MiraklOffer>(
      ({ offset, max, url }) => {
        const continuation = counted;
        counted = true;
        return this.transport.call({
          operation: 'OF21',
          method: 'GET',
          path: url ?? '/api/offers',
          query: url ? {} : { ...query, offset, max },
          continuation,
        });
      },
      (body) => body?.offers,
      this.pageSize,
    );
  }

  /**
   * OF24: whole offers (Mirakl resets what is not sent). Asynchronous: returns the import id to follow with
   * `getImport('offers', id)`. Sent once: see `importCall` for what a lost answer means.
   */
  async upsertOffers(offers: readonly MiraklOfferUpdate[]): Promise<{ importId: number }> {
    if (offers.length === 0) throw new RangeError('OF24 needs at least one offer');
    const body = await this.importCall<{ import_id: number }>({
      operation: 'OF24',
      method: 'POST',
      path: '/api/offers',
      body: { offers },
    });
    return { importId: body.import_id };
  }

  /**
   * OF01: an offers file (CSV, `;`), NORMAL (create/update the lines) or REPLACE (also delete the rest). A
   * `Blob` (e.g. `fs.openAsBlob`) is streamed from where it lies: a file of a million offers never sits in memory.
   */
  async importOffers(
    file: string | Uint8Array | Blob,
    mode: 'NORMAL' | 'REPLACE' = 'NORMAL',
  ): Promise<{ importId: number }> {
    const body = await this.importCall<{ import_id: number }>(
      { operation: 'OF01', method: 'POST', path: '/api/offers/imports' },
      () => this.form(file, 'offers.csv', { import_mode: mode }),
    );
    return { importId: body.import_id };
  }

  /**
   * STO01: stock only, the safe way to change quantities (no other offer field is touched). Sent once; on a
   * lost answer the caller re-queues and sends the quantities as they are at the next cycle.
   */
  async importStock(lines: readonly StockLine[]): Promise<{ importId: string }> {
    if (lines.length === 0) throw new RangeError('STO01 needs at least one line');
    const file = stockFile(lines);
    const body = await this.importCall<{ import_id: string | number }>(
      { operation: 'STO01', method: 'POST', path: '/api/offers/stock/imports' },
      () => this.form(file, 'stock.csv'),
    );
    return { importId: String(body.import_id) };
  }

  /** P41: a products file in the operator's format. */
  async importProducts(file: string | Uint8Array): Promise<{ importId: number }> {
    const body = await this.importCall<{ import_id: number }>(
      { operation: 'P41', method: 'POST', path: '/api/products/imports' },
      () => this.form(file, 'products.csv'),
    );
    return { importId: body.import_id };
  }

  /** OF02 / STO02 / P42: where an import stands. */
  getImport(kind: 'offers', importId: number | string): Promise<MiraklOfferImport>;
  getImport(kind: 'stock', importId: number | string): Promise<MiraklStockImport>;
  getImport(kind: 'products', importId: number | string): Promise<MiraklProductImport>;
  async getImport(
    kind: ImportKind,
    importId: number | string,
  ): Promise<MiraklOfferImport | MiraklStockImport | MiraklProductImport> {
    const id = encodeURIComponent(String(importId));
    const res = await this.transport.call<MiraklOfferImport>({
      operation: IMPORTS[kind].status,
      method: 'GET',
      path: kind === 'stock' ? `${IMPORTS[kind].path(id)}/status` : IMPORTS[kind].path(id),
    });
    if (!res.body) throw new RangeError(`${IMPORTS[kind].status}: empty answer for import ${importId}`);
    return res.body;
  }

  /** The status of an import, whatever its kind: `COMPLETE`, `FAILED`… (`import_status` for products). */
  static importState(status: MiraklOfferImport | MiraklStockImport | MiraklProductImport): string {
    return String((status as MiraklProductImport).import_status ?? (status as MiraklOfferImport).status);
  }

  /**
   * Polls an import until it is final (COMPLETE, FAILED…) or `timeoutMs` passes (then the last status is
   * returned as it is). Polls go through the operation's rate-limit lane like any call.
   */
  async awaitImport(
    kind: ImportKind,
    importId: number | string,
    options: { pollMs?: number; timeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {},
  ): Promise<MiraklOfferImport | MiraklStockImport | MiraklProductImport> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
    for (;;) {
      const status = await this.getImport(kind as 'offers', importId);
      if (FINAL_IMPORT_STATES.has(MiraklClient.importState(status)) || Date.now() >= deadline) return status;
      await sleep(options.pollMs ?? 15_000);
    }
  }

  /** OF03 / STO03 / P44: the lines Mirakl refused, with their reasons (empty when there is no report). */
  async getImportErrors(kind: ImportKind, importId: number | string): Promise<ImportErrorLine[]> {
    const id = encodeURIComponent(String(importId));
    try {
      const res = await this.transport.call<string>({
        operation: IMPORTS[kind].report,
        method: 'GET',
        path: `${IMPORTS[kind].path(id)}/error_report`,
        responseType: 'text',
      });
      return parseErrorReport(res.body ?? '');
    } catch (err) {
      if (err instanceof MiraklApiError && err.status === 404) return [];
      throw err;
    }
  }

  /**
   * An import request is sent once. Mirakl gives imports no idempotency key and documents duplicate
   * detection only for OF01/OF24 while the first is still waiting; a resend after the limiter's wait (one a
   * minute) could land after a newer import and bring back older values. So an answer-less failure is thrown
   * (`transient`): the caller re-queues its lines and the next cycle sends the values as they are then.
   */
  private async importCall<B>(req: MiraklRequest, form?: () => FormData): Promise<B> {
    const res = await this.transport.call<B>(form ? { ...req, form: form() } : req);
    if (!res.body) {
      throw new MiraklApiError(
        req.operation,
        this.marketplace,
        res.status,
        'no import id in the answer',
        undefined,
        undefined,
        `${req.method} ${req.path}`,
      );
    }
    return res.body;
  }

  private form(
    file: string | Uint8Array | Blob,
    filename: string,
    fields: Record<string, string> = {},
  ): FormData {
    const form = new FormData();
    form.append('file', file instanceof Blob ? file : new Blob([file], { type: 'text/csv' }), filename);
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    return form;
  }

  /**
   * A write is sent once. Only when it got no clear answer (transient error) is the state read back:
   * `landed` says whether the write already took effect (and what to return), else it is sent again.
   * A refusal from Mirakl (4xx) is thrown at once.
   */
  private async writeWithReadBack<R, B = unknown>(
    req: MiraklRequest,
    landed: () => Promise<R | undefined>,
    attempts: number,
    answer?: (body: B | undefined) => void,
  ): Promise<R | { outcome: 'sent' }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.transport.call<B>(req);
        answer?.(res.body);
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
