import { parse } from 'csv-parse/sync';
import type { ImportErrorLine, MiraklOfferUpdate, StockLine } from './offer-types';

/** A `;`-separated value, quoted, inner quotes doubled (Mirakl's import format). */
const cell = (v: string | number) => `"${String(v).replace(/"/g, '""')}"`;

/** STO01's file: `offer-sku;quantity;warehouse-code;update-delete`, one line per offer (and warehouse). */
export function stockFile(lines: readonly StockLine[]): string {
  const rows = lines.map((l) => {
    if (!Number.isInteger(l.quantity) || l.quantity < 0)
      throw new RangeError(`stock for ${l.offerSku}: the quantity must be a whole number >= 0`);
    if (/[\r\n]/.test(l.offerSku))
      throw new RangeError(`offer sku ${JSON.stringify(l.offerSku)} has a line break`);
    return [l.offerSku, l.quantity, l.warehouseCode ?? '', l.updateDelete ?? 'update'].map(cell).join(';');
  });
  return (
    [['offer-sku', 'quantity', 'warehouse-code', 'update-delete'].map(cell).join(';'), ...rows].join('\n') +
    '\n'
  );
}

/** OF01's columns for the fields a complete offer carries (Mirakl's offer import format), and the OF24 field of each. */
export const OFFER_FILE_COLUMNS = {
  sku: 'shop_sku',
  'product-id': 'product_id',
  'product-id-type': 'product_id_type',
  price: 'price',
  quantity: 'quantity',
  state: 'state_code',
  description: 'description',
  'leadtime-to-ship': 'leadtime_to_ship',
  'update-delete': 'update_delete',
} as const satisfies Record<string, keyof MiraklOfferUpdate>;

/** The header line of an OF01 file of complete offers. */
export function offerFileHeader(): string {
  return `${Object.keys(OFFER_FILE_COLUMNS).map(cell).join(';')}\n`;
}

/** One offer as a line of an OF01 file (with its line break); files are written a line at a time, streamed. */
export function offerFileRow(o: MiraklOfferUpdate): string {
  if (/[\r\n]/.test(o.shop_sku))
    throw new RangeError(`offer sku ${JSON.stringify(o.shop_sku)} has a line break`);
  return `${Object.values(OFFER_FILE_COLUMNS)
    .map((field) => cell((o[field] as string | number | null | undefined) ?? ''))
    .join(';')}\n`;
}

/**
 * An error report (OF03, STO03, P44) as lines: the line number and reason from Mirakl's error columns
 * (`error-line`/`error-message`, or an `errors` column), the other columns as the line's fields.
 */
export function parseErrorReport(text: string): ImportErrorLine[] {
  if (!text.trim()) return [];
  const delimiter = (text.split('\n', 1)[0].match(/;/g) ?? []).length > 0 ? ';' : ',';
  const rows = parse(text, {
    delimiter,
    bom: true,
    columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
  }) as Record<string, string>[];
  return rows.map((row) => {
    const { 'error-line': lineText, 'error-message': message, errors, ...fields } = row;
    const line = Number(lineText);
    return {
      line: lineText !== undefined && Number.isInteger(line) ? line : null,
      message: message ?? errors ?? '',
      fields,
    };
  });
}
