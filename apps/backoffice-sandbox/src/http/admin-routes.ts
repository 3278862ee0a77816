import type { BackOffice } from '../back-office';
import { demoCatalogue } from '../catalogue/demo-catalogue';
import { decodeProduct } from '../catalogue/product';
import { BackofficeError, invalid } from '../common/backoffice-error';
import { array, integer, object, onlyKeys } from '../common/decode';
import { decodeFaults, type Faults } from '../faults/faults';
import { salesOrderView } from '../sales-orders/sales-order';
import { stockView } from '../stock/stock-ledger';
import { cancelReason } from './api-routes';
import {
  decodeOtherChannels,
  decodeSeed,
  decodeStock,
  decodeWarehouseSettings,
  decodeWebhook,
} from './admin-input';
import { Router } from './router';

/** The admin API (`/admin/...`, behind `x-admin-token`): seed, steer, break and read the truth. */
export function adminRoutes(bo: BackOffice, faults: { get: () => Faults; set: (f: Faults) => void }): Router {
  const now = () => bo.clock.now();
  const body = async (json: () => Promise<unknown>) => (await json()) ?? {};

  return new Router()
    .add('POST', '/admin/seed', async ({ json }) => {
      const raw = await json();
      const seed = raw === undefined ? demoCatalogue() : decodeSeed(raw, bo.warehouseSites);
      bo.seed(seed);
      return {
        status: 200,
        body: {
          products: bo.catalogue.size,
          stock_levels: seed.stock.length,
          warehouses: bo.warehouseSites.map((w) => w.code),
        },
      };
    })
    .add('PUT', '/admin/products', async ({ json }) => {
      const o = object(await json(), 'body');
      onlyKeys(o, 'body', ['products']);
      const products = array(o.products, 'products', 1, 100_000).map((p, i) =>
        decodeProduct(p, `products[${i}]`),
      );
      const at = now();
      const before = bo.feed.headSeq;
      for (const p of products) bo.catalogue.upsert(p, at);
      return { status: 200, body: { products: products.length, changed: bo.feed.headSeq - before } };
    })
    .add('PUT', '/admin/stock', async ({ json }) => {
      const o = object(await json(), 'body');
      onlyKeys(o, 'body', ['stock']);
      const rows = decodeStock(
        o.stock,
        (sku) => bo.catalogue.get(sku) !== undefined,
        new Set(bo.warehouseSites.map((w) => w.code)),
      );
      const at = now();
      const levels = rows.map((r) =>
        stockView(bo.stock.setOnHand(r.sku, r.warehouse, r.on_hand, at, 'adjustment')),
      );
      return { status: 200, body: { stock: levels } };
    })
    .add('GET', '/admin/clock', () => ({ status: 200, body: { now: new Date(now()).toISOString() } }))
    .add('POST', '/admin/clock/advance', async ({ json }) => {
      const o = object(await json(), 'body');
      onlyKeys(o, 'body', ['ms']);
      bo.clock.advance(integer(o.ms, 'ms', 0, 365 * 24 * 60 * 60_000));
      bo.settle();
      return { status: 200, body: { now: new Date(now()).toISOString() } };
    })
    .add('GET', '/admin/faults', () => ({ status: 200, body: faults.get() }))
    .add('PUT', '/admin/faults', async ({ json }) => {
      faults.set(decodeFaults(await body(json)));
      bo.webhooks.kick();
      return { status: 200, body: faults.get() };
    })
    .add('GET', '/admin/warehouse', () => ({ status: 200, body: bo.warehouse.settings }))
    .add('PUT', '/admin/warehouse', async ({ json }) => {
      bo.warehouse.settings = decodeWarehouseSettings(await body(json), bo.warehouse.settings);
      return { status: 200, body: bo.warehouse.settings };
    })
    .add('GET', '/admin/other-channels', ({ query }) => {
      const q = query(['after']);
      return {
        status: 200,
        body: {
          ...bo.otherChannels.state(),
          sales: bo.otherChannels.sales.slice(q.integer('after', 0, Number.MAX_SAFE_INTEGER) ?? 0),
        },
      };
    })
    .add('PUT', '/admin/other-channels', async ({ json }) => {
      const setting = decodeOtherChannels(await json());
      if (setting.running) bo.otherChannels.start(setting.unitsPerMinute!, now());
      else bo.otherChannels.stop();
      return { status: 200, body: bo.otherChannels.state() };
    })
    .add('GET', '/admin/webhooks', () => ({ status: 200, body: { webhooks: bo.webhooks.list() } }))
    .add('POST', '/admin/webhooks', async ({ json }) => ({
      status: 201,
      body: bo.webhooks.register(decodeWebhook(await json())),
    }))
    .add('DELETE', '/admin/webhooks/:id', ({ params: [id] }) => {
      if (!bo.webhooks.remove(id)) throw new BackofficeError(404, 'not_found', `no webhook ${id}`);
      return { status: 204 };
    })
    .add('POST', '/admin/sales-orders/:number/cancel', async ({ params: [number], json }) => {
      const raw = await json();
      if (raw === undefined)
        throw invalid('an ERP cancellation needs {"reason": "..."} (what the user typed)');
      return { status: 200, body: salesOrderView(bo.orders.cancel(number, 'erp', cancelReason(raw), now())) };
    })
    .add('GET', '/admin/sales-orders', () => ({
      status: 200,
      body: {
        sales_orders: bo.orders
          .all()
          .map((o) => ({ ...salesOrderView(o), idempotency_key: o.idempotencyKey })),
      },
    }))
    .add('GET', '/admin/shipments', () => ({
      status: 200,
      body: { shipments: structuredClone(bo.warehouse.shipments) },
    }))
    .add('GET', '/admin/truth', () => {
      const orders = bo.orders.all();
      const levels = bo.stock.all().map(stockView);
      return {
        status: 200,
        body: {
          now: new Date(now()).toISOString(),
          sales_orders: {
            created: orders.length,
            cancelled: orders.filter((o) => o.status === 'cancelled').length,
            shipped: orders.filter((o) => o.status === 'shipped').length,
          },
          duplicates: bo.orders.duplicates(),
          oversold_lines: bo.orders.oversoldLines(),
          negative_stock: levels.filter((l) => l.available < 0),
          other_channels: bo.otherChannels.state(),
          shipments: bo.warehouse.shipments.length,
          idempotency: bo.idempotency.stats(),
          customers: bo.customers.size,
          changes: bo.feed.headSeq,
        },
      };
    });
}
