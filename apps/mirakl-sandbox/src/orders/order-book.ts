import type { MarketplaceSettings } from '../marketplace';
import type { SandboxClock } from '../sandbox-clock';

/** A line as a buyer orders it (admin API). */
export interface OrderLineInput {
  offerSku: string;
  quantity: number;
  /** Unit price, tax included. */
  unitPrice: number;
  commissionRate?: number;
  /** The operator's product behind the offer (buyers set them from the offer). */
  productSku?: string;
  productTitle?: string;
}

export interface OrderInput {
  customerId: string;
  lines: OrderLineInput[];
  shippingTypeCode?: string;
  shippingPrice?: number;
}

interface Line {
  order_line_id: string;
  order_line_index: number;
  order_line_state: string;
  offer_sku: string;
  product_sku: string;
  product_title: string;
  quantity: number;
  price_unit: number;
  price: number;
  shipping_price: number;
  taxes: { code: string; amount: number }[];
  commission_fee: number;
  total_commission: number;
  total_price: number;
}

/** What the sandbox keeps per order: Mirakl's fields, plus when each state ends. */
interface StoredOrder {
  marketplace: string;
  order: Record<string, unknown> & { order_id: string; order_state: string; order_lines: Line[] };
  /** Time of the next automatic transition, if any. */
  dueAt?: number;
  history: { state: string; at: string }[];
  address: Record<string, unknown>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * What happened to an order, for whoever keeps books on the side (the seller ledger behind TL02/IV01/SBC11).
 * `order` is a snapshot taken after the change.
 */
export type OrderEvent =
  | {
      kind: 'state';
      marketplace: string;
      orderId: string;
      from: string;
      to: string;
      at: number;
      order: Readonly<Record<string, unknown>>;
    }
  | {
      kind: 'refund';
      marketplace: string;
      orderId: string;
      at: number;
      order: Readonly<Record<string, unknown>>;
      /** One per refunded line: amounts are positive, tax included where the order is TAX_INCLUDED. */
      refunds: {
        refund_id: string;
        order_line_id: string;
        quantity: number;
        amount: number;
        shipping_amount: number;
        taxes: { code: string; amount: number }[];
        shipping_taxes: { code: string; amount: number }[];
        commission_amount: number;
        commission_taxes: { code: string; amount: number }[];
        reason_code: string;
      }[];
    };

/**
 * Orders of every marketplace and their lifecycle, as Mirakl runs it:
 * STAGING → WAITING_ACCEPTANCE → (OR21) → WAITING_DEBIT → WAITING_DEBIT_PAYMENT → SHIPPING, or REFUSED when
 * every line is refused or the acceptance window passes. `last_updated_date` moves on every change.
 * Time-driven transitions happen when the clock is read past their due time (`settle`).
 */
export class OrderBook {
  private readonly orders = new Map<string, StoredOrder>();
  private seq = 0;
  private readonly listeners: ((e: OrderEvent) => void)[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly marketplaces: Map<string, MarketplaceSettings>,
  ) {}

  place(marketplace: string, input: OrderInput): string {
    const mp = this.settings(marketplace);
    if (typeof input?.customerId !== 'string' || !input.customerId)
      throw new RangeError('customerId (a string) is required');
    if (!Array.isArray(input.lines) || input.lines.length === 0)
      throw new RangeError('an order needs at least one line');
    const now = this.clock.now();
    this.seq++;
    const commercialId = `${now.toString(36).toUpperCase()}${String(this.seq).padStart(4, '0')}`;
    const orderId = `${commercialId}-A`;
    const shipping = input.shippingPrice ?? 4.99;
    const lines: Line[] = input.lines.map((l, i) => {
      if (typeof l?.offerSku !== 'string' || !l.offerSku)
        throw new RangeError(`line ${i + 1}: offerSku (a string) is required`);
      if (
        !Number.isInteger(l.quantity) ||
        l.quantity < 1 ||
        typeof l.unitPrice !== 'number' ||
        !(l.unitPrice >= 0)
      ) {
        throw new RangeError(
          `line ${i + 1}: quantity (an integer >= 1) and unitPrice (a number >= 0) are required`,
        );
      }
      const price = round2(l.unitPrice * l.quantity);
      const lineShipping = i === 0 ? shipping : 0;
      const commission = round2(price * (l.commissionRate ?? 0.12));
      return {
        order_line_id: `${orderId}-${i + 1}`,
        order_line_index: i + 1,
        order_line_state: 'STAGING',
        offer_sku: l.offerSku,
        product_sku: l.productSku ?? `P-${l.offerSku}`,
        product_title: l.productTitle ?? l.offerSku,
        quantity: l.quantity,
        price_unit: l.unitPrice,
        price,
        shipping_price: lineShipping,
        taxes: [{ code: 'TVA', amount: round2(price - price / 1.2) }],
        commission_fee: commission,
        total_commission: round2(commission * 1.2),
        total_price: round2(price + lineShipping),
      };
    });
    const iso = new Date(now).toISOString();
    const order = {
      order_id: orderId,
      commercial_id: commercialId,
      order_state: 'STAGING',
      created_date: iso,
      last_updated_date: iso,
      acceptance_decision_date: null,
      currency_iso_code: mp.currency,
      order_tax_mode: 'TAX_INCLUDED',
      shipping_type_code: input.shippingTypeCode ?? 'STD',
      price: round2(lines.reduce((s, l) => s + l.price, 0)),
      shipping_price: shipping,
      total_price: round2(lines.reduce((s, l) => s + l.total_price, 0)),
      total_commission: round2(lines.reduce((s, l) => s + l.total_commission, 0)),
      customer: {
        customer_id: input.customerId,
        firstname: null,
        lastname: null,
        shipping_address: null,
        billing_address: null,
      },
      customer_notification_email: `${input.customerId.toLowerCase()}-${commercialId.toLowerCase()}@notification.${marketplace}.example`,
      shipping_deadline: null,
      order_lines: lines,
    };
    this.orders.set(this.key(marketplace, orderId), {
      marketplace,
      order,
      dueAt: now + mp.stagingMs,
      history: [{ state: 'STAGING', at: iso }],
      address: {
        firstname: 'Alex',
        lastname: 'Martin',
        street_1: '12 rue des Lilas',
        zip_code: '69003',
        city: 'Lyon',
        country: 'France',
        country_iso_code: 'FRA',
      },
    });
    this.emit({
      kind: 'state',
      marketplace,
      orderId,
      from: '',
      to: 'STAGING',
      at: now,
      order: structuredClone(order),
    });
    this.settle();
    return orderId;
  }

  /** Calls `listener` after every state change and refund, in the order they happen. */
  onEvent(listener: (e: OrderEvent) => void): void {
    this.listeners.push(listener);
  }

  protected emit(e: OrderEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Every order of a marketplace, in creation order, after time-driven transitions. */
  list(marketplace: string): Record<string, unknown>[] {
    this.settle();
    return [...this.orders.values()].filter((o) => o.marketplace === marketplace).map((o) => o.order);
  }

  get(marketplace: string, orderId: string): StoredOrder | undefined {
    this.settle();
    return this.orders.get(this.key(marketplace, orderId));
  }

  /** OR21. Throws `SandboxRefusal` with Mirakl's status and message when Mirakl would refuse the call. */
  accept(marketplace: string, orderId: string, decisions: { id: string; accepted: boolean }[]): void {
    const { mp, stored, order: o } = this.orderIn(marketplace, orderId, ['WAITING_ACCEPTANCE']);
    const byId = new Map(decisions.map((d) => [d.id, d.accepted]));
    const missing = o.order_lines.filter((l) => typeof byId.get(l.order_line_id) !== 'boolean');
    if (missing.length > 0 || byId.size !== o.order_lines.length) {
      throw new SandboxRefusal(
        400,
        `A decision is required for every order line: missing ${missing.map((l) => l.order_line_id).join(', ') || 'none; unknown ids given'}`,
      );
    }
    const accepted = o.order_lines.filter((l) => byId.get(l.order_line_id));
    if (!mp.partialAcceptance && accepted.length > 0 && accepted.length < o.order_lines.length) {
      throw new SandboxRefusal(
        400,
        'Partial acceptance is not allowed on this marketplace: accept or refuse every line',
      );
    }
    const now = this.clock.now();
    o.acceptance_decision_date = new Date(now).toISOString();
    for (const l of o.order_lines)
      l.order_line_state = byId.get(l.order_line_id) ? 'WAITING_DEBIT' : 'REFUSED';
    if (accepted.length === 0) this.move(stored, 'REFUSED', undefined);
    else {
      (o.customer as Record<string, unknown>).shipping_address = stored.address;
      (o.customer as Record<string, unknown>).billing_address = stored.address;
      (o.customer as Record<string, unknown>).firstname = stored.address.firstname;
      (o.customer as Record<string, unknown>).lastname = stored.address.lastname;
      this.move(stored, 'WAITING_DEBIT', now + mp.debitMs / 2);
    }
  }

  /** OR23: the carrier must be a SH21 code, or a free name where the marketplace allows it. */
  setTracking(
    marketplace: string,
    orderId: string,
    t: { carrier_code?: string; carrier_name?: string; carrier_url?: string; tracking_number?: string },
  ): void {
    const { mp, order: o } = this.orderIn(marketplace, orderId, [
      'SHIPPING',
      'SHIPPED',
      'TO_COLLECT',
      'RECEIVED',
    ]);
    if (!t.tracking_number?.trim()) throw new SandboxRefusal(400, 'tracking_number is required');
    let carrier: { code?: string; name: string; url?: string };
    if (t.carrier_code) {
      const known = mp.carriers.find((c) => c.code === t.carrier_code);
      if (!known)
        throw new SandboxRefusal(
          400,
          `The carrier code '${t.carrier_code}' does not exist`,
          'CARRIER_NOT_FOUND',
        );
      carrier = {
        code: known.code,
        name: known.label,
        url: known.tracking_url?.replace('{trackingId}', encodeURIComponent(t.tracking_number)),
      };
    } else if (t.carrier_name) {
      if (!mp.alternativeCarriersAllowed) {
        throw new SandboxRefusal(
          400,
          'Carriers that are not registered on the marketplace are not allowed: send a carrier_code',
          'CARRIER_NOT_ALLOWED',
        );
      }
      carrier = { name: t.carrier_name, url: t.carrier_url };
    } else throw new SandboxRefusal(400, 'carrier_code or carrier_name is required');
    Object.assign(o, {
      shipping_carrier_code: carrier.code ?? null,
      shipping_company: carrier.name,
      shipping_tracking: t.tracking_number,
      shipping_tracking_url: carrier.url ?? null,
      last_updated_date: new Date(this.clock.now()).toISOString(),
    });
    this.trackingUpdates.push({
      marketplace,
      orderId,
      carrierCode: carrier.code,
      carrierName: carrier.name,
      trackingNumber: t.tracking_number,
      at: o.last_updated_date as string,
    });
  }

  /** OR24: only in SHIPPING, and only after tracking where the shipping type demands it. */
  ship(marketplace: string, orderId: string): void {
    const { mp, stored, order: o } = this.orderIn(marketplace, orderId, ['SHIPPING']);
    const type = mp.shippingTypes.find((s) => s.code === o.shipping_type_code);
    if (type?.mandatory_tracking && !o.shipping_tracking) {
      throw new SandboxRefusal(400, 'Tracking details are mandatory for this shipping method.');
    }
    for (const l of o.order_lines) if (l.order_line_state === 'SHIPPING') l.order_line_state = 'SHIPPED';
    this.move(stored, 'SHIPPED', undefined);
  }

  /** Every OR23 the sandbox accepted (admin truth). */
  readonly trackingUpdates: {
    marketplace: string;
    orderId: string;
    carrierCode?: string;
    carrierName: string;
    trackingNumber: string;
    at: string;
  }[] = [];

  /** Applies every transition whose time has come, in time order. */
  settle(): void {
    const now = this.clock.now();
    for (const stored of this.orders.values()) {
      while (stored.dueAt !== undefined && stored.dueAt <= now) {
        const mp = this.settings(stored.marketplace);
        const at = stored.dueAt;
        switch (stored.order.order_state) {
          case 'STAGING':
            this.move(stored, 'WAITING_ACCEPTANCE', at + mp.acceptanceWindowMs, at);
            break;
          case 'WAITING_ACCEPTANCE': // the window passed: the platform refuses the order
            for (const l of stored.order.order_lines) l.order_line_state = 'REFUSED';
            this.move(stored, 'REFUSED', undefined, at);
            break;
          case 'WAITING_DEBIT':
            this.move(stored, 'WAITING_DEBIT_PAYMENT', at + mp.debitMs / 2, at);
            break;
          case 'WAITING_DEBIT_PAYMENT':
            for (const l of stored.order.order_lines)
              if (l.order_line_state !== 'REFUSED') l.order_line_state = 'SHIPPING';
            stored.order.shipping_deadline = new Date(at + 2 * 24 * 3_600_000).toISOString();
            this.move(stored, 'SHIPPING', undefined, at);
            break;
          default:
            stored.dueAt = undefined;
        }
      }
    }
  }

  /** The order, if it is in one of `states`; else the refusal Mirakl gives (404, or 400 ORDER_INVALID_STATE). */
  private orderIn(marketplace: string, orderId: string, states: string[]) {
    const mp = this.settings(marketplace);
    const stored = this.get(marketplace, orderId);
    if (!stored) throw new SandboxRefusal(404, `Order with id '${orderId}' not found`);
    const order = stored.order;
    if (!states.includes(order.order_state)) {
      throw new SandboxRefusal(
        400,
        `The order ${orderId} is not in state ${states.join(' or ')} (state: ${order.order_state})`,
        'ORDER_INVALID_STATE',
      );
    }
    return { mp, stored, order };
  }

  private move(stored: StoredOrder, state: string, dueAt: number | undefined, at = this.clock.now()): void {
    const iso = new Date(at).toISOString();
    const from = stored.order.order_state;
    stored.order.order_state = state;
    stored.order.last_updated_date = iso;
    if (state === 'WAITING_ACCEPTANCE')
      for (const l of stored.order.order_lines) l.order_line_state = 'WAITING_ACCEPTANCE';
    stored.dueAt = dueAt;
    stored.history.push({ state, at: iso });
    this.emit({
      kind: 'state',
      marketplace: stored.marketplace,
      orderId: stored.order.order_id,
      from,
      to: state,
      at,
      order: structuredClone(stored.order),
    });
  }

  private settings(marketplace: string): MarketplaceSettings {
    const mp = this.marketplaces.get(marketplace);
    if (!mp) throw new RangeError(`unknown marketplace ${marketplace}`);
    return mp;
  }

  private key(marketplace: string, orderId: string): string {
    return `${marketplace}/${orderId}`;
  }
}

/** A call Mirakl would answer with an error. */
export class SandboxRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}
