import { array, boolean, integer, object, onlyKeys, optionalString, string } from '../common/decode';
import { invalid } from '../common/backoffice-error';
import { CURRENCY, parseAmount, parseRate } from '../common/money';
import { decodeAddress, MARKETPLACE_PATTERN, type Address } from '../customers/customer';
import type { ExternalReference } from './sales-order';

export interface OrderLineInput {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  taxRateBp: number;
  /** As the marketplace computed it; the ERP computes it from the rate when absent. */
  taxMinor?: number;
  warehouse?: string;
}

export interface ChargeLineInput {
  itemCode: string;
  amountMinor: number;
  taxRateBp: number;
  taxMinor?: number;
  description?: string;
}

export type CustomerRef = { id: string } | { marketplaceCustomerId: string };

export interface SalesOrderInput {
  externalReference: ExternalReference;
  customer: CustomerRef;
  currency: string;
  pricesIncludeTax: boolean;
  shipTo?: Address;
  lines: OrderLineInput[];
  chargeLines: ChargeLineInput[];
  /** Taken and allocated but not picked until released (`POST /api/sales-orders/:number/release`). */
  hold: boolean;
}

/** `POST /api/sales-orders/:number/release`: where the parcel goes and the lines to ship. */
export interface ReleaseInput {
  shipTo: Address;
  lines: OrderLineInput[];
  /** Replace the order's charge lines; absent: they stay as posted. */
  chargeLines?: ChargeLineInput[];
}

export const MAX_LINES = 200;
export const MAX_QUANTITY = 10_000;

/** `POST /api/sales-orders` body → input, or a 422 naming the first field that is wrong. */
export function decodeSalesOrder(raw: unknown): SalesOrderInput {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', [
    'external_reference',
    'customer',
    'currency',
    'prices_include_tax',
    'ship_to',
    'lines',
    'charge_lines',
    'hold',
  ]);
  const ref = object(o.external_reference, 'external_reference');
  onlyKeys(ref, 'external_reference', ['marketplace', 'order_id']);
  const externalReference = {
    marketplace: string(ref.marketplace, 'external_reference.marketplace', {
      pattern: MARKETPLACE_PATTERN,
      hint: 'must be a marketplace code like "decathlon-fr"',
    }),
    order_id: string(ref.order_id, 'external_reference.order_id', {
      max: 100,
      pattern: /^[^:\s]+$/,
      hint: 'must not contain spaces or ":"',
    }),
  };
  const c = object(o.customer, 'customer');
  onlyKeys(c, 'customer', ['id', 'marketplace_customer_id']);
  if ((c.id === undefined) === (c.marketplace_customer_id === undefined))
    throw invalid('customer needs exactly one of id or marketplace_customer_id', { field: 'customer' });
  const customer: CustomerRef =
    c.id !== undefined
      ? { id: string(c.id, 'customer.id', { max: 40 }) }
      : {
          marketplaceCustomerId: string(c.marketplace_customer_id, 'customer.marketplace_customer_id', {
            max: 100,
          }),
        };
  return {
    externalReference,
    customer,
    currency: string(o.currency, 'currency', {
      pattern: CURRENCY,
      hint: 'must be an ISO 4217 code like "EUR"',
    }),
    pricesIncludeTax:
      o.prices_include_tax === undefined ? true : boolean(o.prices_include_tax, 'prices_include_tax'),
    ...(o.ship_to === undefined ? {} : { shipTo: decodeAddress(o.ship_to, 'ship_to') }),
    lines: array(o.lines, 'lines', 1, MAX_LINES).map((l, i) => decodeLine(l, `lines[${i}]`)),
    chargeLines: decodeCharges(o.charge_lines) ?? [],
    hold: o.hold === undefined ? false : boolean(o.hold, 'hold'),
  };
}

/** `POST /api/sales-orders/:number/release` body → input, or a 422 naming the first field that is wrong. */
export function decodeRelease(raw: unknown): ReleaseInput {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', ['ship_to', 'lines', 'charge_lines']);
  if (o.ship_to === undefined)
    throw invalid('ship_to is required: the warehouse needs the address to ship to', { field: 'ship_to' });
  const chargeLines = decodeCharges(o.charge_lines);
  return {
    shipTo: decodeAddress(o.ship_to, 'ship_to'),
    lines: array(o.lines, 'lines', 1, MAX_LINES).map((l, i) => decodeLine(l, `lines[${i}]`)),
    ...(chargeLines ? { chargeLines } : {}),
  };
}

function decodeCharges(raw: unknown): ChargeLineInput[] | undefined {
  if (raw === undefined) return undefined;
  return array(raw, 'charge_lines', 0, 50).map((l, i) => decodeCharge(l, `charge_lines[${i}]`));
}

function decodeLine(raw: unknown, path: string): OrderLineInput {
  const l = object(raw, path);
  onlyKeys(l, path, ['sku', 'quantity', 'unit_price', 'tax_rate', 'tax_amount', 'warehouse']);
  const warehouse = optionalString(l.warehouse, `${path}.warehouse`, { max: 40 });
  return {
    sku: string(l.sku, `${path}.sku`, { max: 64 }),
    quantity: integer(l.quantity, `${path}.quantity`, 1, MAX_QUANTITY),
    unitPriceMinor: parseAmount(l.unit_price, `${path}.unit_price`),
    taxRateBp: parseRate(l.tax_rate, `${path}.tax_rate`),
    ...(l.tax_amount === undefined ? {} : { taxMinor: parseAmount(l.tax_amount, `${path}.tax_amount`) }),
    ...(warehouse ? { warehouse } : {}),
  };
}

function decodeCharge(raw: unknown, path: string): ChargeLineInput {
  const l = object(raw, path);
  onlyKeys(l, path, ['item_code', 'amount', 'tax_rate', 'tax_amount', 'description']);
  const description = optionalString(l.description, `${path}.description`, { max: 200 });
  return {
    itemCode: string(l.item_code, `${path}.item_code`, { max: 40 }),
    amountMinor: parseAmount(l.amount, `${path}.amount`, { allowNegative: true }),
    taxRateBp: l.tax_rate === undefined ? 0 : parseRate(l.tax_rate, `${path}.tax_rate`),
    ...(l.tax_amount === undefined
      ? {}
      : { taxMinor: parseAmount(l.tax_amount, `${path}.tax_amount`, { allowNegative: true }) }),
    ...(description ? { description } : {}),
  };
}
