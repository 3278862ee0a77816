import { Heap } from 'heap-js';
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
  taxes: { code: string; amount: number; tax_calculation_rule: string }[];
  shipping_taxes: { code: string; amount: number; tax_calculation_rule: string }[];
  commission_taxes: { code: string; amount: number; rate?: number }[];
  /** Every OR28 refund and OR30 cancellation of the line, as OR11 lists them. */
  refunds: Record<string, unknown>[];
  cancelations: Record<string, unknown>[];
  commission_fee: number;
  total_commission: number;
  total_price: number;
  // Required by Mirakl's description of OR11 (OR11_Response_200_Orders_OrderLines), so the sandbox sends them.
  can_refund: boolean;
  category_code: string;
  category_label: string;
  commission_rate_vat: number;
  commission_vat: number;
  created_date: string;
  description: string;
  last_updated_date: string;
  offer_id: number;
  offer_state_code: string;
  order_line_additional_fields: Record<string, unknown>[];
  product_medias: Record<string, unknown>[];
}

/** What the sandbox keeps per order: Mirakl's fields, plus when each state ends. */
interface StoredOrder {
  marketplace: string;
  order: Record<string, unknown> & { order_id: string; order_state: string; order_lines: Line[] };
  /** Time of the next automatic transition, if any. */
  dueAt?: number;
  /** Decided when the debit is attempted. */
  debitFails?: boolean;
  history: { state: string; at: string }[];
  address: Record<string, unknown>;
  /** Lines with an open incident, and the state each goes back to when it is resolved. */
  incidents?: Map<string, string>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Buyers' addresses of a French marketplace, given only after acceptance. One in five has a free-text country
 * and a null ISO code, as some operators send (failure mode 11); one lives abroad (Madrid); one has a second
 * street line and a phone, others none.
 */
const ADDRESSES: Record<string, string | null>[] = [
  {
    firstname: 'Alex',
    lastname: 'Martin',
    street_1: '12 rue des Lilas',
    street_2: null,
    zip_code: '69003',
    city: 'Lyon',
    country: 'France',
    country_iso_code: 'FRA',
    phone: null,
  },
  {
    firstname: 'Lucía',
    lastname: 'García Pérez',
    street_1: 'Calle de Alcalá 48',
    street_2: '3º B',
    zip_code: '28014',
    city: 'Madrid',
    country: 'España',
    country_iso_code: 'ESP',
    phone: '+34 600 000 000',
  },
  {
    firstname: 'Jean-Baptiste',
    lastname: "L'Hôte",
    street_1: '4 place du Marché',
    street_2: null,
    zip_code: '33000',
    city: 'Bordeaux',
    country: 'FR',
    country_iso_code: null,
    phone: null,
  },
  {
    firstname: 'Sophie',
    lastname: 'Dubois',
    street_1: '27 avenue Jean Jaurès',
    street_2: 'Bâtiment C',
    zip_code: '31000',
    city: 'Toulouse',
    country: 'France',
    country_iso_code: 'FRA',
    phone: '+33 6 00 00 00 00',
  },
  {
    firstname: 'Marc',
    lastname: 'Lefèvre',
    street_1: '3 rue Nationale',
    street_2: null,
    zip_code: '59000',
    city: 'Lille',
    country: 'France',
    country_iso_code: 'FRA',
    phone: null,
  },
];

/** The same for a Spanish marketplace: four in Spain (one with a free-text country), one in France. */
const SPANISH_ADDRESSES: Record<string, string | null>[] = [
  {
    firstname: 'Lucía',
    lastname: 'García Pérez',
    street_1: 'Calle de Alcalá 48',
    street_2: '3º B',
    zip_code: '28014',
    city: 'Madrid',
    country: 'España',
    country_iso_code: 'ESP',
    phone: '+34 600 000 000',
  },
  {
    firstname: 'Jordi',
    lastname: 'Puig i Serra',
    street_1: 'Carrer de Mallorca 215',
    street_2: null,
    zip_code: '08008',
    city: 'Barcelona',
    country: 'ES',
    country_iso_code: null,
    phone: null,
  },
  {
    firstname: 'Carmen',
    lastname: 'Ruiz',
    street_1: 'Avenida de la Constitución 12',
    street_2: null,
    zip_code: '41004',
    city: 'Sevilla',
    country: 'España',
    country_iso_code: 'ESP',
    phone: null,
  },
  {
    firstname: 'Alex',
    lastname: 'Martin',
    street_1: '12 rue des Lilas',
    street_2: null,
    zip_code: '69003',
    city: 'Lyon',
    country: 'France',
    country_iso_code: 'FRA',
    phone: null,
  },
  {
    firstname: 'Pablo',
    lastname: 'Fernández',
    street_1: 'Calle de Colón 20',
    street_2: 'Puerta 7',
    zip_code: '46004',
    city: 'Valencia',
    country: 'España',
    country_iso_code: 'ESP',
    phone: '+34 611 111 111',
  },
];

/** The buyers of a marketplace live mostly in its country (`MarketplaceSettings.country`). */
function buyerAddresses(country: string | undefined): Record<string, string | null>[] {
  return country === 'ESP' ? SPANISH_ADDRESSES : ADDRESSES;
}

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
      /** OR29 / OR30: quantities cancelled before shipping (the order's state event follows if it ends CANCELED). */
      kind: 'cancelation';
      marketplace: string;
      orderId: string;
      at: number;
      order: Readonly<Record<string, unknown>>;
      cancelations: {
        cancelation_id: string;
        order_line_id: string;
        quantity: number;
        amount: number;
        shipping_amount: number;
        reason_code: string;
      }[];
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
        commission_taxes: { code: string; amount: number; rate?: number }[];
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
  /** Each marketplace's orders in creation order (OR11 reads one marketplace). */
  private readonly byMarketplace = new Map<string, StoredOrder[]>();
  /**
   * Time-driven transitions to come, earliest first (then in the order they were scheduled): `[dueAt, n, key]`. An entry whose order has moved on since
   * (its `dueAt` is no longer this one) is stale and skipped, so `settle` touches only orders that are due
   * instead of walking the whole book on every call.
   */
  private readonly due = new Heap<[number, number, string]>((a, b) => a[0] - b[0] || a[1] - b[1]);
  private scheduled = 0;
  private seq = 0;
  private readonly listeners: ((e: OrderEvent) => void)[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly marketplaces: Map<string, MarketplaceSettings>,
    private readonly random: () => number = Math.random,
  ) {}

  /** Checks an order as `place` would, without placing it (a RangeError says what is wrong). */
  validate(marketplace: string, input: OrderInput): void {
    this.check(this.settings(marketplace), marketplace, input);
  }

  place(marketplace: string, input: OrderInput): string {
    const mp = this.settings(marketplace);
    this.check(mp, marketplace, input);
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
        refunds: [],
        cancelations: [],
        price_unit: l.unitPrice,
        price,
        shipping_price: lineShipping,
        taxes: [
          {
            code: 'TVA',
            amount: round2(price - price / 1.2),
            tax_calculation_rule: 'PROPORTIONAL_TO_AMOUNT',
          },
        ],
        // Shipping is sold tax included at 20%, as the line's price is.
        shipping_taxes:
          lineShipping > 0
            ? [
                {
                  code: 'TVA',
                  amount: round2(lineShipping - lineShipping / 1.2),
                  tax_calculation_rule: 'PROPORTIONAL_TO_AMOUNT',
                },
              ]
            : [],
        commission_fee: commission,
        commission_taxes: [{ code: 'TVA', amount: round2(commission * 0.2), rate: 20 }],
        total_commission: round2(commission * 1.2),
        total_price: round2(price + lineShipping),
        can_refund: false,
        category_code: 'SANDBOX',
        category_label: 'Sandbox category',
        commission_rate_vat: 20,
        commission_vat: round2(commission * 0.2),
        created_date: new Date(now).toISOString(),
        description: l.productTitle ?? l.offerSku,
        last_updated_date: new Date(now).toISOString(),
        // A stable offer id per SKU (Mirakl's offer ids are integers).
        offer_id: [...l.offerSku].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 2_000_000_000, 7),
        offer_state_code: '11', // Mirakl's "New" condition
        order_line_additional_fields: [],
        product_medias: [],
      };
    });
    const iso = new Date(now).toISOString();
    const addresses = buyerAddresses(mp.country);
    const address = addresses[this.seq % addresses.length];
    const order = {
      order_id: orderId,
      commercial_id: commercialId,
      order_state: 'STAGING',
      created_date: iso,
      last_updated_date: iso,
      acceptance_decision_date: null,
      can_cancel: false,
      can_shop_ship: false,
      currency_iso_code: mp.currency,
      order_tax_mode: 'TAX_INCLUDED',
      shipping_type_code: input.shippingTypeCode ?? 'STD',
      shipping_type_label:
        mp.shippingTypes.find((t) => t.code === (input.shippingTypeCode ?? 'STD'))?.label ??
        input.shippingTypeCode ??
        'STD',
      shipping_zone_code: 'DOMESTIC',
      shipping_zone_label: 'Domestic',
      leadtime_to_ship: 2, // days: the shipping deadline is set 2 days after the debit
      fulfillment: { center: { code: 'DEFAULT' } },
      fully_refunded: false,
      has_customer_message: false,
      has_incident: false,
      has_invoice: false,
      paymentType: 'CREDIT_CARD', // deprecated by Mirakl, still required in OR11's description
      price: round2(lines.reduce((s, l) => s + l.price, 0)),
      shipping_price: shipping,
      total_price: round2(lines.reduce((s, l) => s + l.total_price, 0)),
      total_commission: round2(lines.reduce((s, l) => s + l.total_commission, 0)),
      customer: {
        customer_id: input.customerId,
        // Required strings in OR11's description (only the addresses are "Null before shipping (or acceptance)").
        firstname: address.firstname,
        lastname: address.lastname,
        shipping_address: null,
        billing_address: null,
      },
      customer_notification_email: `${input.customerId.toLowerCase()}-${commercialId.toLowerCase()}@notification.${marketplace}.example`,
      shipping_deadline: null,
      order_lines: lines,
    };
    const stored: StoredOrder = {
      marketplace,
      order,
      history: [{ state: 'STAGING', at: iso }],
      address,
    };
    this.orders.set(this.key(marketplace, orderId), stored);
    const ofMarketplace = this.byMarketplace.get(marketplace);
    if (ofMarketplace) ofMarketplace.push(stored);
    else this.byMarketplace.set(marketplace, [stored]);
    this.schedule(stored, now + mp.stagingMs);
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
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        // A side book failing must not leave the order half-moved or stop the clock: say it and go on.
        process.stderr.write(
          `mirakl-sandbox: order event listener failed on ${e.marketplace}/${e.orderId}: ${String(err)}\n`,
        );
      }
    }
  }

  private check(mp: MarketplaceSettings, marketplace: string, input: OrderInput): void {
    if (typeof input?.customerId !== 'string' || !input.customerId)
      throw new RangeError('customerId (a string) is required');
    if (!Array.isArray(input.lines) || input.lines.length === 0 || input.lines.length > 200)
      throw new RangeError('an order needs 1 to 200 lines');
    if (input.shippingPrice !== undefined && !isAmount(input.shippingPrice, 100_000))
      throw new RangeError('shippingPrice must be an amount from 0 to 100000 with at most 2 decimals');
    if (
      input.shippingTypeCode !== undefined &&
      !mp.shippingTypes.some((t) => t.code === input.shippingTypeCode)
    )
      throw new RangeError(
        `shippingTypeCode '${String(input.shippingTypeCode)}' is not a shipping type of ${marketplace}`,
      );
    for (const [i, l] of input.lines.entries()) {
      if (
        l?.commissionRate !== undefined &&
        !(typeof l.commissionRate === 'number' && l.commissionRate >= 0 && l.commissionRate <= 1)
      )
        throw new RangeError(`line ${i + 1}: commissionRate must be a number from 0 to 1`);
      if (l && typeof l.unitPrice === 'number' && !isAmount(l.unitPrice))
        throw new RangeError(
          `line ${i + 1}: unitPrice must be an amount from 0 to 1000000 with at most 2 decimals`,
        );
      if (l && Number.isInteger(l.quantity) && l.quantity > 10_000)
        throw new RangeError(`line ${i + 1}: quantity must be at most 10000`);
    }
    input.lines.forEach((l, i) => {
      if (typeof l?.offerSku !== 'string' || !l.offerSku)
        throw new RangeError(`line ${i + 1}: offerSku (a string) is required`);
      if (!Number.isInteger(l.quantity) || l.quantity < 1 || typeof l.unitPrice !== 'number')
        throw new RangeError(
          `line ${i + 1}: quantity (an integer >= 1) and unitPrice (a number >= 0) are required`,
        );
    });
  }

  /** Every order of a marketplace, in creation order, after time-driven transitions. */
  list(marketplace: string): Record<string, unknown>[] {
    this.settle();
    return (this.byMarketplace.get(marketplace) ?? []).map((o) => o.order);
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
    this.move(stored, 'SHIPPED', this.clock.now() + (mp.deliveryMs ?? 3 * 86_400_000));
  }

  /**
   * Multi-shipment (ST01 shipped / ST24, `src/shipments/`): the given lines have shipped in full and become
   * SHIPPED; the order becomes SHIPPED, as by OR24, once no line is left in SHIPPING.
   */
  shipLines(marketplace: string, orderId: string, lineIds: readonly string[]): void {
    const { mp, stored, order: o } = this.orderIn(marketplace, orderId, ['SHIPPING']);
    const iso = new Date(this.clock.now()).toISOString();
    for (const l of o.order_lines)
      if (lineIds.includes(l.order_line_id) && l.order_line_state === 'SHIPPING') {
        l.order_line_state = 'SHIPPED';
        l.last_updated_date = iso;
      }
    o.last_updated_date = iso;
    if (
      o.order_lines.some((l) => l.order_line_state === 'SHIPPED') &&
      o.order_lines.every((l) => l.order_line_state !== 'SHIPPING')
    )
      this.move(stored, 'SHIPPED', this.clock.now() + (mp.deliveryMs ?? 3 * 86_400_000));
  }

  /** OR29: the whole order, while it may still be cancelled (SHIPPING, before any shipment). */
  cancelOrder(marketplace: string, orderId: string): void {
    const { stored, order: o } = this.orderIn(marketplace, orderId, ['SHIPPING']);
    const done: { line: Line; c: ReturnType<OrderBook['cancelation']> }[] = [];
    for (const l of o.order_lines) {
      if (l.order_line_state !== 'SHIPPING') continue;
      const left = l.quantity - sum(l.cancelations, 'quantity');
      const c = this.cancelation(
        l,
        left,
        round2(l.price - sum(l.cancelations, 'amount')),
        round2(l.shipping_price - sum(l.cancelations, 'shipping_amount')),
        'SELLER_CANCELED',
      );
      l.cancelations.push(c);
      l.order_line_state = 'CANCELED';
      done.push({ line: l, c });
    }
    this.emitCancelations(stored, done);
    this.move(stored, 'CANCELED', undefined);
  }

  /**
   * OR30: cancellations of line quantities before shipping. Every cancellation is checked before any is
   * applied (Mirakl refuses the call as a whole); a line cancelled for all its quantity is CANCELED, an order
   * with every line cancelled or refused is CANCELED.
   */
  cancelLines(
    marketplace: string,
    requests: {
      order_line_id: string;
      quantity: number;
      amount: number;
      shipping_amount: number;
      reason_code: string;
    }[],
  ): Record<string, unknown>[] {
    const targets = requests.map((r, i) => {
      const found = this.lineOf(marketplace, r.order_line_id, i);
      const { stored, line } = found;
      if (stored.order.order_state !== 'SHIPPING' || line.order_line_state !== 'SHIPPING')
        throw new SandboxRefusal(
          400,
          `The order line ${line.order_line_id} cannot be canceled in state ${line.order_line_state}`,
          'ORDER_LINE_INVALID_STATE',
        );
      const left = line.quantity - sum(line.cancelations, 'quantity');
      if (!Number.isInteger(r.quantity) || r.quantity < 1 || r.quantity > left)
        throw new SandboxRefusal(400, `cancelations[${i}].quantity must be 1..${left}`);
      amountWithin(r.amount, line.price - sum(line.cancelations, 'amount'), `cancelations[${i}].amount`);
      amountWithin(
        r.shipping_amount,
        line.shipping_price - sum(line.cancelations, 'shipping_amount'),
        `cancelations[${i}].shipping_amount`,
      );
      if (typeof r.reason_code !== 'string' || !r.reason_code)
        throw new SandboxRefusal(400, `cancelations[${i}].reason_code is required`);
      return { ...found, r };
    });
    const byOrder = new Map<StoredOrder, { line: Line; c: ReturnType<OrderBook['cancelation']> }[]>();
    const created = targets.map(({ stored, line, r }) => {
      const c = this.cancelation(line, r.quantity, r.amount, r.shipping_amount, r.reason_code);
      line.cancelations.push(c);
      if (sum(line.cancelations, 'quantity') >= line.quantity) line.order_line_state = 'CANCELED';
      byOrder.set(stored, [...(byOrder.get(stored) ?? []), { line, c }]);
      return { ...c, cancelation_id: c.id, order_line_id: line.order_line_id };
    });
    for (const [stored, done] of byOrder) {
      this.emitCancelations(stored, done);
      const o = stored.order;
      if (o.order_lines.every((l) => l.order_line_state === 'CANCELED' || l.order_line_state === 'REFUSED'))
        this.move(stored, 'CANCELED', undefined);
    }
    return created;
  }

  private emitCancelations(
    stored: StoredOrder,
    done: { line: Line; c: ReturnType<OrderBook['cancelation']> }[],
  ): void {
    stored.order.last_updated_date = new Date(this.clock.now()).toISOString();
    this.emit({
      kind: 'cancelation',
      marketplace: stored.marketplace,
      orderId: stored.order.order_id,
      at: this.clock.now(),
      order: structuredClone(stored.order),
      cancelations: done.map(({ line, c }) => ({
        cancelation_id: c.id,
        order_line_id: line.order_line_id,
        quantity: c.quantity,
        amount: c.amount,
        shipping_amount: c.shipping_amount,
        reason_code: c.reason_code,
      })),
    });
  }

  /**
   * OR28: refunds on shipped lines (SHIPPED, RECEIVED, CLOSED), never more than what was paid and not yet
   * refunded; taxes are required because the orders carry taxes. A line refunded in full is REFUNDED.
   */
  refund(
    marketplace: string,
    requests: {
      order_line_id: string;
      quantity?: number;
      amount: number;
      shipping_amount: number;
      reason_code: string;
      taxes?: { code: string; amount: number }[];
      shipping_taxes?: { code: string; amount: number }[];
    }[],
  ): Record<string, unknown>[] {
    const targets = requests.map((r, i) => {
      const found = this.lineOf(marketplace, r.order_line_id, i);
      const { stored, line } = found;
      if (!['SHIPPED', 'RECEIVED', 'CLOSED'].includes(stored.order.order_state))
        throw new SandboxRefusal(
          400,
          `The order ${stored.order.order_id} cannot be refunded in state ${stored.order.order_state}`,
          'ORDER_INVALID_STATE',
        );
      amountWithin(r.amount, line.price - sum(line.refunds, 'amount'), `refunds[${i}].amount`);
      amountWithin(
        r.shipping_amount,
        line.shipping_price - sum(line.refunds, 'shipping_amount'),
        `refunds[${i}].shipping_amount`,
      );
      if (typeof r.reason_code !== 'string' || !r.reason_code)
        throw new SandboxRefusal(400, `refunds[${i}].reason_code is required`);
      if (!Array.isArray(r.taxes))
        throw new SandboxRefusal(400, `refunds[${i}].taxes is required: the order has taxes`);
      return { ...found, r };
    });
    const orderRefundId = `R-${++this.seq}`;
    const byOrder = new Map<StoredOrder, Record<string, unknown>[]>();
    const created = targets.map(({ stored, line, r }, i) => {
      const refund = {
        id: `${orderRefundId}-${i + 1}`,
        order_refund_id: orderRefundId,
        amount: r.amount,
        shipping_amount: r.shipping_amount,
        quantity: r.quantity ?? 0,
        reason_code: r.reason_code,
        taxes: (r.taxes ?? []).map((t) => ({ code: String(t.code), amount: Number(t.amount) })),
        shipping_taxes: (r.shipping_taxes ?? []).map((t) => ({
          code: String(t.code),
          amount: Number(t.amount),
        })),
        ...this.commissionShare(line, r.amount),
        state: 'REFUNDED',
        refund_state: 'REFUNDED',
        created_date: new Date(this.clock.now()).toISOString(),
      };
      line.refunds.push(refund);
      if (sum(line.refunds, 'amount') >= line.price) line.order_line_state = 'REFUNDED';
      byOrder.set(stored, [...(byOrder.get(stored) ?? []), { ...refund, order_line_id: line.order_line_id }]);
      return { ...refund, refund_id: refund.id, order_line_id: line.order_line_id };
    });
    for (const [stored, refunds] of byOrder) {
      stored.order.last_updated_date = new Date(this.clock.now()).toISOString();
      this.emit({
        kind: 'refund',
        marketplace,
        orderId: stored.order.order_id,
        at: this.clock.now(),
        order: structuredClone(stored.order),
        refunds: refunds.map((x) => ({
          refund_id: String(x.id),
          order_line_id: String(x.order_line_id),
          quantity: Number(x.quantity),
          amount: Number(x.amount),
          shipping_amount: Number(x.shipping_amount),
          taxes: x.taxes as { code: string; amount: number }[],
          shipping_taxes: x.shipping_taxes as { code: string; amount: number }[],
          commission_amount: Number(x.commission_amount),
          commission_taxes: x.commission_taxes as { code: string; amount: number }[],
          reason_code: String(x.reason_code),
        })),
      });
    }
    return created;
  }

  private cancelation(line: Line, quantity: number, amount: number, shipping: number, reason: string) {
    const commission = this.commissionShare(line, amount);
    return {
      id: `C-${++this.seq}`,
      quantity,
      amount,
      shipping_amount: shipping,
      reason_code: reason,
      ...commission,
      taxes: [{ code: 'TVA', amount: round2(amount - amount / 1.2) }],
      shipping_taxes: [],
      created_date: new Date(this.clock.now()).toISOString(),
    };
  }

  /** The commission given back with `amount` of the line's price (Mirakl refunds it pro rata). */
  private commissionShare(line: Line, amount: number) {
    const share = line.price > 0 ? amount / line.price : 0;
    const commission = round2(line.commission_fee * share);
    const tax = round2((line.total_commission - line.commission_fee) * share);
    return {
      commission_amount: commission,
      commission_taxes: [{ code: 'TVA', amount: tax }],
      commission_tax_amount: tax,
      commission_total_amount: round2(commission + tax),
    };
  }

  /** The order and line for an order line id (ids are `<order_id>-<n>`), or Mirakl's 404. */
  private lineOf(marketplace: string, lineId: unknown, index: number): { stored: StoredOrder; line: Line } {
    if (typeof lineId !== 'string' || !lineId)
      throw new SandboxRefusal(400, `[${index}].order_line_id is required`);
    // Line ids are `<order_id>-<n>`: the order is found by its id, not by walking the book.
    const stored = this.get(marketplace, lineId.slice(0, Math.max(0, lineId.lastIndexOf('-'))));
    const line = stored?.order.order_lines.find((l) => l.order_line_id === lineId);
    if (stored && line) return { stored, line };
    throw new SandboxRefusal(404, `Order line with id '${lineId}' not found`);
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

  /**
   * A customer claim (`INCIDENT_OPEN`, reason from RE02's INCIDENT_OPEN list) on a line that has shipped: the
   * line's state becomes INCIDENT_OPEN, the order says `has_incident`, and both update dates move (OR11 polls
   * by update date see it). The order does not close while an incident is open.
   */
  openIncident(marketplace: string, orderId: string, lineId: string, reasonCode: string): void {
    const { stored, order: o } = this.orderIn(marketplace, orderId, ['SHIPPED', 'TO_COLLECT', 'RECEIVED']);
    const line = o.order_lines.find((l) => l.order_line_id === lineId);
    if (!line) throw new SandboxRefusal(404, `Order line with id '${lineId}' not found`);
    if (!['SHIPPED', 'TO_COLLECT', 'RECEIVED'].includes(line.order_line_state))
      throw new SandboxRefusal(
        400,
        `An incident cannot be opened on the order line ${lineId} in state ${line.order_line_state}`,
      );
    if (typeof reasonCode !== 'string' || !reasonCode)
      throw new SandboxRefusal(400, 'reason_code is required');
    (stored.incidents ??= new Map()).set(lineId, line.order_line_state);
    line.order_line_state = 'INCIDENT_OPEN';
    Object.assign(line, { order_line_state_reason_code: reasonCode });
    o.has_incident = true;
    this.touch(stored, line);
  }

  /** OR64: the seller marks a line's incident resolved; the line goes back to the state it had. */
  resolveIncident(marketplace: string, orderId: string, lineId: string, reasonCode: unknown): void {
    const stored = this.get(marketplace, orderId);
    if (!stored) throw new SandboxRefusal(404, `Order with id '${orderId}' not found`);
    const line = stored.order.order_lines.find((l) => l.order_line_id === lineId);
    if (!line) throw new SandboxRefusal(404, `Order line with id '${lineId}' not found`);
    const before = stored.incidents?.get(lineId);
    if (line.order_line_state !== 'INCIDENT_OPEN' || before === undefined)
      throw new SandboxRefusal(400, `The order line ${lineId} has no open incident`);
    if (typeof reasonCode !== 'string' || !reasonCode)
      throw new SandboxRefusal(400, 'reason_code is required');
    stored.incidents!.delete(lineId);
    line.order_line_state = before;
    Object.assign(line, { order_line_state_reason_code: reasonCode });
    stored.order.has_incident = stored.incidents!.size > 0;
    this.touch(stored, line);
  }

  /** A change that is not a state change: the line's and the order's update dates move. */
  private touch(stored: StoredOrder, line: Line): void {
    const iso = new Date(this.clock.now()).toISOString();
    line.last_updated_date = iso;
    stored.order.last_updated_date = iso;
  }

  /** Applies every transition whose time has come, in time order. */
  settle(): void {
    const now = this.clock.now();
    for (let next = this.due.peek(); next !== undefined && next[0] <= now; next = this.due.peek()) {
      this.due.pop();
      const [at, , key] = next;
      const stored = this.orders.get(key);
      if (stored?.dueAt !== at) continue; // stale: the order moved on since this was scheduled
      stored.dueAt = undefined;
      this.step(stored, at);
    }
  }

  /** Sets (or clears) the time of an order's next time-driven transition. */
  private schedule(stored: StoredOrder, dueAt: number | undefined): void {
    stored.dueAt = dueAt;
    if (dueAt !== undefined)
      this.due.push([dueAt, this.scheduled++, this.key(stored.marketplace, stored.order.order_id)]);
  }

  /** The time-driven transition due at `at` for this order (its `dueAt`, now reached). */
  private step(stored: StoredOrder, at: number): void {
    const mp = this.settings(stored.marketplace);
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
        if (stored.debitFails === undefined) {
          stored.debitFails = this.random() < (mp.debitFailureRate ?? 0);
          if (stored.debitFails) {
            // The customer's payment does not go through: the order waits, then the platform cancels it.
            this.schedule(stored, at + (mp.debitFailureDelayMs ?? 3 * 86_400_000));
            break;
          }
        }
        if (stored.debitFails) {
          for (const l of stored.order.order_lines)
            if (l.order_line_state !== 'REFUSED') l.order_line_state = 'CANCELED';
          this.move(stored, 'CANCELED', undefined, at);
          break;
        }
        for (const l of stored.order.order_lines)
          if (l.order_line_state !== 'REFUSED') l.order_line_state = 'SHIPPING';
        stored.order.shipping_deadline = new Date(at + 2 * 24 * 3_600_000).toISOString();
        this.move(stored, 'SHIPPING', undefined, at);
        break;
      case 'SHIPPED':
        for (const l of stored.order.order_lines)
          if (l.order_line_state === 'SHIPPED') l.order_line_state = 'RECEIVED';
        this.move(stored, 'RECEIVED', at + (mp.closeMs ?? 14 * 86_400_000), at);
        break;
      case 'RECEIVED':
        if (stored.incidents?.size) {
          // An open incident keeps the order open: look again a day later.
          this.schedule(stored, at + 86_400_000);
          break;
        }
        for (const l of stored.order.order_lines)
          if (l.order_line_state === 'RECEIVED') l.order_line_state = 'CLOSED';
        this.move(stored, 'CLOSED', undefined, at);
        break;
      default:
        break;
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
    stored.order.can_cancel = state === 'SHIPPING';
    stored.order.can_shop_ship = state === 'SHIPPING';
    for (const l of stored.order.order_lines) l.last_updated_date = iso;
    stored.order.last_updated_date = iso;
    if (state === 'WAITING_ACCEPTANCE')
      for (const l of stored.order.order_lines) l.order_line_state = 'WAITING_ACCEPTANCE';
    this.schedule(stored, dueAt);
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

/** An amount Mirakl would accept: finite, 0 to `max` (an offer's price is at most 1,000,000), 2 decimals. */
function isAmount(v: unknown, max = 1_000_000): v is number {
  return (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    v >= 0 &&
    v <= max &&
    Math.abs(v * 100 - Math.round(v * 100)) < 1e-6
  );
}

const sum = (items: Record<string, unknown>[], field: string) =>
  round2(items.reduce((s, x) => s + Number(x[field] ?? 0), 0));

function amountWithin(v: unknown, max: number, name: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > round2(max) + 1e-9)
    throw new SandboxRefusal(400, `${name} must be a number between 0 and ${round2(max)}`);
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
