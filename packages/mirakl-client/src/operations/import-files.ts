import { parse } from 'csv-parse/sync';
import type { ImportErrorLine, StockLine } from './offer-types';

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
