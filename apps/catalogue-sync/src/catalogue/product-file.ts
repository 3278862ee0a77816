/** The columns of a P41 products file in the operator's format (the sandbox's, and the demo operators'). */
export const PRODUCT_FILE_COLUMNS = ['sku', 'title', 'category', 'ean', 'brand', 'description'] as const;

/** One product line of a P41 file: the shop's SKU, and the marketplace's category code (already mapped). */
export interface ProductFileLine {
  sku: string;
  title: string;
  category: string;
  ean?: string | null;
  brand?: string | null;
  description?: string | null;
}

/**
 * A `;`-separated cell as Mirakl reads it: always quoted, inner quotes doubled. Quoting keeps `;`, quotes and
 * line breaks inside a description from splitting the line.
 */
export function csvCell(value: string | number | null | undefined): string {
  return `"${String(value ?? '').replace(/"/g, '""')}"`;
}

/**
 * A P41 file: a header line then one line per product, in the given order (the error report's line numbers
 * count from the first product line). A SKU with a line break cannot be referred to by offers: refused.
 */
export function productFile(lines: readonly ProductFileLine[]): string {
  const rows = lines.map((l) => {
    if (!l.sku || /[\r\n]/.test(l.sku))
      throw new RangeError(`product sku ${JSON.stringify(l.sku)} is empty or has a line break`);
    return [l.sku, l.title, l.category, l.ean, l.brand, l.description].map(csvCell).join(';');
  });
  return [PRODUCT_FILE_COLUMNS.map(csvCell).join(';'), ...rows].join('\n') + '\n';
}
