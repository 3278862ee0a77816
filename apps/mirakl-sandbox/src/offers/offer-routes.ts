import { SandboxRefusal } from '../orders/order-book';
import { ImportLineError, type ImportQueue } from '../imports/import-queue';
import { writeCsv } from '../imports/csv';
import { csvReply, found, importCsv, processLines, report, uploadedFile } from '../imports/import-files';
import { jsonObject, list, offsetPage, type AdminRoute, type SandboxRoute } from '../http/route';
import { OfferLineError, type OfferStore } from './offer-store';

/** OF01 CSV columns and the OF24 field each one sets. */
const OFFER_COLUMNS: Record<string, string> = {
  sku: 'shop_sku',
  'product-id': 'product_id',
  'product-id-type': 'product_id_type',
  price: 'price',
  quantity: 'quantity',
  state: 'state_code',
  description: 'description',
  'internal-description': 'internal_description',
  'leadtime-to-ship': 'leadtime_to_ship',
  'min-order-quantity': 'min_order_quantity',
  'max-order-quantity': 'max_order_quantity',
  'package-quantity': 'package_quantity',
  'min-quantity-alert': 'min_quantity_alert',
  'logistic-class': 'logistic_class',
  'available-start-date': 'available_started',
  'available-end-date': 'available_ended',
  'discount-price': 'discount_price',
  'update-delete': 'update_delete',
};
const STOCK_COLUMNS = ['offer-sku', 'quantity', 'warehouse-code', 'update-delete'];

/**
 * Where offers and stock reach the marketplace: OF21 lists, OF24 (JSON) and OF01 (CSV) import offers,
 * STO01 imports stock; OF02/STO02 give an import's status, OF03/STO03 its error report.
 */
export function offerRoutes(offers: OfferStore, imports: ImportQueue): SandboxRoute[] {
  const created = (base: string, location: string, id: number | string) => ({
    status: 201,
    body: { import_id: id },
    headers: { location: `${base}${location}` },
    write: true,
  });
  return [
    {
      operation: 'OF21',
      method: 'GET',
      path: /^\/api\/offers$/,
      handle: ({ mp, url, base }) => {
        const q = url.searchParams;
        const skus = list(q.get('sku'));
        const products = list(q.get('product_id'));
        const states = list(q.get('offer_state_codes'));
        const matching = offers
          .list(mp.code)
          .filter(
            (o) =>
              (!skus || skus.includes(o.shop_sku)) &&
              (!products || products.includes(o.product.product_sku)) &&
              (!states || states.includes(o.state_code)),
          );
        const { page, total_count, headers } = offsetPage(matching, url, base);
        return {
          status: 200,
          body: { offers: page.map((o) => offers.view(mp.code, o)), total_count },
          headers,
        };
      },
    },
    {
      operation: 'OF24',
      method: 'POST',
      path: /^\/api\/offers$/,
      handle: ({ mp, body, base }) => {
        const json = jsonObject(body);
        if (!Array.isArray(json.offers) || json.offers.length === 0)
          throw new SandboxRefusal(400, 'offers: a non-empty list is required');
        const items = json.offers as unknown[];
        const record = imports.submit(mp.code, 'offers', 'NORMAL', body, () =>
          processLines(
            items.map((o, i) => ({ line: i + 1, row: flat(o) })),
            Object.keys(OFFER_COLUMNS),
            (row) => offers.apply(mp.code, row),
            (row) =>
              Object.fromEntries(
                Object.entries(OFFER_COLUMNS).map(([column, field]) => [column, row[field]]),
              ),
          ),
        );
        return created(base, `/api/offers/imports/${record.id}`, record.id);
      },
    },
    {
      operation: 'OF01',
      method: 'POST',
      path: /^\/api\/offers\/imports$/,
      handle: async ({ mp, req, body, base }) => {
        const file = await uploadedFile(req, body);
        const mode = unquote(file.fields.import_mode ?? '');
        if (mode !== 'NORMAL' && mode !== 'REPLACE')
          throw new SandboxRefusal(400, `import_mode must be NORMAL or REPLACE (got '${mode}')`);
        const record = imports.submit(mp.code, 'offers', mode, file.data, () => {
          const seen = new Set<string>();
          let absent = new Set<string>();
          const outcome = importCsv(
            file.data,
            { required: ['sku'], known: Object.keys(OFFER_COLUMNS) },
            (row) => {
              const input: Record<string, unknown> = {};
              for (const [column, field] of Object.entries(OFFER_COLUMNS)) input[field] = row[column];
              seen.add(String(row.sku ?? '').trim());
              return offers.apply(mp.code, input, absent);
            },
            (columns) =>
              (absent = new Set(
                Object.entries(OFFER_COLUMNS)
                  .filter(([column]) => !columns.includes(column))
                  .map(([, field]) => field),
              )),
          );
          if (outcome.failure) return outcome;
          if (mode === 'REPLACE') {
            for (const o of offers.list(mp.code)) {
              if (seen.has(o.shop_sku)) continue;
              offers.apply(mp.code, { shop_sku: o.shop_sku, update_delete: 'delete' });
              outcome.counts.offer_deleted++;
            }
          }
          return outcome;
        });
        return created(base, `/api/offers/imports/${record.id}`, record.id);
      },
    },
    {
      operation: 'OF02',
      method: 'GET',
      path: /^\/api\/offers\/imports\/(?<id>[^/]+)$/,
      handle: ({ mp, params }) => {
        const r = found(imports, mp.code, 'offers', params.id);
        const o = r.outcome;
        return {
          status: 200,
          body: {
            import_id: r.id,
            date_created: new Date(r.createdAt).toISOString(),
            status: r.status,
            reason_status: o?.failure ?? (r.status === 'COMPLETE' ? 'Import completed' : r.status),
            mode: r.mode,
            type: 'MIRAKL',
            has_error_report: (o?.errors.length ?? 0) > 0,
            lines_read: o?.linesRead ?? 0,
            lines_in_success: o ? o.linesRead - o.errors.length : 0,
            lines_in_error: o?.errors.length ?? 0,
            lines_in_pending: 0,
            offer_inserted: o?.counts.offer_inserted ?? 0,
            offer_updated: o?.counts.offer_updated ?? 0,
            offer_deleted: o?.counts.offer_deleted ?? 0,
          },
        };
      },
    },
    {
      operation: 'OF03',
      method: 'GET',
      path: /^\/api\/offers\/imports\/(?<id>[^/]+)\/error_report$/,
      handle: ({ mp, params }) => {
        const o = report(found(imports, mp.code, 'offers', params.id));
        return csvReply(
          writeCsv(
            [...o.columns, 'error-line', 'error-message'],
            o.errors.map((e) => [...o.columns.map((c) => e.row[c] ?? ''), e.line, e.message]),
          ),
        );
      },
    },
    {
      operation: 'STO01',
      method: 'POST',
      path: /^\/api\/offers\/stock\/imports$/,
      handle: async ({ mp, req, body, base }) => {
        const file = await uploadedFile(req, body);
        const record = imports.submit(mp.code, 'stock', 'NORMAL', file.data, () =>
          importCsv(file.data, { required: ['offer-sku', 'quantity'], known: STOCK_COLUMNS }, (row) => {
            const action = (row['update-delete'] || 'update').toLowerCase();
            if (action !== 'update' && action !== 'delete')
              throw new OfferLineError(`The update-delete value '${action}' is invalid`);
            offers.setStock(
              mp.code,
              row['offer-sku'] ?? '',
              row.quantity,
              row['warehouse-code'] || undefined,
              action === 'delete',
            );
            return 'updated';
          }),
        );
        return created(base, `/api/offers/stock/imports/${record.id}/status`, String(record.id));
      },
    },
    {
      operation: 'STO02',
      method: 'GET',
      path: /^\/api\/offers\/stock\/imports\/(?<id>[^/]+)\/status$/,
      handle: ({ mp, params }) => {
        const r = found(imports, mp.code, 'stock', params.id);
        const o = r.outcome;
        return {
          status: 200,
          body: {
            import_id: String(r.id),
            shop_id: Number(mp.shopId),
            date_created: new Date(r.createdAt).toISOString(),
            status: r.status,
            has_error_report: (o?.errors.length ?? 0) > 0,
            lines_in_success: o ? o.linesRead - o.errors.length : 0,
            lines_in_error: o?.errors.length ?? 0,
            ...(o?.failure ? { reason_status: o.failure } : {}),
          },
        };
      },
    },
    {
      operation: 'STO03',
      method: 'GET',
      path: /^\/api\/offers\/stock\/imports\/(?<id>[^/]+)\/error_report$/,
      handle: ({ mp, params }) => {
        const o = report(found(imports, mp.code, 'stock', params.id));
        return csvReply(
          writeCsv(
            ['error-line', 'error-message', ...o.columns],
            o.errors.map((e) => [e.line, e.message, ...o.columns.map((c) => e.row[c] ?? '')]),
          ),
          'text/csv; charset=utf-8',
        );
      },
    },
  ];
}

/** Admin: import timing per marketplace, and the offers as they stand (the truth buyers see). */
export function offerAdminRoutes(offers: OfferStore, imports: ImportQueue): AdminRoute[] {
  return [
    {
      method: 'PUT',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/imports$/,
      handle: ({ json, params }) => {
        const waitMs = Number(json.waitMs);
        const runMs = Number(json.runMs);
        if (!(waitMs >= 0) || !(runMs >= 0)) throw new RangeError('waitMs and runMs (ms >= 0) are required');
        imports.timing.set(params.mp, { waitMs, runMs });
        return { status: 200, body: { waitMs, runMs } };
      },
    },
    {
      method: 'POST',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/offers$/,
      handle: ({ json, params }) => {
        if (!Array.isArray(json.offers)) throw new RangeError('offers: a list is required');
        const results = (json.offers as unknown[]).map((o, i) => {
          try {
            return offers.apply(params.mp, flat(o));
          } catch (err) {
            if (err instanceof ImportLineError)
              throw new RangeError(`offers[${i}]: ${err.message}`, { cause: err });
            throw err;
          }
        });
        return { status: 201, body: { results } };
      },
    },
    {
      method: 'GET',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/offers$/,
      handle: ({ params }) => ({
        status: 200,
        body: { offers: offers.list(params.mp).map((o) => offers.view(params.mp, o)) },
      }),
    },
    {
      method: 'GET',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/imports$/,
      handle: ({ params }) => ({
        status: 200,
        body: {
          imports: imports.all(params.mp).map((r) => ({
            import_id: r.id,
            kind: r.kind,
            mode: r.mode,
            status: r.status,
            lines_read: r.outcome?.linesRead ?? 0,
            errors: r.outcome?.errors.map((e) => ({ line: e.line, message: e.message })) ?? [],
          })),
        },
      }),
    },
  ];
}

/** An OF24 offer flattened to its fields (the nested discount's price as `discount_price`). */
function flat(o: unknown): Record<string, unknown> {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return {};
  const offer = o as Record<string, unknown>;
  const discount = offer.discount as { price?: unknown } | undefined;
  return { ...offer, discount_price: discount?.price };
}

/** Multipart fields sent as JSON strings (`"NORMAL"`, as Mirakl's own samples do) or plain. */
function unquote(v: string): string {
  const t = v.trim();
  return t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}
