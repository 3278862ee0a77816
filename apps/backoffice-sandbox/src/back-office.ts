import { Catalogue } from './catalogue/catalogue';
import { productView, type Product } from './catalogue/product';
import { CustomerBook } from './customers/customer-book';
import { ChangeFeed } from './feed/change-feed';
import { WebhookDispatcher } from './feed/webhook-dispatcher';
import { HoldBook } from './holds/hold-book';
import { IdempotencyStore } from './sales-orders/idempotency-store';
import { SalesOrderBook } from './sales-orders/sales-order-book';
import type { SandboxClock } from './sandbox-clock';
import { OtherChannels } from './stock/other-channels';
import { StockLedger, stockView } from './stock/stock-ledger';
import { Warehouse } from './warehouse/warehouse';
import type { WarehouseSite } from './warehouse/warehouse-site';

/** What a fresh back office holds: its warehouses, product master and counted stock. */
export interface BackofficeSeed {
  warehouses: WarehouseSite[];
  products: Omit<Product, 'updatedAt'>[];
  stock: { sku: string; warehouse: string; on_hand: number }[];
}

/** Bounds one settle: beyond this many timed events, other channels jump ahead (a day at 100/min fits). */
const MAX_EVENTS_PER_SETTLE = 500_000;

/**
 * The whole back office in memory: PIM, stock, holds, customers, sales orders, the warehouse, other channels and
 * the change feed, wired so that every stock movement, product change, ERP cancellation and shipment lands
 * in the feed. Time-driven work (warehouse picks, other channels' sales) happens in `settle`, in time order.
 */
export class BackOffice {
  readonly feed = new ChangeFeed();
  readonly catalogue: Catalogue;
  readonly stock: StockLedger;
  readonly customers = new CustomerBook();
  readonly orders: SalesOrderBook;
  readonly holds: HoldBook;
  readonly idempotency: IdempotencyStore;
  readonly warehouse: Warehouse;
  readonly otherChannels: OtherChannels;
  readonly webhooks: WebhookDispatcher;
  idempotencyTtlMs = 24 * 60 * 60_000;
  private sites: WarehouseSite[] = [];

  constructor(
    readonly clock: SandboxClock,
    random: () => number,
    options: { webhooksPaused: () => boolean; log: (msg: string, fields: Record<string, unknown>) => void },
  ) {
    this.catalogue = new Catalogue((p) =>
      this.feed.append('product.changed', p.updatedAt, productView(p) as unknown as Record<string, unknown>, {
        sku: p.sku,
      }),
    );
    this.stock = new StockLedger((m) =>
      this.feed.append(
        'stock.changed',
        m.at,
        {
          ...stockView(m.level),
          reason: m.reason,
          quantity: m.quantity,
          ...(m.salesOrderNumber ? { sales_order_number: m.salesOrderNumber } : {}),
          ...(m.holdKey ? { hold_key: m.holdKey } : {}),
        },
        { sku: m.level.sku, warehouse: m.level.warehouse },
      ),
    );
    this.warehouse = new Warehouse({
      openOrders: () => this.orders.open(),
      stock: this.stock,
      feed: this.feed,
      sites: () => this.sites,
      random,
    });
    this.holds = new HoldBook({
      catalogue: this.catalogue,
      stock: this.stock,
      warehouses: () => this.sites.map((s) => s.code),
    });
    this.orders = new SalesOrderBook({
      catalogue: this.catalogue,
      stock: this.stock,
      holds: this.holds,
      customers: this.customers,
      warehouses: () => this.sites.map((s) => s.code),
      feed: this.feed,
      onPosted: (o) => this.warehouse.schedule(o),
      // A released order is picked the usual delay after its release, not after it was first taken on hold.
      onReleased: (o) => {
        this.warehouse.schedule(o);
        o.nextPickAt = Math.max(o.nextPickAt!, this.clock.now() + this.warehouse.settings.pickDelayMs);
      },
    });
    this.idempotency = new IdempotencyStore(() => this.idempotencyTtlMs);
    this.otherChannels = new OtherChannels(this.stock, random);
    this.webhooks = new WebhookDispatcher(this.feed, { paused: options.webhooksPaused, log: options.log });
  }

  get warehouseSites(): readonly WarehouseSite[] {
    return this.sites;
  }

  /** Replaces everything with a fresh back office: the feed starts again at seq 1 (webhooks rewind too). */
  seed(seed: BackofficeSeed): void {
    this.orders.clear();
    this.holds.clear();
    this.customers.clear();
    this.idempotency.clear();
    this.warehouse.clear();
    this.otherChannels.reset();
    this.catalogue.clear();
    this.stock.clear();
    this.feed.clear();
    this.webhooks.rewind();
    this.sites = structuredClone(seed.warehouses);
    const now = this.clock.now();
    for (const p of seed.products) this.catalogue.upsert(p, now);
    for (const s of seed.stock) this.stock.setOnHand(s.sku, s.warehouse, s.on_hand, now, 'seed');
  }

  /** Runs every timed event due by now, earliest first: other channels' sales and warehouse picks. */
  settle(): void {
    const now = this.clock.now();
    for (let i = 0; i < MAX_EVENTS_PER_SETTLE; i++) {
      const sale = this.otherChannels.nextAt();
      const pick = this.warehouse.nextDueAt();
      const dueSale = sale !== undefined && sale <= now;
      const duePick = pick !== undefined && pick <= now;
      if (!dueSale && !duePick) return;
      if (dueSale && (!duePick || sale <= pick!)) this.otherChannels.sellAt(sale);
      else this.warehouse.pickDue(pick!);
    }
    this.otherChannels.skipTo(now);
    this.warehouse.pickDue(now);
  }
}
