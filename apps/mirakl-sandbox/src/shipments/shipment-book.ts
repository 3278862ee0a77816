import { randomUUID } from 'node:crypto';
import type { MarketplaceSettings } from '../marketplace';
import { SandboxRefusal, type OrderBook, type OrderEvent } from '../orders/order-book';
import type { SandboxClock } from '../sandbox-clock';
import { shipmentTracking, type ShipmentTracking } from './shipment-tracking';

export interface ShipmentLine {
  order_line_id: string;
  offer_sku: string;
  quantity: number;
  package_reference?: string;
}

/** A shipment as the sandbox keeps it (ST11 lists these fields). */
export interface StoredShipment {
  marketplace: string;
  seq: number;
  id: string;
  order_id: string;
  status: 'SHIPPING' | 'SHIPPED' | 'RECEIVED' | 'CLOSED' | 'CANCELED';
  status_customer_debit: 'DEBIT_OK';
  created_date: string;
  last_updated_date: string;
  shipped_date?: string;
  invoice_reference?: string;
  shipment_lines: ShipmentLine[];
  tracking?: ShipmentTracking;
  shipping_from?: { warehouse: { code: string } };
  /** How it was made: ST01, or OR24 shipping the rest of an order in one go. */
  source: 'ST01' | 'OR24';
}

/** Per-item outcome of ST01/ST23/ST24: Mirakl answers 200/201 with both lists. */
export interface ItemOutcome<S> {
  success: S[];
  errors: { order_id?: string; id?: string; message: string }[];
}

type Order = NonNullable<ReturnType<OrderBook['get']>>['order'];
type OrderLine = Order['order_lines'][number];

/**
 * Multi-shipment (ST01, ST11, ST23, ST24) where a marketplace allows several shipments per order
 * (`multiShipment`). Each item of a call is checked and applied on its own: a refused one is an entry of
 * `shipment_errors` in a successful answer, as on Mirakl. Quantities are checked against what each order
 * line still has to ship (ordered, less cancelled, less every shipment made); a line is SHIPPED once its
 * shipped shipments carry all of it, the order once no line is left in SHIPPING (the order book's
 * `shipLines`). On such a marketplace OR24 still works: it ships whatever remains as one last shipment.
 */
export class ShipmentBook {
  private readonly byOrder = new Map<string, StoredShipment[]>();
  private readonly byId = new Map<string, StoredShipment>();
  private seq = 0;

  constructor(
    private readonly clock: SandboxClock,
    private readonly marketplaces: Map<string, MarketplaceSettings>,
    private readonly orders: OrderBook,
  ) {
    orders.onEvent((e) => this.onOrderEvent(e));
  }

  /** ST01: each shipment checked alone; `shipped` ships it at once. */
  create(marketplace: string, requests: Record<string, unknown>[]): ItemOutcome<StoredShipment> {
    const mp = this.enabled(marketplace);
    const out: ItemOutcome<StoredShipment> = { success: [], errors: [] };
    for (const r of requests) {
      const orderId = typeof r.order_id === 'string' ? r.order_id : '';
      try {
        out.success.push(this.createOne(mp, orderId, r));
      } catch (err) {
        if (!(err instanceof SandboxRefusal)) throw err;
        out.errors.push({ order_id: orderId, message: err.message });
      }
    }
    return out;
  }

  /** ST23: tracking of shipments not yet received. */
  updateTracking(marketplace: string, items: Record<string, unknown>[]): ItemOutcome<{ id: string }> {
    const mp = this.enabled(marketplace);
    return this.each(marketplace, items, (s, item) => {
      if (s.status !== 'SHIPPING' && s.status !== 'SHIPPED')
        throw new SandboxRefusal(400, `The shipment ${s.id} cannot be updated in status ${s.status}`);
      const t = item.tracking;
      if (!t || typeof t !== 'object') throw new SandboxRefusal(400, `tracking is required`);
      s.tracking = shipmentTracking(mp, t as Record<string, unknown>);
      this.touch(s);
    });
  }

  /** ST24: SHIPPING → SHIPPED, tracking first where the order's shipping type demands it. */
  ship(marketplace: string, items: Record<string, unknown>[]): ItemOutcome<{ id: string }> {
    const mp = this.enabled(marketplace);
    return this.each(marketplace, items, (s) => {
      if (s.status !== 'SHIPPING')
        throw new SandboxRefusal(400, `The shipment ${s.id} is not in status SHIPPING (status: ${s.status})`);
      this.checkMandatoryTracking(mp, this.order(marketplace, s.order_id), s.tracking);
      this.markShipped(s);
    });
  }

  /** ST11's data, in creation order (the routes page it). */
  list(marketplace: string): StoredShipment[] {
    this.enabled(marketplace);
    return this.all(marketplace);
  }

  /** Admin truth: every shipment of a marketplace (whatever its setting), oldest first. */
  all(marketplace: string): StoredShipment[] {
    this.orders.settle(); // the orders' time-driven states (RECEIVED, CLOSED) carry their shipments along
    return [...this.byId.values()].filter((s) => s.marketplace === marketplace);
  }

  /** Admin truth: per order line, the units in shipments (any) and in shipped shipments. */
  quantities(marketplace: string, orderId: string): Record<string, { inShipments: number; shipped: number }> {
    const out: Record<string, { inShipments: number; shipped: number }> = {};
    for (const s of this.byOrder.get(`${marketplace}/${orderId}`) ?? [])
      for (const l of s.shipment_lines) {
        const q = (out[l.order_line_id] ??= { inShipments: 0, shipped: 0 });
        if (s.status === 'CANCELED') continue;
        q.inShipments += l.quantity;
        if (s.status !== 'SHIPPING') q.shipped += l.quantity;
      }
    return out;
  }

  /**
   * OR29 on a multi-shipment marketplace: refused once the order has a shipment (parcels have left; what is
   * not shipped is cancelled by line, OR30). The sandbox's reading: Mirakl's description does not say.
   */
  checkOrderCancel(marketplace: string, orderId: string): void {
    if (!this.marketplaces.get(marketplace)?.multiShipment) return;
    if ((this.byOrder.get(`${marketplace}/${orderId}`) ?? []).some((s) => s.status !== 'CANCELED'))
      throw new SandboxRefusal(
        400,
        `The order ${orderId} has shipments and cannot be cancelled as a whole: cancel the lines not shipped`,
        'ORDER_INVALID_STATE',
      );
  }

  /** OR30 on a multi-shipment marketplace: never more units than a line has outside its shipments. */
  checkLineCancels(marketplace: string, requests: { order_line_id?: unknown; quantity?: unknown }[]): void {
    if (!this.marketplaces.get(marketplace)?.multiShipment) return;
    requests.forEach((r, i) => {
      const shipped = this.all(marketplace).filter(
        (s) => s.status !== 'CANCELED' && s.shipment_lines.some((l) => l.order_line_id === r.order_line_id),
      );
      if (shipped.length === 0 || typeof r.quantity !== 'number') return; // the order book checks the rest
      const line = this.order(marketplace, shipped[0].order_id).order_lines.find(
        (l) => l.order_line_id === r.order_line_id,
      )!;
      const left = this.remaining(marketplace, this.order(marketplace, shipped[0].order_id), line);
      if (r.quantity > left)
        throw new SandboxRefusal(
          400,
          `cancelations[${i}].quantity must be 1..${left}: the other units of ${line.order_line_id} are in shipments`,
        );
    });
  }

  /**
   * After OR30 (called once the cancellation is booked, so the books see it first): a line whose units are
   * now all shipped or cancelled is SHIPPED, and the order with it once no line is left in SHIPPING.
   */
  afterLineCancels(marketplace: string, lineIds: readonly string[]): void {
    if (!this.marketplaces.get(marketplace)?.multiShipment) return;
    // The sandbox's line ids are `<order_id>-<n>` (the order book finds lines the same way).
    for (const orderId of new Set(lineIds.map((id) => id.slice(0, Math.max(0, id.lastIndexOf('-')))))) {
      const stored = this.orders.get(marketplace, orderId);
      if (stored?.order.order_state === 'SHIPPING') this.shipFullLines(marketplace, orderId);
    }
  }

  private createOne(mp: MarketplaceSettings, orderId: string, r: Record<string, unknown>): StoredShipment {
    if (!orderId) throw new SandboxRefusal(400, 'order_id is required');
    const order = this.order(mp.code, orderId);
    if (order.order_state !== 'SHIPPING')
      throw new SandboxRefusal(
        400,
        `The order ${orderId} is not in state SHIPPING (state: ${order.order_state})`,
        'ORDER_INVALID_STATE',
      );
    const raw = r.shipment_lines;
    if (!Array.isArray(raw) || raw.length === 0)
      throw new SandboxRefusal(400, 'shipment_lines: a non-empty list is required');
    const taken = new Map<string, number>();
    const lines = raw.map((l: unknown, i) => {
      const line = this.lineFor(order, l, i);
      const quantity = (l as { quantity?: unknown }).quantity;
      const left = this.remaining(mp.code, order, line) - (taken.get(line.order_line_id) ?? 0);
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1)
        throw new SandboxRefusal(400, `shipment_lines[${i}].quantity must be a whole number >= 1`);
      if (quantity > left)
        throw new SandboxRefusal(
          400,
          `The quantity ${quantity} exceeds the quantity left to ship (${left}) of order line ${line.order_line_id}`,
        );
      taken.set(line.order_line_id, (taken.get(line.order_line_id) ?? 0) + quantity);
      const ref = (l as { package_reference?: unknown }).package_reference;
      return {
        order_line_id: line.order_line_id,
        offer_sku: line.offer_sku,
        quantity,
        ...(typeof ref === 'string' && ref ? { package_reference: ref } : {}),
      };
    });
    const tracking =
      r.tracking && typeof r.tracking === 'object'
        ? shipmentTracking(mp, r.tracking as Record<string, unknown>)
        : undefined;
    if (r.shipped === true) this.checkMandatoryTracking(mp, order, tracking);
    const warehouse = (r.shipping_from as { warehouse?: { code?: unknown } } | undefined)?.warehouse?.code;
    const s = this.add(mp.code, orderId, lines, 'ST01', {
      tracking,
      invoice_reference: typeof r.invoice_reference === 'string' ? r.invoice_reference : undefined,
      shipping_from: typeof warehouse === 'string' ? { warehouse: { code: warehouse } } : undefined,
    });
    if (r.shipped === true) this.markShipped(s);
    return s;
  }

  private add(
    marketplace: string,
    orderId: string,
    lines: ShipmentLine[],
    source: StoredShipment['source'],
    extra: Partial<StoredShipment>,
  ): StoredShipment {
    const iso = new Date(this.clock.now()).toISOString();
    const s: StoredShipment = {
      marketplace,
      seq: ++this.seq,
      id: randomUUID(),
      order_id: orderId,
      status: 'SHIPPING',
      status_customer_debit: 'DEBIT_OK',
      created_date: iso,
      last_updated_date: iso,
      shipment_lines: lines,
      source,
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
    };
    const key = `${marketplace}/${orderId}`;
    this.byOrder.set(key, [...(this.byOrder.get(key) ?? []), s]);
    this.byId.set(s.id, s);
    return s;
  }

  private markShipped(s: StoredShipment): void {
    s.status = 'SHIPPED';
    s.shipped_date = new Date(this.clock.now()).toISOString();
    this.touch(s);
    this.shipFullLines(s.marketplace, s.order_id);
  }

  /** Lines with shipped units and nothing left to ship become SHIPPED (the order book moves the order). */
  private shipFullLines(marketplace: string, orderId: string): void {
    const order = this.order(marketplace, orderId);
    if (order.order_state !== 'SHIPPING') return;
    const q = this.quantities(marketplace, orderId);
    const full = order.order_lines
      .filter((l) => {
        const shipped = q[l.order_line_id]?.shipped ?? 0;
        return shipped > 0 && shipped >= l.quantity - cancelled(l);
      })
      .map((l) => l.order_line_id);
    if (Object.values(q).some((x) => x.shipped > 0)) this.orders.shipLines(marketplace, orderId, full);
  }

  /**
   * When an order reaches SHIPPED by OR24 on a multi-shipment marketplace, what no shipment carried yet
   * becomes one last shipment (with the order's OR23 tracking), and open shipments are shipped with it.
   * The order's later states (RECEIVED, CLOSED) carry its shipments along.
   */
  private onOrderEvent(e: OrderEvent): void {
    if (e.kind !== 'state' || !this.marketplaces.get(e.marketplace)?.multiShipment) return;
    const mine = this.byOrder.get(`${e.marketplace}/${e.orderId}`) ?? [];
    if (e.to === 'RECEIVED' || e.to === 'CLOSED') {
      for (const s of mine.filter((x) => x.status === 'SHIPPED' || x.status === 'RECEIVED')) {
        s.status = e.to;
        this.touch(s);
      }
      return;
    }
    if (e.to !== 'SHIPPED') return;
    const order = e.order as unknown as Order & Record<string, unknown>;
    const q = this.quantities(e.marketplace, e.orderId);
    const rest = order.order_lines
      .map((l) => ({ l, left: l.quantity - cancelled(l) - (q[l.order_line_id]?.inShipments ?? 0) }))
      .filter((x) => x.left > 0 && x.l.order_line_state === 'SHIPPED');
    for (const s of mine.filter((x) => x.status === 'SHIPPING')) {
      s.status = 'SHIPPED';
      s.shipped_date = new Date(this.clock.now()).toISOString();
      this.touch(s);
    }
    if (rest.length === 0) return;
    const tracking = order.shipping_tracking
      ? {
          carrier_code: (order.shipping_carrier_code as string | null) ?? undefined,
          carrier_name: order.shipping_company as string,
          tracking_number: order.shipping_tracking as string,
          tracking_url: (order.shipping_tracking_url as string | null) ?? undefined,
        }
      : undefined;
    const s = this.add(
      e.marketplace,
      e.orderId,
      rest.map(({ l, left }) => ({ order_line_id: l.order_line_id, offer_sku: l.offer_sku, quantity: left })),
      'OR24',
      { tracking },
    );
    s.status = 'SHIPPED';
    s.shipped_date = s.created_date;
  }

  private each(
    marketplace: string,
    items: Record<string, unknown>[],
    apply: (s: StoredShipment, item: Record<string, unknown>) => void,
  ): ItemOutcome<{ id: string }> {
    const out: ItemOutcome<{ id: string }> = { success: [], errors: [] };
    for (const item of items) {
      const id = typeof item.id === 'string' ? item.id : '';
      try {
        const s = this.byId.get(id);
        if (!s || s.marketplace !== marketplace)
          throw new SandboxRefusal(404, `Shipment with id '${id}' not found`);
        apply(s, item);
        out.success.push({ id });
      } catch (err) {
        if (!(err instanceof SandboxRefusal)) throw err;
        out.errors.push({ id, message: err.message });
      }
    }
    return out;
  }

  /** The order line a shipment line names: by `order_line_id`, else by `offer_sku` when it is unambiguous. */
  private lineFor(order: Order, l: unknown, i: number): OrderLine {
    const { order_line_id: id, offer_sku: sku } = (l ?? {}) as {
      order_line_id?: unknown;
      offer_sku?: unknown;
    };
    const matches = order.order_lines.filter((x) =>
      typeof id === 'string' && id ? x.order_line_id === id : typeof sku === 'string' && x.offer_sku === sku,
    );
    if (matches.length === 0)
      throw new SandboxRefusal(
        400,
        `shipment_lines[${i}]: no line ${String(id ?? sku)} in order ${order.order_id} (order_line_id or offer_sku)`,
      );
    if (matches.length > 1)
      throw new SandboxRefusal(
        400,
        `shipment_lines[${i}]: offer_sku ${String(sku)} is on several lines of order ${order.order_id}: use order_line_id`,
      );
    const line = matches[0];
    if (line.order_line_state !== 'SHIPPING')
      throw new SandboxRefusal(
        400,
        `The order line ${line.order_line_id} cannot be shipped in state ${line.order_line_state}`,
        'ORDER_LINE_INVALID_STATE',
      );
    return line;
  }

  /** What a line still has to ship: ordered, less cancelled, less every shipment already made. */
  private remaining(marketplace: string, order: Order, line: OrderLine): number {
    const q = this.quantities(marketplace, order.order_id)[line.order_line_id];
    return line.quantity - cancelled(line) - (q?.inShipments ?? 0);
  }

  private checkMandatoryTracking(mp: MarketplaceSettings, order: Order, tracking?: ShipmentTracking): void {
    const type = mp.shippingTypes.find((t) => t.code === order.shipping_type_code);
    if (type?.mandatory_tracking && !tracking?.tracking_number)
      throw new SandboxRefusal(400, 'Tracking details are mandatory for this shipping method.');
  }

  private order(marketplace: string, orderId: string): Order {
    const stored = this.orders.get(marketplace, orderId);
    if (!stored) throw new SandboxRefusal(404, `Order with id '${orderId}' not found`);
    return stored.order;
  }

  /**
   * The marketplace, if the operator enabled several shipments per order. Mirakl's description documents no
   * answer for a platform without the feature; the sandbox refuses the call as a whole (nothing is applied).
   */
  private enabled(marketplace: string): MarketplaceSettings {
    const mp = this.marketplaces.get(marketplace);
    if (!mp) throw new RangeError(`unknown marketplace ${marketplace}`);
    if (!mp.multiShipment)
      throw new SandboxRefusal(
        403,
        'Multiple shipments are not enabled on this marketplace: ship orders with OR23 and OR24',
        'MULTI_SHIPMENT_DISABLED',
      );
    return mp;
  }

  private touch(s: StoredShipment): void {
    s.last_updated_date = new Date(this.clock.now()).toISOString();
  }
}

const cancelled = (l: OrderLine) =>
  (l.cancelations ?? []).reduce((n: number, c) => n + Number((c as { quantity?: unknown }).quantity ?? 0), 0);
