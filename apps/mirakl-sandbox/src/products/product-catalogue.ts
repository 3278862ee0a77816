import { ImportLineError } from '../imports/import-queue';

/** A product of the operator's catalogue, as a shop's P41 import created it. */
export interface Product {
  product_sku: string;
  shop_sku: string;
  title: string;
  category_code: string;
  category_label: string;
  brand: string | null;
  description: string | null;
  ean: string | null;
}

/** The operator's categories (the same on every demo marketplace). */
export const CATEGORIES: Record<string, string> = {
  running: 'Running',
  cycling: 'Cycling',
  hiking: 'Hiking & Camping',
  fitness: 'Fitness',
  'water-sports': 'Water sports',
  electronics: 'Sports electronics',
};

/** A product line the operator refuses, with its reason (the P44 report). */
export class ProductLineError extends ImportLineError {}

/** The columns of a P41 file in this sandbox's operator format (`;`-separated, a header line). */
export const PRODUCT_COLUMNS = ['sku', 'title', 'category', 'ean', 'brand', 'description'] as const;

/**
 * Each marketplace's product catalogue. Offers can only be created for products the operator knows:
 * by the operator's product SKU (`SKU`), the shop's own SKU of an imported product (`SHOP_SKU`) or an EAN.
 */
export class ProductCatalogue {
  private readonly products = new Map<string, Shop>();
  private seq = 100_000_000_000;

  /** P41, one line: creates or updates the shop's product; throws `ProductLineError` when refused. */
  upsert(marketplace: string, row: Record<string, string>): Product {
    const sku = row.sku?.trim();
    const title = row.title?.trim();
    const category = row.category?.trim();
    const ean = row.ean?.trim() || null;
    if (!sku) throw new ProductLineError('The sku is required');
    if (!title) throw new ProductLineError('The title is required');
    if (!category || !CATEGORIES[category])
      throw new ProductLineError(`The category '${category ?? ''}' does not exist`);
    if (ean !== null && !validEan(ean)) throw new ProductLineError(`The EAN '${ean}' is invalid`);
    const shop = this.of(marketplace);
    const sameEan = ean ? shop.byEan.get(ean) : undefined;
    if (sameEan && sameEan.shop_sku !== sku)
      throw new ProductLineError(`The EAN '${ean}' is already used by product ${sameEan.product_sku}`);
    const existing = shop.byShopSku.get(sku);
    const product: Product = {
      product_sku: existing?.product_sku ?? `MKP${++this.seq}`,
      shop_sku: sku,
      title,
      category_code: category,
      category_label: CATEGORIES[category],
      brand: row.brand?.trim() || null,
      description: row.description?.trim() || null,
      ean,
    };
    if (existing?.ean && existing.ean !== ean) shop.byEan.delete(existing.ean);
    shop.bySku.set(product.product_sku, product);
    shop.byShopSku.set(sku, product);
    if (ean) shop.byEan.set(ean, product);
    return product;
  }

  /** The product an offer refers to (`product-id` and `product-id-type`), if the operator knows it. */
  find(marketplace: string, id: string, type: string): Product | undefined {
    const shop = this.of(marketplace);
    switch (type.toUpperCase()) {
      case 'SKU':
        return shop.bySku.get(id);
      case 'SHOP_SKU':
        return shop.byShopSku.get(id);
      case 'EAN':
        return shop.byEan.get(id);
      default:
        return undefined;
    }
  }

  list(marketplace: string): Product[] {
    return [...this.of(marketplace).bySku.values()];
  }

  private of(marketplace: string): Shop {
    let shop = this.products.get(marketplace);
    if (!shop)
      this.products.set(marketplace, (shop = { bySku: new Map(), byShopSku: new Map(), byEan: new Map() }));
    return shop;
  }
}

/** One marketplace's products, by the operator's SKU, by the shop's SKU and by EAN (a million stays fast). */
interface Shop {
  bySku: Map<string, Product>;
  byShopSku: Map<string, Product>;
  byEan: Map<string, Product>;
}

/** EAN-13 / EAN-8 / UPC-A (GTIN) with a valid check digit. */
export function validEan(code: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((s, d, i) => s + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}
