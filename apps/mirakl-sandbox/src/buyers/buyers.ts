import type { MarketplaceSettings } from '../marketplace';
import type { OfferStore } from '../offers/offer-store';
import { SandboxRefusal, type OrderBook, type OrderEvent } from '../orders/order-book';
import type { SandboxClock } from '../sandbox-clock';

export interface BuyerSettings {
  running: boolean;
  /** Orders per minute of sandbox time. */
  ordersPerMinute: number;
  maxLinesPerOrder: number;
  maxUnitsPerLine: number;
  /** Share of orders with the shipping type that demands tracking (the second SH12 type). */
  expressShare: number;
}

/** A line bought against an offer: what the offer showed and what was left (admin truth). */
export interface Sale {
  marketplace: string;
  orderId: string;
  orderLineId: string;
  offerSku: string;
  quantity: number;
  publishedBefore: number;
  /** What the real-stock source said was really available for this sale (when one is configured). */
  realAvailableBefore?: number;
  /** More units sold than really existed: the oversell the platform exists to prevent. */
  beyondRealStock?: boolean;
  at: string;
}

/**
 * The truth about stock, outside the marketplace: units of a SKU that can really be sold now (e.g. the back
 * office's available stock less what other sales already took). Undefined when unknown.
 */
export type RealStockSource = (sku: string) => number | undefined;

const defaults = (): BuyerSettings => ({
  running: false,
  ordersPerMinute: 6,
  maxLinesPerOrder: 3,
  maxUnitsPerLine: 3,
  expressShare: 0.3,
});

/**
 * Simulated buyers: orders placed against the offers' published quantities at a configured rate, on the
 * sandbox clock. No one buys more than an offer shows; the quantity drops when the order is placed, and
 * comes back when a line is refused or cancelled before shipping.
 */
export class Buyers {
  readonly settings = new Map<string, BuyerSettings>();
  readonly sales: Sale[] = [];
  private readonly lastTick = new Map<string, number>();
  private readonly due = new Map<string, number>();
  /** Lines whose units came off an offer and have not gone back. */
  private readonly taken = new Map<string, { marketplace: string; sku: string; quantity: number }>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly offers: OfferStore,
    private readonly orders: OrderBook,
    private readonly marketplaces: Map<string, MarketplaceSettings>,
    private readonly random: () => number,
    private readonly realStock?: RealStockSource,
  ) {
    orders.onEvent((e) => this.released(e));
  }

  configure(marketplace: string, change: Partial<BuyerSettings>): BuyerSettings {
    const next = { ...(this.settings.get(marketplace) ?? defaults()), ...change };
    if (!(next.ordersPerMinute >= 0) || !(next.maxLinesPerOrder >= 1) || !(next.maxUnitsPerLine >= 1))
      throw new RangeError(
        'ordersPerMinute >= 0, maxLinesPerOrder >= 1 and maxUnitsPerLine >= 1 are required',
      );
    if (!(next.expressShare >= 0 && next.expressShare <= 1)) throw new RangeError('expressShare is 0..1');
    if (typeof next.running !== 'boolean') throw new RangeError('running must be true or false');
    this.settings.set(marketplace, next);
    this.lastTick.set(marketplace, this.clock.now());
    return next;
  }

  /** Places the orders due since the last call, for every marketplace whose buyers run. */
  settle(): void {
    const now = this.clock.now();
    for (const [marketplace, s] of this.settings) {
      const last = this.lastTick.get(marketplace) ?? now;
      this.lastTick.set(marketplace, now);
      if (!s.running) continue;
      let due = (this.due.get(marketplace) ?? 0) + (s.ordersPerMinute * (now - last)) / 60_000;
      while (due >= 1) {
        due--;
        this.buyRandom(marketplace, s);
      }
      this.due.set(marketplace, due);
    }
  }

  /** One order for the given lines against the offers (admin `buy`); a 409 when an offer shows too few. */
  buy(
    marketplace: string,
    lines: { offerSku: string; quantity: number }[],
    customerId = this.customer(),
    shippingTypeCode?: string,
  ): string {
    if (!Array.isArray(lines) || lines.length === 0)
      throw new RangeError('lines: a non-empty list is required');
    const wanted = new Map<string, number>();
    const offers = lines.map((l) => {
      const offer = this.offers.get(marketplace, String(l?.offerSku));
      if (!offer) throw new SandboxRefusal(404, `No offer ${String(l?.offerSku)}`);
      if (!Number.isInteger(l.quantity) || l.quantity < 1)
        throw new SandboxRefusal(400, `quantity must be a whole number >= 1 (line for ${offer.shop_sku})`);
      wanted.set(offer.shop_sku, (wanted.get(offer.shop_sku) ?? 0) + l.quantity);
      return offer;
    });
    // Every line is checked, the lines of one offer together, before any unit is taken.
    for (const [sku, quantity] of wanted) {
      const shown = this.offers.get(marketplace, sku)!.quantity;
      if (quantity > shown)
        throw new SandboxRefusal(409, `Offer ${sku} shows ${shown}: cannot buy ${quantity}`);
    }
    // The order is validated before any unit is taken: a refused order takes nothing off the offers.
    this.orders.validate(marketplace, {
      customerId,
      shippingTypeCode,
      lines: lines.map((l, i) => ({
        offerSku: offers[i].shop_sku,
        quantity: l.quantity,
        unitPrice: offers[i].discount_price ?? offers[i].price,
      })),
    });
    const before = offers.map((o) => o.quantity);
    const real = lines.map((l) => this.realStock?.(String(l.offerSku)));
    lines.forEach((l, i) => this.offers.take(marketplace, offers[i].shop_sku, l.quantity));
    const orderId = this.orders.place(marketplace, {
      customerId,
      shippingTypeCode,
      lines: lines.map((l, i) => ({
        offerSku: offers[i].shop_sku,
        quantity: l.quantity,
        unitPrice: offers[i].discount_price ?? offers[i].price,
        productSku: offers[i].product.product_sku,
        productTitle: offers[i].product.title,
      })),
    });
    const at = new Date(this.clock.now()).toISOString();
    lines.forEach((l, i) => {
      const orderLineId = `${orderId}-${i + 1}`;
      this.taken.set(orderLineId, { marketplace, sku: offers[i].shop_sku, quantity: l.quantity });
      this.sales.push({
        marketplace,
        orderId,
        orderLineId,
        offerSku: offers[i].shop_sku,
        quantity: l.quantity,
        publishedBefore: before[i],
        ...(real[i] === undefined
          ? {}
          : { realAvailableBefore: real[i], beyondRealStock: l.quantity > real[i]! }),
        at,
      });
    });
    return orderId;
  }

  private buyRandom(marketplace: string, s: BuyerSettings): void {
    const available = this.offers.list(marketplace).filter((o) => o.quantity > 0);
    if (available.length === 0) return;
    const count = 1 + Math.floor(this.random() * Math.min(s.maxLinesPerOrder, available.length));
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(this.random() * available.length));
    const mp = this.marketplaces.get(marketplace)!;
    const types = mp.shippingTypes;
    const type = types.length > 1 && this.random() < s.expressShare ? types[1] : types[0];
    this.buy(
      marketplace,
      [...picked].map((i) => {
        const o = available[i];
        const cap = Math.min(s.maxUnitsPerLine, o.quantity, o.max_order_quantity ?? Infinity);
        return { offerSku: o.shop_sku, quantity: 1 + Math.floor(this.random() * cap) };
      }),
      this.customer(),
      type?.code,
    );
  }

  /** Refused lines, cancelled quantities and debit failures put their units back on the offer, once. */
  private released(e: OrderEvent): void {
    if (e.kind === 'cancelation') {
      for (const c of e.cancelations) this.giveBack(c.order_line_id, c.quantity);
      return;
    }
    if (e.kind !== 'state' || (e.to !== 'REFUSED' && e.to !== 'CANCELED' && e.from !== 'WAITING_ACCEPTANCE'))
      return;
    const lines = (e.order.order_lines ?? []) as { order_line_id: string; order_line_state: string }[];
    for (const l of lines) {
      if (l.order_line_state === 'REFUSED' || l.order_line_state === 'CANCELED')
        this.giveBack(l.order_line_id, Infinity);
    }
  }

  private giveBack(orderLineId: string, quantity: number): void {
    const t = this.taken.get(orderLineId);
    if (!t) return;
    const back = Math.min(quantity, t.quantity);
    t.quantity -= back;
    if (t.quantity === 0) this.taken.delete(orderLineId);
    this.offers.giveBack(t.marketplace, t.sku, back);
  }

  private customer(): string {
    // A pool of returning customers, as on a real marketplace.
    return `CUST-${String(1 + Math.floor(this.random() * 500)).padStart(5, '0')}`;
  }
}
