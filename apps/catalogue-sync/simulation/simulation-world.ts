import 'reflect-metadata';
import { Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import {
  BackofficeSandbox,
  demoCatalogue,
  SandboxClock,
  seededRandom,
  type BackofficeSeed,
} from '@seller-bridge/backoffice-sandbox';
import { demoMarketplaces, MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { createLogger, loadConfig, OutboxWriter, type Clock } from '@seller-bridge/service-kit';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { BackofficeClient } from '../src/backoffice/backoffice-client';
import { backofficeHolds, createFeedReader } from '../src/backoffice/backoffice.providers';
import type { BackofficeFeedReader } from '../src/backoffice/feed-reader.service';
import { CatalogueSyncConfig, marketplaceApiKeys } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { createMarketplaceClients } from '../src/marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { StockPushStore } from '../src/publishing/stock-push.store';
import { StockPusher } from '../src/publishing/stock-pusher.service';
import { HoldWorker } from '../src/reservations/hold-worker.service';
import { OrderEventsConsumer } from '../src/reservations/order-events.consumer';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';
import { RealStock } from './real-stock';
import { CARREFOUR, DECATHLON, type SimulationOptions } from './simulation-options';
import type { MiraklClient } from '@seller-bridge/mirakl-client';

const BO_KEY = 'simulation-backoffice-key';
const ADMIN = 'simulation-admin';
const MIRAKL_KEYS = { KEY_DEC: 'sandbox-key-decathlon-fr', KEY_CAR: 'sandbox-key-carrefour-es' };

/**
 * Everything a run stands on: the two sandboxes in process (over HTTP, as in production), a fresh PostgreSQL
 * database with catalogue-sync's migrations, and catalogue-sync's real pieces built without Nest, as its
 * integration tests build them. Nothing of catalogue-sync's logic is replaced.
 */
export class SimulationWorld {
  private constructor(
    readonly db: TestDatabase,
    readonly backoffice: BackofficeSandbox,
    readonly boApi: string,
    readonly mirakl: MiraklSandbox,
    readonly clients: ReadonlyMap<string, MiraklClient>,
    readonly clock: Clock,
    readonly reservations: ReservationLedger,
    readonly orderEvents: OrderEventsConsumer,
    /** Sends the back office the holds still to place or release (none when the run has holds off). */
    readonly holdWorker: HoldWorker | undefined,
    readonly feed: BackofficeFeedReader,
    readonly pusher: StockPusher,
    readonly realStock: RealStock,
    readonly initialUnits: number,
    readonly skus: string[],
  ) {}

  static async create(o: SimulationOptions): Promise<SimulationWorld> {
    const seed = scarceSeed(o.skus, o.seed);
    const backoffice = new BackofficeSandbox({
      apiKey: BO_KEY,
      adminToken: ADMIN,
      seed,
      clock: new SandboxClock({ followRealTime: false }),
      random: seededRandom(o.seed + 1),
    });
    const boApi = `${await backoffice.listen()}/api`;
    // Other channels sell from the same stock for the whole run.
    backoffice.backOffice.otherChannels.start(o.otherChannelUnitsPerMinute, backoffice.clock.now());

    const realStock = new RealStock(() => backoffice.backOffice);
    const mirakl = new MiraklSandbox({
      marketplaces: demoMarketplaces(),
      adminToken: ADMIN,
      random: seededRandom(o.seed + 2),
      realStock: realStock.source,
    });
    mirakl.orders.onEvent(realStock.onOrderEvent);
    const miraklBase = await mirakl.listen();

    const db = await createTestDatabase('no_oversell_sim', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_URL: boApi,
      BACKOFFICE_API_KEY: BO_KEY,
      BACKOFFICE_FEED_ENABLED: 'false',
      MARKETPLACES: JSON.stringify(
        [
          { code: DECATHLON, env: 'KEY_DEC', shopId: '2001' },
          { code: CARREFOUR, env: 'KEY_CAR', shopId: '3107' },
        ].map((m) => ({
          code: m.code,
          baseUrl: `${miraklBase}/mp/${m.code}`,
          apiKeyEnv: m.env,
          shopId: m.shopId,
          safetyBuffer: o.safetyBuffer,
          unlimitedCalls: true,
        })),
      ),
    });
    // catalogue-sync runs on the Mirakl sandbox's time (the real time plus the jumps).
    const clock: Clock = { now: () => new Date(mirakl.clock.now()) };
    const outbox = new OutboxWriter(clock);
    const metrics = new CatalogueSyncMetrics(new Registry(), clock);
    const logger = createLogger('catalogue-sync-simulation', process.env.SIM_LOG_LEVEL ?? 'silent');
    const boClient = new BackofficeClient({
      baseUrl: boApi,
      apiKey: BO_KEY,
      timeoutMs: 10_000,
      retries: 2,
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      retryAfterMaxMs: 50,
    });
    const holds = o.backofficeHolds ? backofficeHolds(boClient) : undefined;
    const reservations = new ReservationLedger(outbox, clock, config, holds, logger, metrics);
    const holdWorker = holds
      ? new HoldWorker(db.dataSource, holds, outbox, clock, metrics, logger, config)
      : undefined;
    const feed = createFeedReader({
      config,
      client: boClient,
      dataSource: db.dataSource,
      ledger: new StockLedger(reservations, clock, config),
      outbox,
      clock,
      metrics,
      logger,
      options: { batch: 500 },
    });
    const clients = createMarketplaceClients(config.MARKETPLACES, marketplaceApiKeys(config, MIRAKL_KEYS), {
      observe: metrics.miraklCalls.observe,
    });
    const pusher = new StockPusher(
      new StockPushStore(db.dataSource, outbox, clock),
      db.dataSource,
      clients,
      config.MARKETPLACES,
      metrics,
      logger,
      clock,
      { enabled: true, gateAlertMs: 15 * 60_000, service: 'catalogue-sync' },
    );

    // Offers exist on both marketplaces from the start, at 0 (catalogue publishing is not under test).
    const skus = seed.products.map((p) => p.sku);
    for (const mp of [DECATHLON, CARREFOUR])
      for (const p of seed.products) {
        mirakl.products.upsert(mp, { sku: p.sku, title: p.title, category: 'running' });
        mirakl.offers.apply(mp, {
          shop_sku: p.sku,
          product_id: p.sku,
          product_id_type: 'SHOP_SKU',
          price: p.priceMinor / 100,
          quantity: 0,
          state_code: '11',
        });
      }
    const initialUnits = seed.stock.reduce((s, l) => s + l.on_hand, 0);
    return new SimulationWorld(
      db,
      backoffice,
      boApi,
      mirakl,
      clients,
      clock,
      reservations,
      new OrderEventsConsumer(reservations, config, logger),
      holdWorker,
      feed,
      pusher,
      realStock,
      initialUnits,
      skus,
    );
  }

  tx<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.dataSource.transaction(fn);
  }

  /** Both sandboxes' clocks forward by `ms`, each running what fell due (buyers, imports, other channels). */
  advance(ms: number): void {
    this.mirakl.clock.advance(ms);
    this.mirakl.settle();
    this.backoffice.clock.advance(ms);
    this.backoffice.backOffice.settle();
  }

  /** The back office's API, as fulfilment-bridge will call it. */
  async boCall<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.boApi}${path}`, {
      method,
      headers: { 'x-api-key': BO_KEY, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`back office ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** The back office's admin API (goods receipts, the truth). */
  async adminCall<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.boApi.replace(/\/api$/, '')}/admin${path}`, {
      method,
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`back office admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async close(): Promise<void> {
    await this.feed.stop();
    await this.mirakl.close();
    await this.backoffice.close();
    await this.db.drop();
  }
}

/**
 * The back office of the run: the demo's products, with scarce stock. About 6 SKUs in 10 hold 1–3 units
 * (some split 1 + 1 over both warehouses), 3 in 10 hold 4–12, 1 in 10 none.
 */
export function scarceSeed(count: number, seed: number): BackofficeSeed {
  const demo = demoCatalogue(count);
  const random = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const stock = demo.products.flatMap(({ sku }) => {
    const profile = random();
    const [lyon, madrid] =
      profile < 0.45
        ? random() < 0.5
          ? [between(1, 3), 0]
          : [0, between(1, 3)]
        : profile < 0.6
          ? [1, between(1, 2)]
          : profile < 0.9
            ? [between(2, 8), between(0, 4)]
            : [0, 0];
    return [
      { sku, warehouse: 'LYON-1', on_hand: lyon },
      { sku, warehouse: 'MADRID-2', on_hand: madrid },
    ];
  });
  return { ...demo, stock };
}
