import { CURRENCY, formatAmount, formatRate, parseAmount, parseRate } from '../common/money';
import { boolean, integer, object, onlyKeys, optionalString, string, type Json } from '../common/decode';
import { invalid } from '../common/backoffice-error';

/** A product as the PIM keeps it. Money in minor units, tax rate in basis points. */
export interface Product {
  sku: string;
  title: string;
  brand: string;
  /** GTIN-13 (EAN) with a valid check digit. */
  gtin: string;
  description: string;
  /** Category path as the PIM writes it, e.g. "Sports > Running > Shoes". */
  category: string;
  priceMinor: number;
  currency: string;
  taxRateBp: number;
  weightGrams: number;
  attributes: Record<string, string>;
  active: boolean;
  updatedAt: number;
}

/** What the API answers for a product. */
export interface ProductView {
  sku: string;
  title: string;
  brand: string;
  gtin: string;
  ean: string;
  description: string;
  category: string;
  price: string;
  currency: string;
  tax_rate: string;
  weight_grams: number;
  attributes: Record<string, string>;
  active: boolean;
  updated_at: string;
}

export function productView(p: Product): ProductView {
  return {
    sku: p.sku,
    title: p.title,
    brand: p.brand,
    gtin: p.gtin,
    ean: p.gtin,
    description: p.description,
    category: p.category,
    price: formatAmount(p.priceMinor),
    currency: p.currency,
    tax_rate: formatRate(p.taxRateBp),
    weight_grams: p.weightGrams,
    attributes: { ...p.attributes },
    active: p.active,
    updated_at: new Date(p.updatedAt).toISOString(),
  };
}

export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when the 13 digits carry a valid GTIN check digit. */
export function validGtin13(gtin: string): boolean {
  if (!/^\d{13}$/.test(gtin)) return false;
  const digits = [...gtin].map(Number);
  const sum = digits.slice(0, 12).reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 3), 0);
  return (10 - (sum % 10)) % 10 === digits[12];
}

const PRODUCT_FIELDS = [
  'sku',
  'title',
  'brand',
  'gtin',
  'ean',
  'description',
  'category',
  'price',
  'currency',
  'tax_rate',
  'weight_grams',
  'attributes',
  'active',
  'updated_at',
] as const;

/** Decodes a product written in the API's own shape (admin seed and updates); `updated_at` is ignored. */
export function decodeProduct(raw: unknown, path: string): Omit<Product, 'updatedAt'> {
  const o = object(raw, path);
  onlyKeys(o, path, PRODUCT_FIELDS);
  const gtin = string(o.gtin ?? o.ean, `${path}.gtin`, { max: 13 });
  if (!validGtin13(gtin)) throw invalid(`${path}.gtin must be 13 digits with a valid check digit`);
  const attributes: Record<string, string> = {};
  if (o.attributes !== undefined) {
    const a: Json = object(o.attributes, `${path}.attributes`);
    for (const [k, v] of Object.entries(a)) attributes[k] = string(v, `${path}.attributes.${k}`);
  }
  return {
    sku: string(o.sku, `${path}.sku`, {
      max: 64,
      pattern: SKU_PATTERN,
      hint: 'must be letters, digits, . _ -',
    }),
    title: string(o.title, `${path}.title`, { max: 200 }),
    brand: string(o.brand, `${path}.brand`, { max: 100 }),
    gtin,
    description: optionalString(o.description, `${path}.description`, { min: 0, max: 5000 }) ?? '',
    category: string(o.category, `${path}.category`, { max: 300 }),
    priceMinor: parseAmount(o.price, `${path}.price`),
    currency: string(o.currency, `${path}.currency`, { pattern: CURRENCY, hint: 'must be an ISO 4217 code' }),
    taxRateBp: parseRate(o.tax_rate, `${path}.tax_rate`),
    weightGrams: integer(o.weight_grams, `${path}.weight_grams`, 0, 5_000_000),
    attributes,
    active: o.active === undefined ? true : boolean(o.active, `${path}.active`),
  };
}
