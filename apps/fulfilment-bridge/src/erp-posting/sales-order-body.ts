import type {
  OrderAwaitingErpConfirmation,
  OrderLine,
  OrderReadyForFulfilment,
  PostalAddress,
  TaxAmount,
} from '@seller-bridge/contracts';
import { PermanentError } from '@seller-bridge/service-kit';
import { formatMinor, mapCharges, SHIPPING_FEE_ITEM } from '../charge-lines/charge-mapping';

/** `POST /api/customers` body. */
export interface CustomerBody {
  marketplace: string;
  marketplace_customer_id: string;
  first_name: string;
  last_name: string;
  company?: string;
  address: AddressBody;
}

interface AddressBody {
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  country: string;
}

type ItemLine = { sku: string; quantity: number; unit_price: string; tax_rate: string; tax_amount?: string };
type ChargeLineBody = {
  item_code: string;
  amount: string;
  tax_rate?: string;
  tax_amount?: string;
  description?: string;
};

/**
 * `POST /api/sales-orders` body (the ERP compares it as canonical JSON under one Idempotency-Key). An order on
 * hold (`hold: true`, AFTER_ERP_CONFIRMATION) has no `ship_to` yet: Mirakl gives the address at SHIPPING.
 */
export interface SalesOrderBody {
  external_reference: { marketplace: string; order_id: string };
  customer: { marketplace_customer_id: string };
  currency: string;
  prices_include_tax: boolean;
  ship_to?: AddressBody;
  lines: ItemLine[];
  charge_lines: ChargeLineBody[];
  hold?: true;
}

/** `POST /api/sales-orders/:number/release` body: the address and the lines to ship, charges as released. */
export interface ReleaseBody {
  ship_to: AddressBody;
  lines: ItemLine[];
  charge_lines: ChargeLineBody[];
}

/** A posted line: the ERP numbers lines 10, 20, 30… in body order; shipments name them by that number. */
export interface PostedLine {
  lineId: string;
  sku: string;
  quantity: number;
}

export interface BuiltSalesOrder {
  customer: CustomerBody;
  body: SalesOrderBody;
  lineMap: PostedLine[];
  unmappedCharges: string[];
}

/** The order has no address the ERP can ship to: operations must complete it. */
export class OrderAddressMissingError extends PermanentError {
  constructor(marketplace: string, orderId: string) {
    super('ORDER_ADDRESS_MISSING', `order ${marketplace}:${orderId} has no shipping or billing address`, {
      marketplace,
      orderId,
    });
  }
}

const ALPHA3: Record<string, string> = {
  FRA: 'FR',
  ESP: 'ES',
  DEU: 'DE',
  ITA: 'IT',
  GBR: 'GB',
  BEL: 'BE',
  NLD: 'NL',
  PRT: 'PT',
  CHE: 'CH',
  AUT: 'AT',
  IRL: 'IE',
  LUX: 'LU',
  POL: 'PL',
  SWE: 'SE',
  DNK: 'DK',
  USA: 'US',
  CAN: 'CA',
};

/** ISO alpha-2 from alpha-2 or alpha-3; undefined when unknown (the ERP needs alpha-2). */
export function countryAlpha2(country: string): string | undefined {
  const c = country.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(c)) return c;
  return ALPHA3[c];
}

/** The tax rate of a line as the ERP wants it ("20.00"): Mirakl's rate, else derived from tax included in the amount. */
export function taxRate(taxes: readonly TaxAmount[], grossMinor: number, fallback: string): string {
  const given = taxes.find((t) => t.rate !== undefined && /^\d+(\.\d+)?$/.test(t.rate))?.rate;
  if (given) return Number(given).toFixed(2);
  const tax = taxes.reduce((s, t) => s + t.amount.amountMinor, 0);
  if (tax <= 0 || grossMinor - tax <= 0) return fallback;
  // Rounded to 0.5 %: a rate derived from rounded cents is only approximate, and the exact tax is sent too.
  const pct = (tax * 100) / (grossMinor - tax);
  return (Math.round(pct * 2) / 2).toFixed(2);
}

function address(a: PostalAddress | undefined): AddressBody | undefined {
  if (!a) return undefined;
  const country = countryAlpha2(a.country);
  if (!country) return undefined;
  return {
    line1: a.street1,
    ...(a.street2 ? { line2: a.street2 } : {}),
    city: a.city,
    postcode: a.zipCode || '-',
    country,
  };
}

/**
 * The customer and the sales order for a released order, built from the event alone (no I/O), so the same
 * event always gives the same body: a retry under the same Idempotency-Key is answered with the first order.
 * Warehouses are left to the ERP: it converts the order's holds into its allocation before choosing them.
 */
export function buildSalesOrder(
  o: OrderReadyForFulfilment,
  options: { defaultTaxRate: string; catchAllItem: string },
): BuiltSalesOrder {
  const shipTo = address(o.customer.shippingAddress) ?? address(o.customer.billingAddress);
  if (!shipTo) throw new OrderAddressMissingError(o.marketplace, o.orderId);
  const named = o.customer.shippingAddress ?? o.customer.billingAddress;
  const customer: CustomerBody = {
    marketplace: o.marketplace,
    marketplace_customer_id: o.customer.marketplaceCustomerId,
    first_name: (o.customer.firstName || named?.firstName || 'Customer').slice(0, 100),
    last_name: (o.customer.lastName || named?.lastName || o.customer.marketplaceCustomerId).slice(0, 100),
    ...(named?.company ? { company: named.company.slice(0, 200) } : {}),
    address: shipTo,
  };
  const priced = pricedLines(o.lines, options);
  return {
    customer,
    body: {
      external_reference: { marketplace: o.marketplace, order_id: o.orderId },
      customer: { marketplace_customer_id: o.customer.marketplaceCustomerId },
      currency: o.currency,
      prices_include_tax: true,
      ship_to: shipTo,
      lines: priced.lines,
      charge_lines: priced.chargeLines,
    },
    lineMap: lineMapOf(o.lines),
    unmappedCharges: priced.unmapped,
  };
}

/**
 * The sales order **on hold** for an order whose acceptance waits for the ERP: the lines to be accepted,
 * priced like a released order, no address and no customer account yet (the release brings both). Pure, so
 * every retry sends the same bytes.
 */
export function buildHeldSalesOrder(
  o: OrderAwaitingErpConfirmation,
  options: { defaultTaxRate: string; catchAllItem: string },
): Omit<BuiltSalesOrder, 'customer'> {
  const priced = pricedLines(o.lines, options);
  return {
    body: {
      external_reference: { marketplace: o.marketplace, order_id: o.orderId },
      customer: { marketplace_customer_id: o.marketplaceCustomerId },
      currency: o.currency,
      prices_include_tax: true,
      lines: priced.lines,
      charge_lines: priced.chargeLines,
      hold: true,
    },
    lineMap: lineMapOf(o.lines),
    unmappedCharges: priced.unmapped,
  };
}

const lineMapOf = (lines: readonly OrderLine[]): PostedLine[] =>
  lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity }));

/** Item lines (tax included) and charge lines (the buyer's shipping, marketplace fees) of the order's lines. */
function pricedLines(
  orderLines: readonly OrderLine[],
  options: { defaultTaxRate: string; catchAllItem: string },
): { lines: ItemLine[]; chargeLines: ChargeLineBody[]; unmapped: string[] } {
  const lines = orderLines.map((l) => {
    const tax = l.taxes.reduce((s, t) => s + t.amount.amountMinor, 0);
    return {
      sku: l.sku,
      quantity: l.quantity,
      unit_price: formatMinor(l.unitPrice.amountMinor),
      tax_rate: taxRate(l.taxes, l.price.amountMinor, options.defaultTaxRate),
      ...(l.taxes.length > 0 ? { tax_amount: formatMinor(tax) } : {}),
    };
  });
  const chargeLines: ChargeLineBody[] = [];
  const shipping = orderLines.reduce((s, l) => s + l.shippingPrice.amountMinor, 0);
  if (shipping !== 0) {
    const shippingTaxes = orderLines.flatMap((l) => l.shippingTaxes);
    chargeLines.push({
      item_code: SHIPPING_FEE_ITEM,
      amount: formatMinor(shipping),
      tax_rate: taxRate(shippingTaxes, shipping, options.defaultTaxRate),
      ...(shippingTaxes.length > 0
        ? { tax_amount: formatMinor(shippingTaxes.reduce((s, t) => s + t.amount.amountMinor, 0)) }
        : {}),
    });
  }
  const charges = mapCharges(
    orderLines.flatMap((l) => l.charges.map((c) => ({ type: c.type, amountMinor: c.amount.amountMinor }))),
    options.catchAllItem,
  );
  for (const c of charges.lines)
    chargeLines.push({
      item_code: c.itemCode,
      amount: formatMinor(c.amountMinor),
      ...(c.unmappedType
        ? { description: `Unmapped marketplace charge ${c.unmappedType}`.slice(0, 200) }
        : {}),
    });
  return { lines, chargeLines, unmapped: charges.unmapped };
}
