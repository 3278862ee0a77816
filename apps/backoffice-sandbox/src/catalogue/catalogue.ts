import { BackofficeError } from '../common/backoffice-error';
import { canonicalJson } from '../common/canonical-json';
import type { Product } from './product';

export interface ProductPage {
  products: Product[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/**
 * The PIM's product master. Reads page by (updated_at, sku): a product changed while a caller pages moves
 * behind its cursor and comes back on a later page or the next `updated_since` pass; it is never skipped.
 */
export class Catalogue {
  private readonly products = new Map<string, Product>();

  constructor(private readonly onChange: (product: Product) => void = () => undefined) {}

  get(sku: string): Product | undefined {
    return this.products.get(sku);
  }

  all(): Product[] {
    return [...this.products.values()];
  }

  get size(): number {
    return this.products.size;
  }

  clear(): void {
    this.products.clear();
  }

  /** Adds or replaces a product; `updated_at` moves (and a change is reported) only when something changed. */
  upsert(input: Omit<Product, 'updatedAt'>, now: number): Product {
    const before = this.products.get(input.sku);
    if (before && sameProduct(before, input)) return before;
    const product: Product = { ...input, attributes: { ...input.attributes }, updatedAt: now };
    this.products.set(product.sku, product);
    this.onChange(product);
    return product;
  }

  page(opts: { updatedSince?: number; limit: number; cursor?: string }): ProductPage {
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const sorted = this.all()
      .filter((p) => opts.updatedSince === undefined || p.updatedAt >= opts.updatedSince)
      .sort(byUpdatedThenSku)
      .filter((p) => !after || byUpdatedThenSku(p, { updatedAt: after.u, sku: after.s }) > 0);
    const products = sorted.slice(0, opts.limit);
    const last = products.at(-1);
    return {
      products,
      ...(sorted.length > products.length && last
        ? { nextCursor: encodeCursor({ u: last.updatedAt, s: last.sku }) }
        : {}),
    };
  }
}

function byUpdatedThenSku(a: Pick<Product, 'updatedAt' | 'sku'>, b: Pick<Product, 'updatedAt' | 'sku'>) {
  return a.updatedAt - b.updatedAt || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);
}

function sameProduct(a: Product, b: Omit<Product, 'updatedAt'>): boolean {
  const { updatedAt: _u, ...rest } = a;
  return canonicalJson(rest) === canonicalJson(b);
}

function encodeCursor(c: { u: number; s: string }): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(cursor: string): { u: number; s: string } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { u?: unknown; s?: unknown };
    if (typeof c.u === 'number' && Number.isSafeInteger(c.u) && typeof c.s === 'string')
      return { u: c.u, s: c.s };
  } catch {
    // answered below
  }
  throw new BackofficeError(
    400,
    'invalid_cursor',
    'cursor is not one this API returned; start again without it',
  );
}
