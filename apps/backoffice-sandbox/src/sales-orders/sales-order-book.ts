import { BackofficeError } from '../common/backoffice-error';
import { taxIncludedIn, taxOn } from '../common/money';
import type { Catalogue } from '../catalogue/catalogue';
import type { CustomerBook } from '../customers/customer-book';
import type { ChangeFeed } from '../feed/change-feed';
import type { HoldBook } from '../holds/hold-book';
import { availableOf, type StockLedger } from '../stock/stock-ledger';
import { CHARGE_ITEMS } from './charge-items';
import type { SalesOrderInput } from './sales-order-input';
import { externalKey, type ChargeLine, type SalesOrder, type SalesOrderLine } from './sales-order';

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
      onPosted: (order: SalesOrder) => void;
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
    const { catalogue, stock, customers } = this.deps;
    const customer =
      'id' in input.customer
        ? customers.get(input.customer.id)
        : customers.find(input.externalReference.marketplace, input.customer.marketplaceCustomerId);
    if (!customer)
      throw new BackofficeError(
        422,
        'customer_not_found',
        `no customer ${describe(input.customer, input)}: create it first (POST /api/customers)`,
        {
          customer: input.customer,
        },
      );
    const unknown = [...new Set(input.lines.map((l) => l.sku).filter((sku) => !catalogue.get(sku)))];
    if (unknown.length)
      throw new BackofficeError(422, 'unknown_sku', `unknown SKU(s) in lines: ${unknown.join(', ')}`, {
        skus: unknown,
      });
    const inactive = [...new Set(input.lines.map((l) => l.sku).filter((sku) => !catalogue.get(sku)!.active))];
    if (inactive.length)
      throw new BackofficeError(
        422,
        'inactive_product',
        `product(s) blocked for sale in the ERP: ${inactive.join(', ')}`,
        {
          skus: inactive,
        },
      );
    const sites = this.deps.warehouses();
    const badSite = input.lines.find((l) => l.warehouse !== undefined && !sites.includes(l.warehouse));
    if (badSite)
      throw new BackofficeError(
        422,
        'unknown_warehouse',
        `unknown warehouse ${badSite.warehouse} (known: ${sites.join(', ')})`,
        {
          warehouse: badSite.warehouse,
        },
      );
    const badCharge = input.chargeLines.find((c) => !(c.itemCode in CHARGE_ITEMS));
    if (badCharge)
      throw new BackofficeError(
        422,
        'unknown_charge_item',
        `unknown non-inventory item ${badCharge.itemCode} (known: ${Object.keys(CHARGE_ITEMS).join(', ')})`,
        { item_code: badCharge.itemCode },
      );

    const number = `SO${++this.sequence}`;
    // Units held for this marketplace order become its allocation (they were promised to it, not to be sold
    // twice); converted before warehouses are chosen, so the held units count where they are.
    const ext = input.externalReference;
    const held = this.deps.holds.convertForOrder(ext.marketplace, ext.order_id, number, now);
    // A line given no warehouse is allocated where its units were held (split over several warehouses when
    // the hold was), the rest where the most is available.
    const pool = new Map<string, { warehouse: string; quantity: number }[]>();
    for (const h of held) pool.set(h.sku, [...(pool.get(h.sku) ?? []), ...h.portions.map((p) => ({ ...p }))]);
    const placed = (sku: string, quantity: number): { warehouse: string; quantity: number }[] => {
      const parts: { warehouse: string; quantity: number }[] = [];
      let left = quantity;
      for (const p of pool.get(sku) ?? []) {
        const take = Math.min(left, p.quantity);
        if (take === 0) continue;
        p.quantity -= take;
        left -= take;
        const same = parts.find((x) => x.warehouse === p.warehouse);
        if (same) same.quantity += take;
        else parts.push({ warehouse: p.warehouse, quantity: take });
      }
      if (left > 0) {
        const best = this.bestWarehouse(sku, sites);
        const same = parts.find((x) => x.warehouse === best);
        if (same) same.quantity += left;
        else parts.push({ warehouse: best, quantity: left });
      }
      return parts;
    };
    const amounts = (amountMinor: number, rateBp: number, givenTax?: number) => {
      const tax =
        givenTax ??
        (input.pricesIncludeTax ? taxIncludedIn(amountMinor, rateBp) : taxOn(amountMinor, rateBp));
      return input.pricesIncludeTax
        ? { taxMinor: tax, grossMinor: amountMinor, netMinor: amountMinor - tax }
        : { taxMinor: tax, netMinor: amountMinor, grossMinor: amountMinor + tax };
    };
    const lines: SalesOrderLine[] = input.lines
      .flatMap((l) => {
        const parts = l.warehouse
          ? [{ warehouse: l.warehouse, quantity: l.quantity }]
          : placed(l.sku, l.quantity);
        // A given tax amount is shared out over the parts in proportion, the remainder on the last.
        let taxLeft = l.taxMinor;
        return parts.map((part, j) => {
          const tax =
            l.taxMinor === undefined
              ? undefined
              : j === parts.length - 1
                ? taxLeft
                : Math.round((l.taxMinor * part.quantity) / l.quantity);
          if (taxLeft !== undefined && tax !== undefined) taxLeft -= tax;
          return { input: l, ...part, taxMinor: tax };
        });
      })
      .map(({ input: l, warehouse, quantity, taxMinor }, i) => {
        const product = catalogue.get(l.sku)!;
        return {
          lineNo: (i + 1) * 10,
          sku: l.sku,
          description: product.title,
          quantity,
          unitPriceMinor: l.unitPriceMinor,
          taxRateBp: l.taxRateBp,
          ...amounts(l.unitPriceMinor * quantity, l.taxRateBp, taxMinor),
          warehouse,
          weightGrams: product.weightGrams,
          shippedQuantity: 0,
          availableAtPosting: 0,
          oversoldQuantity: 0,
        };
      });
    const chargeLines: ChargeLine[] = input.chargeLines.map((c, i) => ({
      lineNo: (lines.length + i + 1) * 10,
      itemCode: c.itemCode,
      description: c.description ?? CHARGE_ITEMS[c.itemCode],
      taxRateBp: c.taxRateBp,
      ...amounts(c.amountMinor, c.taxRateBp, c.taxMinor),
    }));
    const order: SalesOrder = {
      number,
      externalReference: { ...input.externalReference },
      customerId: customer.id,
      shipTo: { ...(input.shipTo ?? customer.address) },
      currency: input.currency,
      pricesIncludeTax: input.pricesIncludeTax,
      lines,
      chargeLines,
      status: 'posted',
      idempotencyKey,
      createdAt: now,
      splitDecided: false,
    };
    this.orders.set(number, order);
    for (const line of lines) {
      line.availableAtPosting = stock.allocate(line.sku, line.warehouse, line.quantity, now, number);
      line.oversoldQuantity = Math.max(0, line.quantity - Math.max(0, line.availableAtPosting));
    }
    this.deps.onPosted(order);
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

function describe(ref: SalesOrderInput['customer'], input: SalesOrderInput): string {
  return 'id' in ref
    ? `with id ${ref.id}`
    : `with marketplace customer id ${ref.marketplaceCustomerId} on ${input.externalReference.marketplace}`;
}
