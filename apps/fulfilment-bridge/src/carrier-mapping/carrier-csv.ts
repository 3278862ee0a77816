import { parse } from 'csv-parse/sync';

/** The key a warehouse carrier name is matched on: trimmed, inner spaces collapsed, lower-case. */
export function carrierKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface CarrierMappingRow {
  warehouseCarrier: string;
  carrierCode: string;
}

export interface CsvProblem {
  line: number;
  problem: string;
}

/**
 * A carrier mapping file: a header `warehouse_carrier,carrier_code` (`,` or `;`), then one mapping per line.
 * Every problem is reported with its line number; a file with problems is applied not at all.
 */
export function parseCarrierCsv(text: string): { rows: CarrierMappingRow[]; problems: CsvProblem[] } {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      bom: true,
    });
  } catch (err) {
    return { rows: [], problems: [{ line: 0, problem: `not a CSV file: ${(err as Error).message}` }] };
  }
  const [header, ...body] = records;
  const cols = (header ?? []).map((h) => h.toLowerCase());
  const wc = cols.indexOf('warehouse_carrier');
  const cc = cols.indexOf('carrier_code');
  if (wc < 0 || cc < 0)
    return {
      rows: [],
      problems: [{ line: 1, problem: 'the header must name warehouse_carrier and carrier_code' }],
    };
  const rows: CarrierMappingRow[] = [];
  const problems: CsvProblem[] = [];
  const seen = new Map<string, number>();
  body.forEach((r, i) => {
    const line = i + 2;
    const warehouseCarrier = (r[wc] ?? '').trim();
    const carrierCode = (r[cc] ?? '').trim();
    if (!warehouseCarrier) return problems.push({ line, problem: 'warehouse_carrier is empty' });
    if (!carrierCode) return problems.push({ line, problem: 'carrier_code is empty' });
    if (warehouseCarrier.length > 200)
      return problems.push({ line, problem: 'warehouse_carrier is longer than 200' });
    const key = carrierKey(warehouseCarrier);
    if (seen.has(key))
      return problems.push({
        line,
        problem: `${warehouseCarrier} is already mapped on line ${seen.get(key)}`,
      });
    seen.set(key, line);
    rows.push({ warehouseCarrier, carrierCode });
  });
  return { rows, problems };
}
