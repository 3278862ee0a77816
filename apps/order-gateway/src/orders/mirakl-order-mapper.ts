import type {
  ChargeAmount,
  Money,
  OrderCustomer,
  OrderLine,
  OrderSnapshotEvent,
  PostalAddress,
  TaxAmount,
} from '@seller-bridge/contracts';
import type { MiraklAddress, MiraklOrder, MiraklOrderLine, MiraklTax } from '@seller-bridge/mirakl-client';

/** An order as the contracts carry it (every field of a received / ready-for-fulfilment event). */
export type OrderSnapshot = Omit<OrderSnapshotEvent, never>;

/** Minor units per currency where not 2 (ISO 4217); Mirakl sends amounts as decimal JSON numbers. */
const MINOR_DIGITS: Record<string, number> = {
  JPY: 0,
  KRW: 0,
  CLP: 0,
  ISK: 0,
  HUF: 2,
  BHD: 3,
  KWD: 3,
  TND: 3,
};

/** A Mirakl decimal amount as integer minor units, rounded half away from zero on the decimal text. */
export function toMinor(amount: number | string | null | undefined, currency: string): number {
  if (amount === null || amount === undefined || amount === '') return 0;
  const digits = MINOR_DIGITS[currency] ?? 2;
  const n = typeof amount === 'string' ? Number(amount) : amount;
  if (!Number.isFinite(n)) throw new RangeError(`not an amount: ${String(amount)}`);
  // toFixed works on the decimal representation, so 0.285 → "0.29" is avoided being 28.499999 × 100.
  const [int, frac = ''] = Math.abs(n)
    .toFixed(digits + 2)
    .split('.');
  const scaled = Number(int) * 10 ** digits + Number(frac.slice(0, digits) || '0');
  const rest = Number(frac.slice(digits) || '0');
  const rounded = rest >= 50 ? scaled + 1 : scaled;
  return n < 0 ? -rounded : rounded;
}

const money = (amount: number | string | null | undefined, currency: string): Money => ({
  amountMinor: toMinor(amount, currency),
  currency,
});

function taxes(list: MiraklTax[] | null | undefined, currency: string): TaxAmount[] {
  return (list ?? [])
    .filter((t) => typeof t?.code === 'string' && t.code.length > 0)
    .map((t) => ({
      code: t.code,
      amount: money(t.amount, currency),
      ...(typeof t.rate === 'number' || typeof t.rate === 'string' ? { rate: String(t.rate) } : {}),
    }));
}

function charges(line: MiraklOrderLine, currency: string): ChargeAmount[] {
  const out: ChargeAmount[] = [];
  if (typeof line.commission_fee === 'number')
    out.push({ type: 'COMMISSION', amount: money(line.commission_fee, currency) });
  for (const t of line.commission_taxes ?? [])
    out.push({ type: 'COMMISSION_VAT', amount: money(t.amount, currency) });
  return out;
}

function line(l: MiraklOrderLine, currency: string): OrderLine {
  const unit = l.price_unit ?? (l.quantity > 0 ? l.price / l.quantity : l.price);
  return {
    lineId: String(l.order_line_id),
    sku: l.offer_sku,
    ...(l.product_title ? { productTitle: l.product_title } : {}),
    quantity: l.quantity,
    unitPrice: money(unit, currency),
    price: money(l.price, currency),
    shippingPrice: money(l.shipping_price, currency),
    taxes: taxes(l.taxes, currency),
    shippingTaxes: taxes(l.shipping_taxes, currency),
    charges: charges(l, currency),
    miraklState: String(l.order_line_state),
  };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

/** A Mirakl address, or undefined while Mirakl withholds it (null before acceptance) or it lacks essentials. */
export function address(a: MiraklAddress | null | undefined): PostalAddress | undefined {
  if (!a) return undefined;
  // Some operators send a free-text country with a null ISO code (failure mode 11): keep what there is.
  const country = text(a.country_iso_code) ?? text(a.country);
  const street1 = text(a.street_1);
  const city = text(a.city);
  if (!country || !street1 || !city) return undefined;
  const out: PostalAddress = { street1, city, country };
  const optional: [keyof PostalAddress, unknown][] = [
    ['firstName', a.firstname],
    ['lastName', a.lastname],
    ['company', a.company],
    ['street2', a.street_2],
    ['zipCode', a.zip_code],
    ['state', a.state],
    ['phone', a.phone],
  ];
  for (const [k, v] of optional) if (text(v)) (out as unknown as Record<string, string>)[k] = v as string;
  return out;
}

/**
 * The customer as the marketplace identifies them: `customer.customer_id`. The anonymised
 * `customer_notification_email` is deliberately not carried: it is not an identity (it changes per order).
 */
function customer(o: MiraklOrder): OrderCustomer {
  const c = o.customer ?? undefined;
  const shipping = address(c?.shipping_address);
  const billing = address(c?.billing_address);
  return {
    marketplaceCustomerId: text(c?.customer_id) ?? `unknown:${o.order_id}`,
    ...(text(c?.firstname) ? { firstName: c!.firstname! } : {}),
    ...(text(c?.lastname) ? { lastName: c!.lastname! } : {}),
    ...(shipping ? { shippingAddress: shipping } : {}),
    ...(billing ? { billingAddress: billing } : {}),
  };
}

/**
 * The contracts' view of a Mirakl order (OR11). `acceptanceWindowMs` is the marketplace's window from creation:
 * Mirakl does not give the acceptance deadline on the order, the operator's settings do.
 */
export function snapshotOf(marketplace: string, o: MiraklOrder, acceptanceWindowMs: number): OrderSnapshot {
  const currency = o.currency_iso_code;
  const created = new Date(o.created_date);
  return {
    marketplace,
    orderId: o.order_id,
    ...(text(o.commercial_id) ? { commercialId: o.commercial_id! } : {}),
    miraklState: String(o.order_state),
    currency,
    createdAt: created.toISOString(),
    miraklUpdatedAt: new Date(o.last_updated_date).toISOString(),
    ...(text(o.shipping_type_code) ? { shippingTypeCode: o.shipping_type_code! } : {}),
    deadlines: {
      acceptBy: new Date(created.getTime() + acceptanceWindowMs).toISOString(),
      ...(text(o.shipping_deadline) ? { shipBy: new Date(o.shipping_deadline!).toISOString() } : {}),
    },
    customer: customer(o),
    lines: o.order_lines.map((l) => line(l, currency)),
    totalPrice: money(o.total_price, currency),
  };
}
