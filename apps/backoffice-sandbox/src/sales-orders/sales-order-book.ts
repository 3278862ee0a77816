import { BackofficeError } from '../common/backoffice-error';
import { canonicalJson } from '../common/canonical-json';
import type { Catalogue } from '../catalogue/catalogue';
import type { CustomerBook } from '../customers/customer-book';
import type { ChangeFeed } from '../feed/change-feed';
import type { HoldBook } from '../holds/hold-book';
import { availableOf, type StockLedger } from '../stock/stock-ledger';
import { CHARGE_ITEMS } from './charge-items';
import type {
  ChargeLineInput,
  CustomerRef,
  OrderLineInput,
  ReleaseInput,
  SalesOrderInput,
} from './sales-order-input';
import { buildChargeLines, buildLines, placementOf, type Placement } from './sales-order-lines';
import { externalKey, type SalesOrder } from './sales-order';

/** A line that allocated more than was available when the order was posted. */
export interface OversoldLine {
  sales_order_number: string;
  external_reference: string;
  line_no: number;
  sku: string;
  warehouse: string;
  quantity: number;
  available_at_posting: number;
  oversold_quantity: number;
  posted_at: string;
}

/**
 * Sales orders as the ERP posts them: every line is checked against the product master, allocated in a
 * warehouse (the one asked for, else the one with the most available), and may allocate beyond stock (the
 * order is taken; the line is oversold). Holds placed for the same marketplace order are converted first. The ERP does not deduplicate on the external reference: a caller
 * that posts one marketplace order twice under two idempotency keys gets two sales orders.
 */
export class SalesOrderBook {
  private readonly orders = new Map<string, SalesOrder>();
  private sequence = 100_000;

  constructor(
    private readonly deps: {
      catalogue: Catalogue;
      stock: StockLedger;
      holds: HoldBook;
      customers: CustomerBook;
      warehouses: () => string[];
      feed: ChangeFeed;
      /** A posted order (not on hold) goes to the warehouse. */
      onPosted: (order: SalesOrder) => void;
      /** An order on hold was released: it goes to the warehouse now. */
      onReleased: (order: SalesOrder) => void;
    },
  ) {}

  get(number: string): SalesOrder | undefined {
    return this.orders.get(number);
  }

  all(): SalesOrder[] {
    return [...this.orders.values()];
  }

  byExternalReference(marketplace: string, orderId: string): SalesOrder[] {
    const k = externalKey({ marketplace, order_id: orderId });
    return this.all().filter((o) => externalKey(o.externalReference) === k);
  }

  /** Orders the warehouse still has to pick. */
  open(): SalesOrder[] {
    return this.all().filter((o) => o.nextPickAt !== undefined);
  }

  clear(): void {
    this.orders.clear();
  }

  post(input: SalesOrderInput, idempotencyKey: string, now: number): SalesOrder {
    const { catalogue, stock } = this.deps;
    const customer = this.customerOf(input.customer, input.externalReference.marketplace);
    // An order on hold may name a customer the ERP does not know yet: Mirakl gives names and addresses only
    // once the order is paid (SHIPPING), and the release brings them.
    if (!customer && !input.hold)
      throw new BackofficeError(
        422,
        'customer_not_found',
        `no customer ${describe(input.customer, input.externalReference.marketplace)}: create it first (POST /api/customers)`,
        { customer: input.customer },
      );
    this.checkLines(input.lines, input.chargeLines);
    const shipTo = input.shipTo ?? customer?.address;

    const number = `SO${++this.sequence}`;
    // Units held for this marketplace order become its allocation (they were promised to it, not to be sold
    // twice); converted before warehouses are chosen, so the held units count where they are.
    const ext = input.externalReference;
    const held = this.deps.holds.convertForOrder(ext.marketplace, ext.order_id, number, now);
    const placement: Placement = new Map();
    for (const h of held) placement.set(h.sku, [...(placement.get(h.sku) ?? []), ...h.portions]);
    const sites = this.deps.warehouses();
    const lines = buildLines(
      input.lines,
      placement,
      (sku) => this.bestWarehouse(sku, sites),
      input.pricesIncludeTax,
      catalogue,
    );
    const order: SalesOrder = {
      number,
      externalReference: { ...input.externalReference },
      customerId: customer?.id ?? '',
      customerRef: { ...input.customer },
      shipTo: { ...(shipTo ?? NO_ADDRESS) },
      shipToKnown: shipTo !== undefined,
      currency: input.currency,
      pricesIncludeTax: input.pricesIncludeTax,
      lines,
      chargeLines: buildChargeLines(input.chargeLines, lines.length, input.pricesIncludeTax),
      status: input.hold ? 'on_hold' : 'posted',
      idempotencyKey,
      createdAt: now,
      splitDecided: false,
    };
    this.orders.set(number, order);
    // On hold or not, the order allocates its lines: nobody else may sell those units.
    for (const line of lines) {
      line.availableAtPosting = stock.allocate(line.sku, line.warehouse, line.quantity, now, number);
      line.oversoldQuantity = Math.max(0, line.quantity - Math.max(0, line.availableAtPosting));
    }
    if (!input.hold) this.deps.onPosted(order);
    return order;
  }

  /**
   * Releases an order on hold to the warehouse with the address and the lines to ship (lines the marketplace
   * refused or cancelled meanwhile are left out: their units go back to available). A line may only name SKUs
   * of the held order, up to the quantity held. Idempotent: the same release again answers the order as it is;
   * another release of a released order is 409 `already_released`, of a cancelled one 409 `order_cancelled`.
   */
  release(number: string, input: ReleaseInput, raw: unknown, now: number): SalesOrder {
    const order = this.orders.get(number);
    if (!order)
      throw new BackofficeError(404, 'not_found', `no sales order ${number}`, { sales_order_number: number });
    const body = canonicalJson(raw);
    if (order.status === 'cancelled')
      throw new BackofficeError(
        409,
        'order_cancelled',
        `sales order ${number} is cancelled; it cannot be released`,
        {
          sales_order_number: number,
        },
      );
    if (order.released?.body === body) return order;
    if (order.released)
      throw new BackofficeError(
        409,
        'already_released',
        `sales order ${number} was already released with other content (${order.status})`,
        { sales_order_number: number, status: order.status },
      );
    if (order.status !== 'on_hold')
      throw new BackofficeError(
        409,
        'not_on_hold',
        `sales order ${number} is not on hold (${order.status})`,
        {
          sales_order_number: number,
          status: order.status,
        },
      );
    const customer = this.customerOf(order.customerRef, order.externalReference.marketplace);
    if (!customer)
      throw new BackofficeError(
        422,
        'customer_not_found',
        `no customer ${describe(order.customerRef, order.externalReference.marketplace)}: create it before the release (POST /api/customers)`,
        { customer: order.customerRef },
      );
    this.checkLines(input.lines, input.chargeLines ?? []);
    const heldBySku = new Map<string, number>();
    for (const l of order.lines) heldBySku.set(l.sku, (heldBySku.get(l.sku) ?? 0) + l.quantity);
    const wanted = new Map<string, number>();
    for (const l of input.lines) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + l.quantity);
    const over = [...wanted].find(([sku, q]) => q > (heldBySku.get(sku) ?? 0));
    if (over)
      throw new BackofficeError(
        422,
        'line_not_on_order',
        `${over[1]} × ${over[0]} is more than sales order ${number} holds (${heldBySku.get(over[0]) ?? 0}): a release ships what was held, or less`,
        { sku: over[0], quantity: over[1], held: heldBySku.get(over[0]) ?? 0 },
      );

    const before = placementOf(order.lines);
    const sites = this.deps.warehouses();
    const lines = buildLines(
      input.lines,
      before,
      (sku) => this.bestWarehouse(sku, sites),
      order.pricesIncludeTax,
      this.deps.catalogue,
    );
    // Only the difference moves: units no longer wanted go back to available, nothing is released and taken again.
    const delta = new Map<string, { sku: string; warehouse: string; quantity: number }>();
    const add = (sku: string, warehouse: string, q: number) => {
      const k = `${sku}\u0000${warehouse}`;
      const d = delta.get(k) ?? { sku, warehouse, quantity: 0 };
      d.quantity += q;
      delta.set(k, d);
    };
    for (const l of order.lines) add(l.sku, l.warehouse, -l.quantity);
    for (const l of lines) add(l.sku, l.warehouse, l.quantity);
    for (const d of delta.values())
      if (d.quantity < 0) this.deps.stock.release(d.sku, d.warehouse, -d.quantity, now, number);
      else if (d.quantity > 0) this.deps.stock.allocate(d.sku, d.warehouse, d.quantity, now, number);
    const previous = new Map(order.lines.map((l) => [`${l.sku}\u0000${l.warehouse}`, l]));
    for (const l of lines) {
      const was = previous.get(`${l.sku}\u0000${l.warehouse}`);
      l.availableAtPosting = was?.availableAtPosting ?? 0;
      l.oversoldQuantity = Math.min(l.quantity, was?.oversoldQuantity ?? 0);
    }
    order.lines = lines;
    if (input.chargeLines)
      order.chargeLines = buildChargeLines(input.chargeLines, lines.length, order.pricesIncludeTax);
    else order.chargeLines.forEach((c, i) => (c.lineNo = (lines.length + i + 1) * 10));
    order.customerId = customer.id;
    order.shipTo = { ...input.shipTo };
    order.shipToKnown = true;
    order.status = 'posted';
    order.released = { at: now, body };
    this.deps.onReleased(order);
    return order;
  }

  /** Cancels an order nothing of which has shipped, releasing its allocation; a cancelled order stays so. */
  cancel(number: string, by: 'api' | 'erp', reason: string, now: number): SalesOrder {
    const order = this.orders.get(number);
    if (!order)
      throw new BackofficeError(404, 'not_found', `no sales order ${number}`, { sales_order_number: number });
    if (order.status === 'cancelled') return order;
    if (order.lines.some((l) => l.shippedQuantity > 0))
      throw new BackofficeError(
        409,
        'already_shipped',
        `sales order ${number} has shipped (${order.status}); it can no longer be cancelled`,
        {
          sales_order_number: number,
          status: order.status,
        },
      );
    order.status = 'cancelled';
    order.cancelled = { at: now, by, reason };
    delete order.nextPickAt;
    for (const l of order.lines) this.deps.stock.release(l.sku, l.warehouse, l.quantity, now, number);
    this.deps.feed.append(
      'sales_order.cancelled',
      now,
      { cancelled_by: by, reason, external_reference: { ...order.externalReference } },
      { sales_order_number: number },
    );
    return order;
  }

  /** Two or more sales orders for one marketplace order. */
  duplicates(): { external_reference: string; sales_order_numbers: string[] }[] {
    const groups = new Map<string, string[]>();
    for (const o of this.orders.values()) {
      const k = externalKey(o.externalReference);
      groups.set(k, [...(groups.get(k) ?? []), o.number]);
    }
    return [...groups]
      .filter(([, numbers]) => numbers.length > 1)
      .map(([external_reference, sales_order_numbers]) => ({ external_reference, sales_order_numbers }));
  }

  oversoldLines(): OversoldLine[] {
    return this.all().flatMap((o) =>
      o.lines
        .filter((l) => l.oversoldQuantity > 0)
        .map((l) => ({
          sales_order_number: o.number,
          external_reference: externalKey(o.externalReference),
          line_no: l.lineNo,
          sku: l.sku,
          warehouse: l.warehouse,
          quantity: l.quantity,
          available_at_posting: l.availableAtPosting,
          oversold_quantity: l.oversoldQuantity,
          posted_at: new Date(o.createdAt).toISOString(),
        })),
    );
  }

  private customerOf(ref: CustomerRef, marketplace: string) {
    return 'id' in ref
      ? this.deps.customers.get(ref.id)
      : this.deps.customers.find(marketplace, ref.marketplaceCustomerId);
  }

  /** Unknown or blocked SKUs, unknown warehouses and charge items are refused (422) before anything moves. */
  private checkLines(lines: readonly OrderLineInput[], chargeLines: readonly ChargeLineInput[]): void {
    const { catalogue } = this.deps;
    const unknown = [...new Set(lines.map((l) => l.sku).filter((sku) => !catalogue.get(sku)))];
    if (unknown.length)
      throw new BackofficeError(422, 'unknown_sku', `unknown SKU(s) in lines: ${unknown.join(', ')}`, {
        skus: unknown,
      });
    const inactive = [...new Set(lines.map((l) => l.sku).filter((sku) => !catalogue.get(sku)!.active))];
    if (inactive.length)
      throw new BackofficeError(
        422,
        'inactive_product',
        `product(s) blocked for sale in the ERP: ${inactive.join(', ')}`,
        { skus: inactive },
      );
    const sites = this.deps.warehouses();
    const badSite = lines.find((l) => l.warehouse !== undefined && !sites.includes(l.warehouse));
    if (badSite)
      throw new BackofficeError(
        422,
        'unknown_warehouse',
        `unknown warehouse ${badSite.warehouse} (known: ${sites.join(', ')})`,
        { warehouse: badSite.warehouse },
      );
    const badCharge = chargeLines.find((c) => !(c.itemCode in CHARGE_ITEMS));
    if (badCharge)
      throw new BackofficeError(
        422,
        'unknown_charge_item',
        `unknown non-inventory item ${badCharge.itemCode} (known: ${Object.keys(CHARGE_ITEMS).join(', ')})`,
        { item_code: badCharge.itemCode },
      );
  }

  /** The warehouse with the most available for this SKU; the first listed on a tie. */
  private bestWarehouse(sku: string, sites: string[]): string {
    let best = sites[0];
    let bestAvailable = -Infinity;
    for (const site of sites) {
      const level = this.deps.stock.get(sku, site);
      const available = level ? availableOf(level) : 0;
      if (available > bestAvailable) {
        best = site;
        bestAvailable = available;
      }
    }
    return best;
  }
}

function describe(ref: CustomerRef, marketplace: string): string {
  return 'id' in ref
    ? `with id ${ref.id}`
    : `with marketplace customer id ${ref.marketplaceCustomerId} on ${marketplace}`;
}

/** The address of an order on hold that was given none (never shown: the view says `ship_to: null`). */
const NO_ADDRESS = { line1: '', city: '', postcode: '', country: '' };
