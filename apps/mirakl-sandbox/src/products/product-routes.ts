import type { ImportQueue } from '../imports/import-queue';
import { writeCsv } from '../imports/csv';
import { csvReply, found, importCsv, report, uploadedFile } from '../imports/import-files';
import type { AdminRoute, SandboxRoute } from '../http/route';
import { PRODUCT_COLUMNS, type ProductCatalogue } from './product-catalogue';

/** Where products reach the operator: P41 imports a file, P42 gives its status, P44 the refused products. */
export function productRoutes(products: ProductCatalogue, imports: ImportQueue): SandboxRoute[] {
  return [
    {
      operation: 'P41',
      method: 'POST',
      path: /^\/api\/products\/imports$/,
      handle: async ({ mp, req, body, base }) => {
        const file = await uploadedFile(req, body);
        const record = imports.submit(mp.code, 'products', 'NORMAL', file.data, () =>
          importCsv(file.data, { required: ['sku', 'title', 'category'], known: PRODUCT_COLUMNS }, (row) => {
            const before = products.list(mp.code).length;
            products.upsert(mp.code, row);
            return products.list(mp.code).length > before ? 'inserted' : 'updated';
          }),
        );
        return {
          status: 201,
          body: { import_id: record.id },
          headers: { location: `${base}/api/products/imports/${record.id}` },
          write: true,
        };
      },
    },
    {
      operation: 'P42',
      method: 'GET',
      path: /^\/api\/products\/imports\/(?<id>[^/]+)$/,
      handle: ({ mp, params }) => {
        const r = found(imports, mp.code, 'products', params.id);
        const o = r.outcome;
        const done = r.status === 'COMPLETE';
        const errors = o?.errors.length ?? 0;
        return {
          status: 200,
          body: {
            import_id: r.id,
            shop_id: Number(mp.shopId),
            date_created: new Date(r.createdAt).toISOString(),
            import_status: r.status,
            ...(o?.failure ? { reason_status: o.failure } : {}),
            has_error_report: done && errors > 0,
            has_new_product_report: done && (o?.counts.offer_inserted ?? 0) > 0,
            has_transformed_file: false,
            transform_lines_read: o?.linesRead ?? 0,
            transform_lines_in_success: o ? o.linesRead - errors : 0,
            transform_lines_in_error: errors,
            transform_lines_with_warning: 0,
            integration_details: {
              invalid_products: errors,
              products_successfully_synchronized: o ? o.linesRead - errors : 0,
              rejected_products: 0,
              products_with_wrong_identifiers: 0,
              products_reimported: 0,
              products_not_accepted_in_time: 0,
              products_not_synchronized_in_time: 0,
              products_with_synchronization_issues: 0,
            },
          },
        };
      },
    },
    {
      operation: 'P44',
      method: 'GET',
      path: /^\/api\/products\/imports\/(?<id>[^/]+)\/error_report$/,
      handle: ({ mp, params }) => {
        const o = report(found(imports, mp.code, 'products', params.id));
        return csvReply(
          writeCsv(
            [...o.columns, 'errors'],
            o.errors.map((e) => [...o.columns.map((c) => e.row[c] ?? ''), `${e.line}: ${e.message}`]),
          ),
        );
      },
    },
  ];
}

/** Admin: seed products directly (demo and tests), and read the catalogue. */
export function productAdminRoutes(products: ProductCatalogue): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/products$/,
      handle: ({ json, params }) => {
        if (!Array.isArray(json.products)) throw new RangeError('products: a list is required');
        const created = (json.products as Record<string, string>[]).map((p) => products.upsert(params.mp, p));
        return { status: 201, body: { products: created } };
      },
    },
    {
      method: 'GET',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/products$/,
      handle: ({ params }) => ({ status: 200, body: { products: products.list(params.mp) } }),
    },
  ];
}
