import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/** A `;`-separated import file with a header line, as rows keyed by column; throws with the reader's reason. */
export function readCsv(data: Buffer | string): { columns: string[]; rows: Record<string, string>[] } {
  let columns: string[] = [];
  const rows = parse(data, {
    delimiter: ';',
    bom: true,
    skip_empty_lines: true,
    trim: true,
    columns: (header: string[]) => (columns = header.map((h) => h.trim().toLowerCase())),
  }) as Record<string, string>[];
  return { columns, rows };
}

/** An error report: the file's columns then the error columns, every value quoted as Mirakl writes them. */
export function writeCsv(columns: string[], rows: (string | number)[][]): string {
  return stringify([columns, ...rows], { delimiter: ';', quoted: true, record_delimiter: '\n' });
}
