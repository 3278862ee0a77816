import type { BackOffice } from '../back-office';
import { productView } from '../catalogue/product';
import { BackofficeError } from '../common/backoffice-error';
import { decodeCustomer } from '../customers/customer';
import { CHANGE_TYPES, type ChangeType } from '../feed/change-feed';
import type { Faults } from '../faults/faults';
import { decodeHolds, HOLD_KEY, holdView } from '../holds/hold';
import { CHARGE_ITEMS } from '../sales-orders/charge-items';
import { salesOrderView } from '../sales-orders/sales-order';
import { decodeRelease, decodeSalesOrder } from '../sales-orders/sales-order-input';
import { stockView } from '../stock/stock-ledger';
import { Router } from './router';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The back office's API (`/api/...`), behind `X-Api-Key`. Handlers decode, call the back office, map. */
export function apiRoutes(bo: BackOffice, faults: () => Faults, random: () => number): Router {
  const now = () => bo.clock.now();
  const notFound = (what: string, ids: Record<string, unknown>) =>
    new BackofficeError(404, 'not_found', `no ${what}`, ids);

  return new Router()
    .add('GET', '/api/products', ({ query }) => {
      const q = query(['updated_since', 'limit', 'cursor']);
      const page = bo.catalogue.page({
        updatedSince: q.date('updated_since'),
        limit: q.integer('limit', 1, 500) ?? 100,
        cursor: q.string('cursor', 500),
      });
      return {
        status: 200,
        body: { products: page.products.map(productView), next_cursor: page.nextCursor ?? null },
      };
    })
    .add('GET', '/api/products/:sku', ({ params: [sku], query }) => {
      query([]);
      const product = bo.catalogue.get(sku);
      if (!product) throw notFound(`product ${sku}`, { sku });
      return { status: 200, body: productView(product) };
    })
    .add('GET', '/api/warehouses', ({ query }) => {
      query([]);
      return {
        status: 200,
        body: {
          warehouses: bo.warehouseSites.map((w) => ({ code: w.code, name: w.name, country: w.country })),
        },
      };
    })
    .add('GET', '/api/stock', ({ query }) => {
      const q = query(['sku', 'warehouse']);
      const skus = q.string('sku', 64 * 100 + 99)?.split(',');
      if (skus && skus.length > 100)
        throw new BackofficeError(400, 'bad_request', 'at most 100 SKUs per call (sku=A,B,...)');
      const warehouse = q.string('warehouse', 40);
      const sites = bo.warehouseSites.map((w) => w.code);
      if (warehouse !== undefined && !sites.includes(warehouse))
        throw new BackofficeError(
          404,
          'not_found',
          `no warehouse ${warehouse} (known: ${sites.join(', ')})`,
          { warehouse },
        );
      const wanted =
        skus ??
        bo.catalogue
          .all()
          .map((p) => p.sku)
          .sort();
      const stock = wanted
        .filter((sku) => bo.catalogue.get(sku))
        .flatMap((sku) =>
          (warehouse ? [warehouse] : sites).map((wh) =>
            stockView(bo.stock.get(sku, wh) ?? { sku, warehouse: wh, onHand: 0, allocated: 0, held: 0 }),
          ),
        );
      return { status: 200, body: { stock, as_of: new Date(now()).toISOString() } };
    })
    .add('GET', '/api/changes', ({ query }) => {
      const q = query(['after', 'limit', 'types']);
      const types = q.string('types', 200)?.split(',');
      const bad = types?.find((t) => !CHANGE_TYPES.includes(t as ChangeType));
      if (bad)
        throw new BackofficeError(
          400,
          'bad_request',
          `unknown change type ${bad} (known: ${CHANGE_TYPES.join(', ')})`,
        );
      const page = bo.feed.page(
        q.integer('after', 0, Number.MAX_SAFE_INTEGER) ?? 0,
        q.integer('limit', 1, 1000) ?? 100,
        types ? new Set(types as ChangeType[]) : undefined,
      );
      return { status: 200, body: page };
    })
    .add('GET', '/api/customers', ({ query }) => {
      const q = query(['marketplace', 'marketplace_customer_id']);
      const marketplace = q.string('marketplace', 40);
      const id = q.string('marketplace_customer_id', 100);
      if (!marketplace || !id)
        throw new BackofficeError(
          400,
          'bad_request',
          'marketplace and marketplace_customer_id are both required',
        );
      const customer = bo.customers.find(marketplace, id);
      return { status: 200, body: { customers: customer ? [customer] : [] } };
    })
    .add('GET', '/api/customers/:id', ({ params: [id], query }) => {
      query([]);
      const customer = bo.customers.get(id);
      if (!customer) throw notFound(`customer ${id}`, { customer_id: id });
      return { status: 200, body: customer };
    })
    .add('POST', '/api/customers', async ({ json, query }) => {
      query([]);
      const { customer, created } = bo.customers.create(decodeCustomer(await json()), now());
      return {
        status: created ? 201 : 200,
        body: customer,
        headers: { location: `/api/customers/${customer.id}` },
      };
    })
    .add('GET', '/api/charge-items', ({ query }) => {
      query([]);
      return {
        status: 200,
        body: {
          items: Object.entries(CHARGE_ITEMS).map(([code, description]) => ({
            code,
            description,
            type: 'non_inventory',
          })),
        },
      };
    })
    .add('POST', '/api/sales-orders', async ({ req, json, query }) => {
      query([]);
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
        throw new BackofficeError(
          400,
          'idempotency_key_required',
          'header Idempotency-Key is required (1 to 255 printable ASCII characters, e.g. the marketplace order id): without it a retry would post the order twice',
        );
      const raw = await json();
      const input = decodeSalesOrder(raw);
      const at = now();
      const { answer, replayed } = bo.idempotency.run(key, raw, at, () => ({
        status: 201,
        body: salesOrderView(bo.orders.post(input, key, at)),
      }));
      if (!replayed && random() < faults().dropAfterWriteRate) {
        req.socket.destroy();
        return 'dropped';
      }
      const number = (answer.body as { number: string }).number;
      return {
        ...answer,
        headers: { 'idempotent-replayed': String(replayed), location: `/api/sales-orders/${number}` },
      };
    })
    .add('GET', '/api/sales-orders', ({ query }) => {
      const ref = externalReference(query(['external_reference']).string('external_reference', 150));
      const orders = bo.orders.byExternalReference(ref.marketplace, ref.orderId);
      return { status: 200, body: { sales_orders: orders.map(salesOrderView) } };
    })
    .add('GET', '/api/sales-orders/:number', ({ params: [number], query }) => {
      query([]);
      const order = bo.orders.get(number);
      if (!order) throw notFound(`sales order ${number}`, { sales_order_number: number });
      return { status: 200, body: salesOrderView(order) };
    })
    .add('POST', '/api/sales-orders/:number/cancel', async ({ params: [number], json, query }) => {
      query([]);
      const body = await json();
      const reason = cancelReason(body);
      return { status: 200, body: salesOrderView(bo.orders.cancel(number, 'api', reason, now())) };
    })
    .add('POST', '/api/sales-orders/:number/release', async ({ params: [number], json, query }) => {
      query([]);
      const raw = await json();
      const order = bo.orders.release(number, decodeRelease(raw), raw, now());
      return { status: 200, body: salesOrderView(order) };
    })
    .add('POST', '/api/holds', async ({ json, query }) => {
      query([]);
      const results = bo.holds.placeMany(decodeHolds(await json()), now());
      return { status: 200, body: { results } };
    })
    .add('GET', '/api/holds', ({ query }) => {
      const q = query(['external_reference', 'state', 'created_before', 'after', 'limit']);
      const state = q.string('state', 20);
      if (state === undefined) {
        const ref = externalReference(q.string('external_reference', 150));
        return {
          status: 200,
          body: { holds: bo.holds.forOrder(ref.marketplace, ref.orderId).map(holdView) },
        };
      }
      if (state !== 'held' && state !== 'released' && state !== 'converted')
        throw new BackofficeError(400, 'bad_request', 'state must be held, released or converted');
      const limit = q.integer('limit', 1, 1000) ?? 500;
      const holds = bo.holds.page({
        state,
        createdBefore: q.date('created_before'),
        after: q.string('after', 255),
        limit,
      });
      return {
        status: 200,
        body: { holds: holds.map(holdView), next_after: holds.length === limit ? holds.at(-1)!.key : null },
      };
    })
    .add('GET', '/api/holds/:key', ({ params: [key], query }) => {
      query([]);
      const hold = HOLD_KEY.test(key) ? bo.holds.get(key) : undefined;
      if (!hold) throw notFound(`hold ${key}`, { key });
      return { status: 200, body: holdView(hold) };
    })
    .add('DELETE', '/api/holds/:key', ({ params: [key], query }) => {
      query([]);
      if (!HOLD_KEY.test(key)) throw notFound(`hold ${key}`, { key });
      return { status: 200, body: holdView(bo.holds.release(key, now())) };
    })
    .add('GET', '/api/shipments', ({ query }) => {
      const q = query(['after', 'limit', 'sales_order_number']);
      const after = q.integer('after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = q.integer('limit', 1, 1000) ?? 100;
      const number = q.string('sales_order_number', 40);
      const total = bo.warehouse.shipments.length;
      if (after > total)
        throw new BackofficeError(
          409,
          'cursor_ahead_of_feed',
          `after=${after} is beyond the last shipment (${total}): the back office was reset; read again from 0`,
          {
            after,
            last_seq: total,
          },
        );
      const rest = bo.warehouse.shipments
        .slice(after)
        .filter((s) => !number || s.sales_order_number === number);
      const shipments = rest.slice(0, limit);
      const hasMore = rest.length > shipments.length;
      return {
        status: 200,
        body: {
          shipments: structuredClone(shipments),
          last_seq: hasMore ? shipments.at(-1)!.seq : total,
          has_more: hasMore,
        },
      };
    });
}

/** `external_reference=<marketplace>:<order id>`, required. */
function externalReference(ref: string | undefined): { marketplace: string; orderId: string } {
  const sep = ref?.indexOf(':') ?? -1;
  if (!ref || sep < 1 || sep === ref.length - 1)
    throw new BackofficeError(
      400,
      'bad_request',
      'external_reference=<marketplace>:<order id> is required, e.g. decathlon-fr:ABC123-A',
    );
  return { marketplace: ref.slice(0, sep), orderId: ref.slice(sep + 1) };
}

/** `{ "reason": "..." }` or an empty body (reason "cancelled by caller"). */
export function cancelReason(body: unknown): string {
  if (body === undefined) return 'cancelled by caller';
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new BackofficeError(422, 'validation_failed', 'body must be a JSON object like {"reason": "..."}');
  const keys = Object.keys(body);
  const reason = (body as { reason?: unknown }).reason;
  if (
    keys.some((k) => k !== 'reason') ||
    (reason !== undefined && (typeof reason !== 'string' || !reason || reason.length > 500))
  )
    throw new BackofficeError(
      422,
      'validation_failed',
      'body may only hold reason, a string of 1 to 500 characters',
    );
  return reason ?? 'cancelled by caller';
}
