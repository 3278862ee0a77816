import type { ChangeFeed } from '../feed/change-feed';
import type { SalesOrder } from '../sales-orders/sales-order';
import type { StockLedger } from '../stock/stock-ledger';
import { chooseCarrier } from './carriers';
import type { Shipment } from './shipment';
import type { WarehouseSite } from './warehouse-site';

export interface WarehouseSettings {
  /** From posting to the first parcel leaving. */
  pickDelayMs: number;
  /** Share of orders (0..1) that leave in two waves: half the units first, the rest `splitGapMs` later. */
  splitRate: number;
  splitGapMs: number;
  /** When a line cannot be picked (nothing on the shelf), the warehouse looks again after this long. */
  backorderRetryMs: number;
}

export const defaultWarehouseSettings = (): WarehouseSettings => ({
  pickDelayMs: 2 * 60_000,
  splitRate: 0,
  splitGapMs: 60 * 60_000,
  backorderRetryMs: 60 * 60_000,
});

/**
 * The WMS: picks posted orders once their pick time has come, ships what is on the shelf (one parcel per
 * warehouse per pick, with a carrier booked by destination and weight), and comes back later for what was
 * missing (an oversold line waits for stock) or held back (a split order). Shipping takes units off the
 * shelf and releases their allocation.
 */
export class Warehouse {
  settings = defaultWarehouseSettings();
  readonly shipments: Shipment[] = [];
  /** Cached earliest pick time; `null` when it must be computed again. */
  private next: number | undefined | null = null;

  constructor(
    private readonly deps: {
      openOrders: () => SalesOrder[];
      stock: StockLedger;
      feed: ChangeFeed;
      sites: () => WarehouseSite[];
      random: () => number;
    },
  ) {}

  schedule(order: SalesOrder): void {
    order.nextPickAt = order.createdAt + this.settings.pickDelayMs;
    this.next = null;
  }

  /** An order left the queue (cancelled) or the queue was reset. */
  invalidate(): void {
    this.next = null;
  }

  clear(): void {
    this.shipments.length = 0;
    this.next = null;
  }

  nextDueAt(): number | undefined {
    if (this.next === null) {
      let min: number | undefined;
      for (const o of this.deps.openOrders())
        if (min === undefined || o.nextPickAt! < min) min = o.nextPickAt;
      this.next = min;
    }
    return this.next;
  }

  /** Picks every order due at or before `at`. */
  pickDue(at: number): void {
    const due = this.deps
      .openOrders()
      .filter((o) => o.nextPickAt! <= at)
      .sort((a, b) => a.nextPickAt! - b.nextPickAt! || (a.number < b.number ? -1 : 1));
    for (const order of due) this.pick(order, order.nextPickAt!);
    this.next = null;
  }

  private pick(order: SalesOrder, at: number): void {
    const firstPick = !order.splitDecided;
    order.splitDecided = true;
    const shippable = order.lines.reduce(
      (s, l) =>
        s + Math.min(l.quantity - l.shippedQuantity, this.deps.stock.get(l.sku, l.warehouse)?.onHand ?? 0),
      0,
    );
    const split = firstPick && shippable >= 2 && this.deps.random() < this.settings.splitRate;
    let budget = split ? Math.floor(shippable / 2) : Infinity;
    const byWarehouse = new Map<string, Shipment['lines']>();
    for (const line of order.lines) {
      const onHand = this.deps.stock.get(line.sku, line.warehouse)?.onHand ?? 0;
      const quantity = Math.min(line.quantity - line.shippedQuantity, onHand, budget);
      if (quantity <= 0) continue;
      budget -= quantity;
      this.deps.stock.ship(line.sku, line.warehouse, quantity, at, order.number);
      line.shippedQuantity += quantity;
      byWarehouse.set(line.warehouse, [
        ...(byWarehouse.get(line.warehouse) ?? []),
        { line_no: line.lineNo, sku: line.sku, quantity },
      ]);
    }
    for (const [code, lines] of byWarehouse) this.dispatch(order, code, lines, at);
    const complete = order.lines.every((l) => l.shippedQuantity >= l.quantity);
    const anyShipped = order.lines.some((l) => l.shippedQuantity > 0);
    order.status = complete ? 'shipped' : anyShipped ? 'partially_shipped' : 'posted';
    if (complete) delete order.nextPickAt;
    else order.nextPickAt = at + (split ? this.settings.splitGapMs : this.settings.backorderRetryMs);
  }

  private dispatch(order: SalesOrder, warehouse: string, lines: Shipment['lines'], at: number): void {
    const grams = lines.reduce(
      (s, l) => s + l.quantity * (order.lines.find((ol) => ol.lineNo === l.line_no)?.weightGrams ?? 0),
      0,
    );
    const site = this.deps.sites().find((s) => s.code === warehouse);
    const carrier = chooseCarrier(
      site?.carrierRules ?? [{ carrier: 'UPS Standard', share: 1 }],
      order.shipTo.country,
      grams,
      this.deps.random,
    );
    const seq = this.shipments.length + 1;
    const shipment: Shipment = {
      seq,
      shipment_number: `SH${String(seq).padStart(7, '0')}`,
      sales_order_number: order.number,
      external_reference: { ...order.externalReference },
      warehouse,
      carrier: carrier.name,
      tracking_number: carrier.tracking ? carrier.tracking(this.deps.random) : null,
      ship_to_country: order.shipTo.country,
      weight_grams: grams,
      shipped_at: new Date(at).toISOString(),
      lines,
    };
    this.shipments.push(shipment);
    this.deps.feed.append(
      'shipment.created',
      at,
      structuredClone(shipment) as unknown as Record<string, unknown>,
      {
        sales_order_number: order.number,
        warehouse,
      },
    );
  }
}
