import { SandboxRefusal } from '../orders/order-book';
import { parseMultipart } from '../http/multipart';
import type { IncomingMessage } from 'node:http';
import { ImportLineError, type ImportOutcome, type ImportQueue, type ImportRecord } from './import-queue';
import { readCsv } from './csv';

/** The `file` part of an import upload (OF01, STO01, P41) and the other fields; Mirakl's 400 without it. */
export async function uploadedFile(
  req: IncomingMessage,
  body: Buffer,
): Promise<{ data: Buffer; fields: Record<string, string> }> {
  const form = await parseMultipart(req.headers['content-type'], body);
  const file = form.files.file;
  if (!file) throw new SandboxRefusal(400, 'The file part is required');
  return { data: file.data, fields: form.fields };
}

/**
 * Reads a `;` import file and applies its lines. The whole file FAILS when it cannot be read, lacks a required
 * column or has one the import does not know; otherwise each refused line goes to the error report.
 * `columnsRead` sees the file's columns before any line is applied.
 */
export function importCsv(
  data: Buffer,
  columns: { required: readonly string[]; known: readonly string[] },
  apply: (row: Record<string, string>) => string,
  columnsRead?: (columns: string[]) => void,
): ImportOutcome {
  let csv: ReturnType<typeof readCsv>;
  try {
    csv = readCsv(data);
  } catch (err) {
    return failed(`The file could not be read: ${(err as Error).message}`);
  }
  const missing = columns.required.filter((c) => !csv.columns.includes(c));
  if (missing.length) return failed(`Missing columns: ${missing.join(', ')}`);
  const unknown = csv.columns.filter((c) => !columns.known.includes(c));
  if (unknown.length) return failed(`Unknown columns: ${unknown.join(', ')}`);
  columnsRead?.(csv.columns);
  return processLines(
    csv.rows.map((row, i) => ({ line: i + 1, row })),
    csv.columns,
    apply,
    (row) => row,
  );
}

/** Applies each line; a refused line becomes a report line, the others count by what they did. */
export function processLines(
  lines: { line: number; row: Record<string, unknown> }[],
  columns: string[],
  apply: (row: Record<string, string>) => string,
  asReportRow: (row: Record<string, string>) => Record<string, string>,
): ImportOutcome {
  const outcome: ImportOutcome = {
    linesRead: lines.length,
    errors: [],
    counts: { offer_inserted: 0, offer_updated: 0, offer_deleted: 0 },
    columns,
  };
  for (const { line, row } of lines) {
    const text = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v == null ? '' : String(v)]));
    try {
      const did = apply(text);
      outcome.counts[`offer_${did}`] = (outcome.counts[`offer_${did}`] ?? 0) + 1;
    } catch (err) {
      if (!(err instanceof ImportLineError)) throw err;
      outcome.errors.push({ line, message: err.message, row: asReportRow(text) });
    }
  }
  return outcome;
}

export function failed(reason: string): ImportOutcome {
  return { linesRead: 0, errors: [], counts: {}, columns: [], failure: reason };
}

/** An import of this shop and kind, or Mirakl's 404. */
export function found(
  imports: ImportQueue,
  marketplace: string,
  kind: 'offers' | 'stock' | 'products',
  id: string,
) {
  const r = /^\d+$/.test(id) ? imports.get(marketplace, kind, Number(id)) : undefined;
  if (!r) throw new SandboxRefusal(404, `Import with identifier [${id}] not found`);
  return r;
}

/** The outcome of a finished import with errors, or Mirakl's 404 (no report yet, or none). */
export function report(r: ImportRecord): ImportOutcome {
  if (!r.outcome || r.outcome.errors.length === 0)
    throw new SandboxRefusal(404, `No error report for import ${r.id}`);
  return r.outcome;
}

/** A report file: OF03 and P44 are declared `application/octet-stream`, STO03 `text/csv`. */
export const csvReply = (text: string, contentType = 'application/octet-stream') => ({
  status: 200,
  body: text,
  contentType,
});
