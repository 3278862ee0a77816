import type { Address } from '../customers/customer';
import { formatAmount, formatRate } from '../common/money';

export interface ExternalReference {
  marketplace: string;
  order_id: string;
}

export const externalKey = (r: ExternalReference) => `${r.marketplace}:${r.order_id}`;

/** `on_hold`: taken and allocated, not picked, until released with its address and final lines. */
export type SalesOrderStatus = 'on_hold' | 'posted' | 'partially_shipped' | 'shipped' | 'cancelled';

export interface SalesOrderLine {
  lineNo: number;
  sku: string;
  description: string;
  quantity: number;
  unitPriceMinor: number;
  taxRateBp: number;
  taxMinor: number;
  netMinor: number;
  grossMinor: number;
  warehouse: string;
  weightGrams: number;
  shippedQuantity: number;
  /** What was available in the warehouse just before this line allocated (may be negative). */
  availableAtPosting: number;
  /** Units allocated beyond what was available: the order is oversold by this much. */
  oversoldQuantity: number;
}

export interface ChargeLine {
  lineNo: number;
  itemCode: string;
  description: string;
  taxRateBp: number;
  taxMinor: number;
  netMinor: number;
  grossMinor: number;
}

/** A posted sales order, with what the warehouse has done about it. */
export interface SalesOrder {
  number: string;
  externalReference: ExternalReference;
  /** Empty while an order on hold names a customer the ERP does not know yet (it must exist at release). */
  customerId: string;
  /** Marketplace customer id the order named (resolved to `customerId` at release when on hold). */
  customerRef: { id: string } | { marketplaceCustomerId: string };
  /** Where the parcel goes; not known yet (`shipToKnown` false) for an order on hold without one. */
  shipTo: Address;
  shipToKnown: boolean;
  currency: string;
  pricesIncludeTax: boolean;
  lines: SalesOrderLine[];
  chargeLines: ChargeLine[];
  status: SalesOrderStatus;
  idempotencyKey: string;
  createdAt: number;
  cancelled?: { at: number; by: 'api' | 'erp'; reason: string };
  /** When the warehouse next picks this order (sandbox time); none when nothing is left to ship. */
  nextPickAt?: number;
  /** Has the warehouse decided whether this order leaves in several parcels? */
  splitDecided: boolean;
  /** Set once an order on hold was released: when, and the release body (canonical JSON) for replays. */
  released?: { at: number; body: string };
}

export function salesOrderView(o: SalesOrder): Record<string, unknown> {
  const all = [...o.lines, ...o.chargeLines];
  const sum = (f: (l: { netMinor: number; taxMinor: number; grossMinor: number }) => number) =>
    formatAmount(all.reduce((s, l) => s + f(l), 0));
  return {
    number: o.number,
    external_reference: { ...o.externalReference },
    customer_id: o.customerId || null,
    ship_to: o.shipToKnown ? { ...o.shipTo } : null,
    currency: o.currency,
    prices_include_tax: o.pricesIncludeTax,
    status: o.status,
    created_at: new Date(o.createdAt).toISOString(),
    ...(o.released ? { released_at: new Date(o.released.at).toISOString() } : {}),
    ...(o.cancelled
      ? {
          cancelled_at: new Date(o.cancelled.at).toISOString(),
          cancelled_by: o.cancelled.by,
          cancel_reason: o.cancelled.reason,
        }
      : {}),
    lines: o.lines.map((l) => ({
      line_no: l.lineNo,
      type: 'item',
      sku: l.sku,
      description: l.description,
      quantity: l.quantity,
      unit_price: formatAmount(l.unitPriceMinor),
      tax_rate: formatRate(l.taxRateBp),
      tax_amount: formatAmount(l.taxMinor),
      net_amount: formatAmount(l.netMinor),
      gross_amount: formatAmount(l.grossMinor),
      warehouse: l.warehouse,
      shipped_quantity: l.shippedQuantity,
      open_quantity: o.status === 'cancelled' ? 0 : l.quantity - l.shippedQuantity,
    })),
    charge_lines: o.chargeLines.map((c) => ({
      line_no: c.lineNo,
      type: 'charge',
      item_code: c.itemCode,
      description: c.description,
      tax_rate: formatRate(c.taxRateBp),
      tax_amount: formatAmount(c.taxMinor),
      net_amount: formatAmount(c.netMinor),
      gross_amount: formatAmount(c.grossMinor),
    })),
    totals: {
      net: sum((l) => l.netMinor),
      tax: sum((l) => l.taxMinor),
      gross: sum((l) => l.grossMinor),
    },
  };
}
