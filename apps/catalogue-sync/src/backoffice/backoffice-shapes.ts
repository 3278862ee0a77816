import {
  Topics,
  validatePayload,
  type ProductChanged,
  type StockChanged,
  type TopicDefinition,
} from '@seller-bridge/contracts';

/**
 * The back office's JSON shapes turned into the platform's contracts. Everything the back office sends is
 * checked here, once: a record that does not fit is reported with what is wrong, never half-converted.
 */

export type BackofficeSource = 'backoffice-feed' | 'backoffice-poll';

/** One record read from the back office: the contract it became, or why it could not become one. */
export type Decoded<T> =
  { ok: true; value: T } | { ok: false; ref: string; sku?: string; problems: string[] };

/** One entry of the change feed, classified. */
export type FeedChange =
  | { kind: 'stock'; seq: number; at: string; stock: StockChanged }
  | { kind: 'product'; seq: number; at: string; product: ProductChanged }
  /** A type catalogue-sync does not read (shipments and cancellations are fulfilment-bridge's). */
  | { kind: 'skipped'; seq: number; at: string | undefined; type: string }
  | { kind: 'invalid'; seq: number; type: string; sku?: string; problems: string[] };

/** One page of the feed: store `lastSeq` and ask again after it. */
export interface FeedPage {
  changes: FeedChange[];
  lastSeq: number;
  hasMore: boolean;
}

export const FEED_TYPES = {
  stock: 'stock.changed',
  product: 'product.changed',
  skipped: ['sales_order.cancelled', 'shipment.created'],
} as const;

/** Decimal places of the minor unit where it is not 2 (ISO 4217). */
const MINOR_DIGITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
}; // prettier-ignore

const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d{1,6}))?$/;

/** Thrown by the converters below and caught where a record is decoded. */
class ShapeProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * A decimal string ("19.99") in integer minor units of `currency` (1999), exactly: digits are read as digits,
 * never through a binary float. More decimals than the currency has are refused unless they are zeros.
 */
export function decimalToMinor(amount: unknown, currency: string, field = 'price'): number {
  const m = typeof amount === 'string' ? DECIMAL.exec(amount) : null;
  if (!m)
    throw new ShapeProblems([
      `${field} must be a decimal string like "19.99", not ${JSON.stringify(amount)}`,
    ]);
  const digits = MINOR_DIGITS[currency] ?? 2;
  const fraction = m[3] ?? '';
  if (/[1-9]/.test(fraction.slice(digits)))
    throw new ShapeProblems([`${field} ${amount} has more than the ${digits} decimals ${currency} allows`]);
  const minor =
    BigInt(m[2]) * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new ShapeProblems([`${field} ${amount} is too large`]);
  return m[1] === '-' && minor !== 0n ? -Number(minor) : Number(minor);
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, what: string): Json {
  if (!isObject(v)) throw new ShapeProblems([`${what} must be a JSON object`]);
  return v;
}

/** Validates the plain contract object against its topic's class; throws the violations. */
function checked<T extends object>(topic: TopicDefinition<T>, plain: Json): T {
  const result = validatePayload(topic, plain);
  if (!result.ok) throw new ShapeProblems(result.violations);
  return result.payload;
}

const optionalText = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** A product as `/api/products` and the feed show it. */
export function toProductChanged(raw: unknown, source: BackofficeSource): ProductChanged {
  const p = object(raw, 'product');
  const currency = p.currency;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    throw new ShapeProblems([`currency must be an ISO 4217 code, not ${JSON.stringify(currency)}`]);
  const attributes = p.attributes === undefined ? undefined : object(p.attributes, 'attributes');
  const badAttribute = Object.entries(attributes ?? {}).find(([, v]) => typeof v !== 'string');
  if (badAttribute) throw new ShapeProblems([`attributes.${badAttribute[0]} must be a string`]);
  if (typeof p.tax_rate !== 'string' || !/^\d{1,3}(?:\.\d{1,4})?$/.test(p.tax_rate))
    throw new ShapeProblems([
      `tax_rate must be a percent string like "20.00", not ${JSON.stringify(p.tax_rate)}`,
    ]);
  const plain: Json = {
    sku: p.sku,
    title: p.title,
    brand: optionalText(p.brand),
    gtin: optionalText(p.gtin) ?? optionalText(p.ean),
    description: optionalText(p.description),
    category: p.category,
    price: { amountMinor: decimalToMinor(p.price, currency), currency },
    taxRate: p.tax_rate,
    active: p.active,
    attributes: attributes as Record<string, string> | undefined,
    updatedAt: p.updated_at,
    source,
  };
  for (const k of Object.keys(plain)) if (plain[k] === undefined) delete plain[k];
  return checked(Topics.productChanged, plain);
}

/**
 * A warehouse figure: a feed `stock.changed` entry's data or an `/api/stock` row. `asOf` is the back office's
 * time of the figure, `sourceVersion` its feed position (the change's seq, or the feed's end for a full read).
 */
export function toStockChanged(
  raw: unknown,
  at: { asOf: unknown; sourceVersion?: number; source: BackofficeSource; sku?: unknown; warehouse?: unknown },
): StockChanged {
  const s = object(raw, 'stock');
  const problems: string[] = [];
  for (const [field, outer] of [
    ['sku', at.sku],
    ['warehouse', at.warehouse],
  ] as const)
    if (outer !== undefined && s[field] !== undefined && outer !== s[field])
      problems.push(
        `${field} is ${JSON.stringify(outer)} on the change but ${JSON.stringify(s[field])} in its data`,
      );
  if (problems.length) throw new ShapeProblems(problems);
  const salesOrder = s.sales_order_number;
  const plain: Json = {
    sku: s.sku ?? at.sku,
    warehouse: s.warehouse ?? at.warehouse,
    available: s.available,
    onHand: s.on_hand,
    held: s.held,
    asOf: at.asOf,
    sourceVersion: at.sourceVersion,
    reason: s.reason,
    salesOrderNumber: salesOrder,
    source: at.source,
  };
  for (const k of Object.keys(plain)) if (plain[k] === undefined) delete plain[k];
  return checked(Topics.stockChanged, plain);
}

/** Runs a converter and keeps what went wrong instead of throwing. */
export function decode<T>(ref: string, sku: unknown, convert: () => T): Decoded<T> {
  try {
    return { ok: true, value: convert() };
  } catch (err) {
    if (!(err instanceof ShapeProblems)) throw err;
    return { ok: false, ref, ...(typeof sku === 'string' ? { sku } : {}), problems: err.problems };
  }
}

/** Classifies one feed entry. `previousSeq` stands in when the entry's own seq is unreadable (seqs are 1, 2, 3…). */
export function toFeedChange(raw: unknown, previousSeq: number): FeedChange {
  const c = isObject(raw) ? raw : {};
  const seq = Number.isSafeInteger(c.seq) && (c.seq as number) > 0 ? (c.seq as number) : previousSeq + 1;
  const type = typeof c.type === 'string' ? c.type : '<missing>';
  const sku = typeof c.sku === 'string' ? c.sku : undefined;
  const problems: string[] = [];
  if (!isObject(raw)) problems.push('the change is not a JSON object');
  else if (seq !== c.seq) problems.push(`seq must be a positive integer, not ${JSON.stringify(c.seq)}`);
  if (typeof c.at !== 'string' || Number.isNaN(Date.parse(c.at)))
    problems.push('at must be an ISO-8601 time');
  const at = c.at as string;
  if (problems.length === 0) {
    if (type === FEED_TYPES.stock) {
      const d = decode(String(seq), sku, () =>
        toStockChanged(c.data, {
          asOf: at,
          sourceVersion: seq,
          source: 'backoffice-feed',
          sku: c.sku,
          warehouse: c.warehouse,
        }),
      );
      if (d.ok) return { kind: 'stock', seq, at, stock: d.value };
      problems.push(...d.problems);
    } else if (type === FEED_TYPES.product) {
      const d = decode(String(seq), sku, () => {
        const p = toProductChanged(c.data, 'backoffice-feed');
        if (sku !== undefined && p.sku !== sku)
          throw new ShapeProblems([`sku is ${sku} on the change but ${p.sku} in its data`]);
        return p;
      });
      if (d.ok) return { kind: 'product', seq, at, product: d.value };
      problems.push(...d.problems);
    } else {
      return { kind: 'skipped', seq, at, type };
    }
  }
  return { kind: 'invalid', seq, type, ...(sku ? { sku } : {}), problems };
}

/** A `/api/changes` answer, or why the page itself (not one entry) cannot be read. */
export function toFeedPage(raw: unknown, after: number): FeedPage | string {
  if (!isObject(raw)) return 'not a JSON object';
  const { changes, last_seq: lastSeq, has_more: hasMore } = raw;
  if (!Array.isArray(changes)) return 'changes must be a list';
  if (!Number.isSafeInteger(lastSeq) || (lastSeq as number) < after)
    return `last_seq must be an integer from ${after}, not ${JSON.stringify(lastSeq)}`;
  if (typeof hasMore !== 'boolean') return 'has_more must be true or false';
  const out: FeedChange[] = [];
  let previous = after;
  for (const entry of changes) {
    const change = toFeedChange(entry, previous);
    if (change.seq <= previous || change.seq > (lastSeq as number))
      return `change seq ${change.seq} is out of order (after ${previous}, last_seq ${String(lastSeq)})`;
    out.push(change);
    previous = change.seq;
  }
  return { changes: out, lastSeq: lastSeq as number, hasMore };
}
