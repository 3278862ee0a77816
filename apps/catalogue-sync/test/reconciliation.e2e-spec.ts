import 'reflect-metadata';
import { Registry } from 'prom-client';
import { demoMarketplaces, MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { loadConfig, OutboxWriter, type Clock } from '@seller-bridge/service-kit';
import { createTestDatabase, testLogger, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { CatalogueSyncConfig, marketplaceApiKeys } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { createMarketplaceClients } from '../src/marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { StockPushStore } from '../src/publishing/stock-push.store';
import { StockPusher } from '../src/publishing/stock-pusher.service';
import { Reconciler } from '../src/reconciliation/reconciler.service';
import { ReconciliationStore } from '../src/reconciliation/reconciliation.store';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';

const DEC = 'decathlon-fr';
const SKUS = Array.from({ length: 130 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
const STOCK = 10;
const BUFFER = 1;
const SHOWN = STOCK - BUFFER;
const priceOf = (sku: string) => 1000 + Number(sku.slice(1)); // minor units: S010 → 10.10 EUR
const DIVERGED = 'catalogue.offer.diverged.v1';
const RAISED = 'ops.exception.raised.v1';
const RESOLVED = 'ops.exception.resolved.v1';

/**
 * Scheduled reconciliation (issue 4) on the real database and the in-process Mirakl sandbox: 130 offers pushed
 * by the real stock pusher, then changed behind catalogue-sync's back in the sandbox; `reconcileOnce` is driven
 * directly, and what it records (divergence rows, outbox events, queued corrections) is read back.
 */
describe('reconciliation (PostgreSQL + Mirakl sandbox)', () => {
  let db: TestDatabase;
  let sandbox: MiraklSandbox;
  let registry: Registry;
  let reservations: ReservationLedger;
  let stock: StockLedger;
  let pusher: StockPusher;
  let reconciler: Reconciler;
  const clock: Clock = { now: () => new Date() };
  let asOf = Date.UTC(2026, 10, 27, 8, 0, 0);
  let version = 0;

  beforeAll(async () => {
    db = await createTestDatabase('reconciliation', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: 'reconcile-admin' });
    const base = await sandbox.listen();
    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_API_KEY: 'test-key-123',
      MARKETPLACES: JSON.stringify([
        {
          code: DEC,
          baseUrl: `${base}/mp/${DEC}`,
          apiKeyEnv: 'KEY_DEC',
          shopId: '2001',
          safetyBuffer: BUFFER,
          unlimitedCalls: true,
        },
      ]),
    });
    registry = new Registry();
    const metrics = new CatalogueSyncMetrics(registry, clock);
    const clients = createMarketplaceClients(
      config.MARKETPLACES,
      marketplaceApiKeys(config, { KEY_DEC: 'sandbox-key-decathlon-fr' }),
      { observe: metrics.miraklCalls.observe },
    );
    reservations = new ReservationLedger(new OutboxWriter(clock), clock, config);
    stock = new StockLedger(reservations, clock, config);
    const pushStore = new StockPushStore(db.dataSource, new OutboxWriter(clock), clock);
    pusher = new StockPusher(
      pushStore,
      db.dataSource,
      clients,
      config.MARKETPLACES,
      metrics,
      testLogger(),
      clock,
      {
        enabled: true,
        gateAlertMs: 60_000,
        service: 'catalogue-sync',
      },
    );
    const store = new ReconciliationStore(db.dataSource, new OutboxWriter(clock), clock, 'catalogue-sync');
    reconciler = new Reconciler(store, clients, config.MARKETPLACES, metrics, testLogger(), clock, {
      enabled: false,
    });

    // The catalogue as the publisher leaves it: active products, accepted by the marketplace long ago.
    await db.dataSource.query(
      `INSERT INTO product (sku, title, category, price_minor, currency, active, master, updated_at)
       SELECT sku, 'Product ' || sku, 'Sports > Running', price, 'EUR', true, '{}'::jsonb, '2026-01-01T00:00:00Z'
       FROM unnest($1::text[], $2::bigint[]) AS u(sku, price)`,
      [SKUS, SKUS.map(priceOf)],
    );
    await db.dataSource.query(
      `INSERT INTO catalogue_sku (marketplace, sku, product_version, product_outcome, category_code,
         accepted_version, updated_at)
       SELECT $1, sku, '2026-01-01T00:00:00Z', 'accepted', 'running', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
       FROM unnest($2::text[]) AS sku`,
      [DEC, SKUS],
    );
    for (const sku of SKUS) {
      sandbox.products.upsert(DEC, { sku, title: `Product ${sku}`, category: 'running' });
      putOffer(sku, priceOf(sku) / 100, 99);
      await setStock(sku, STOCK);
    }
    await pushCycle(); // the marketplace now shows STOCK − BUFFER everywhere
    expect(SKUS.map((s) => sandbox.offers.get(DEC, s)?.quantity)).toEqual(SKUS.map(() => SHOWN));
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  function putOffer(sku: string, price: number, quantity: number): void {
    sandbox.offers.apply(DEC, {
      shop_sku: sku,
      product_id: sku,
      product_id_type: 'SHOP_SKU',
      price,
      quantity,
      state_code: '11',
    });
  }
  const setStock = (sku: string, available: number) =>
    db.dataSource.transaction((m) =>
      stock.applyStock(m, {
        sku,
        warehouse: 'LYON-1',
        available,
        onHand: available,
        asOf: new Date((asOf += 1000)).toISOString(),
        sourceVersion: ++version,
        source: 'backoffice-feed',
      }),
    );
  /** A push, Mirakl running the import, and the next cycle following it to COMPLETE. */
  async function pushCycle(): Promise<void> {
    await pusher.pushOnce(DEC);
    sandbox.clock.advance(2_500);
    await pusher.pushOnce(DEC);
  }
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    db.dataSource.query(sql, params);
  const events = (topic: string) =>
    q<{ payload: string }>(`SELECT payload FROM backbone_outbox WHERE topic = $1 ORDER BY id`, [topic]).then(
      (rows) => rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>),
    );
  const eventCount = async () =>
    (
      await q<{ n: number }>(`SELECT COUNT(*)::int AS n FROM backbone_outbox WHERE topic = ANY($1)`, [
        [DIVERGED, RAISED, RESOLVED],
      ])
    )[0].n;
  const rows = () =>
    q<{ sku: string; kind: string; status: string }>(
      `SELECT sku, kind, status FROM offer_divergence WHERE marketplace = $1 ORDER BY sku, kind`,
      [DEC],
    );
  const pending = (sku: string) =>
    q<{ kind: string }>(`SELECT kind FROM pending_push WHERE marketplace = $1 AND sku = $2 ORDER BY kind`, [
      DEC,
      sku,
    ]).then((r) => r.map((x) => x.kind));
  const metric = async (series: string, labels: string) =>
    (await registry.metrics())
      .split('\n')
      .find((l) => l.startsWith(`${series}{${labels}`))
      ?.split(' ')
      .pop();

  it('reads every OF21 page and finds nothing wrong when the marketplace holds what it should', async () => {
    const report = await reconciler.reconcileOnce(DEC);
    expect(report).toMatchObject({ offersRead: 130, pages: 2, opened: 0, suspected: 0, outcome: 'clean' });
    expect(
      await metric('mirakl_api_calls_total', `marketplace="${DEC}",operation="OF21",outcome="2xx"`),
    ).toBe('2');
    expect(await eventCount()).toBe(0);
    expect(await rows()).toEqual([]);
    expect(await metric('catalogue_reconciliations_total', `marketplace="${DEC}",outcome="clean"`)).toBe('1');
  });

  it('raises a wrong quantity, a wrong price, a missing and an extra offer, and queues their corrections', async () => {
    sandbox.offers.setStock(DEC, 'S010', 50); // more than we have: someone wrote stock behind our back
    putOffer('S020', 5.5, SHOWN); // a price set in Mirakl
    sandbox.offers.apply(DEC, { shop_sku: 'S030', update_delete: 'delete' });
    sandbox.products.upsert(DEC, { sku: 'X-EXTRA', title: 'Not ours', category: 'running' });
    putOffer('X-EXTRA', 12, 4);
    // S040's stock just fell to 4: its push is queued, so the 9 still shown is not a divergence.
    await setStock('S040', 4);
    expect(await pending('S040')).toEqual(['stock']);

    const report = await reconciler.reconcileOnce(DEC);
    expect(report).toMatchObject({ offersRead: 130, opened: 4, outcome: 'diverged' });
    expect(await rows()).toEqual([
      { sku: 'S010', kind: 'quantity', status: 'open' },
      { sku: 'S020', kind: 'price', status: 'open' },
      { sku: 'S030', kind: 'missing-offer', status: 'open' },
      { sku: 'X-EXTRA', kind: 'extra-offer', status: 'open' },
    ]);
    // Offers are compared page by page as OF21 lists them; missing offers are found after the last page.
    const diverged = await events(DIVERGED);
    expect(diverged.map((d) => [d.sku, d.kind, d.status, d.expected, d.found])).toEqual([
      ['S010', 'quantity', 'open', String(SHOWN), '50'],
      ['S020', 'price', 'open', '10.2 EUR', '5.5 EUR'],
      ['X-EXTRA', 'extra-offer', 'open', 'no offer (SKU not in the catalogue)', 'quantity 4 at 12 EUR'],
      ['S030', 'missing-offer', 'open', 'offer at 10.3 EUR', 'no offer'],
    ]);
    const raised = await events(RAISED);
    expect(raised.map((e) => [e.exceptionId, e.type, e.owner])).toEqual([
      [`catalogue-sync:reconcile:quantity:${DEC}:S010`, 'OFFER_QUANTITY_DIVERGED', 'integration'],
      [`catalogue-sync:reconcile:price:${DEC}:S020`, 'OFFER_PRICE_DIVERGED', 'ecommerce'],
      [`catalogue-sync:reconcile:extra-offer:${DEC}:X-EXTRA`, 'OFFER_NOT_IN_CATALOGUE', 'ecommerce'],
      [`catalogue-sync:reconcile:missing-offer:${DEC}:S030`, 'OFFER_NOT_ON_MARKETPLACE', 'ecommerce'],
    ]);
    expect(raised[0].reason).toContain('shows 50 unit(s) of S010, but 9 should be published');
    // Corrections: stock push for the quantity (its published figure forgotten), offers for price and
    // missing offer, nothing for the extra offer (never deleted automatically).
    expect(await pending('S010')).toEqual(['stock']);
    expect(
      await q(`SELECT 1 FROM published_quantity WHERE marketplace = $1 AND sku = 'S010'`, [DEC]),
    ).toEqual([]);
    expect(await pending('S020')).toEqual(['offer']);
    expect(await pending('S030')).toEqual(['offer']);
    expect(await pending('X-EXTRA')).toEqual([]);
    expect(sandbox.offers.get(DEC, 'X-EXTRA')).toBeDefined();
    for (const kind of ['quantity', 'price', 'missing-offer', 'extra-offer'])
      expect(await metric('catalogue_divergences', `marketplace="${DEC}",kind="${kind}"`)).toBe('1');
  });

  it('pushes the quantity correction and resolves it when the next pass finds it right', async () => {
    await pushCycle();
    expect(sandbox.offers.get(DEC, 'S010')?.quantity).toBe(SHOWN);
    const before = await eventCount();

    const report = await reconciler.reconcileOnce(DEC);
    expect(report).toMatchObject({ opened: 0, corrected: 1 });
    const corrected = (await events(DIVERGED)).filter((d) => d.status === 'corrected');
    expect(corrected.map((d) => [d.sku, d.kind, d.found])).toEqual([['S010', 'quantity', String(SHOWN)]]);
    expect((await events(RESOLVED)).map((e) => e.exceptionId)).toEqual([
      `catalogue-sync:reconcile:quantity:${DEC}:S010`,
    ]);
    expect(await eventCount()).toBe(before + 2);
    // S040 was pushed (4 − 1) with the same cycle and is right; the others stay open.
    expect(sandbox.offers.get(DEC, 'S040')?.quantity).toBe(3);
    expect((await rows()).map((r) => r.sku)).toEqual(['S020', 'S030', 'X-EXTRA']);
    expect(await metric('catalogue_divergences', `marketplace="${DEC}",kind="quantity"`)).toBe('0');
  });

  it('does not raise a shortfall explained by an order not yet reserved, but raises one that persists', async () => {
    sandbox.buyers.buy(DEC, [{ offerSku: 'S050', quantity: 2 }]); // Mirakl lowers S050 to 7 itself
    sandbox.offers.setStock(DEC, 'S060', 3); // lowered behind our back: nothing will explain it
    const before = await eventCount();

    const first = await reconciler.reconcileOnce(DEC);
    expect(first).toMatchObject({ opened: 0, suspected: 2 });
    expect(await eventCount()).toBe(before);
    expect((await rows()).filter((r) => r.kind === 'quantity')).toEqual([
      { sku: 'S050', kind: 'quantity', status: 'suspect' },
      { sku: 'S060', kind: 'quantity', status: 'suspect' },
    ]);

    // The order is reserved and pushed: 10 − 2 − 1 = 7, what Mirakl already shows.
    await db.dataSource.transaction((m) =>
      reservations.reserveOrder(m, {
        marketplace: DEC,
        orderId: 'BUY-1',
        lines: [{ lineId: 'BUY-1-1', sku: 'S050', quantity: 2 }],
      }),
    );
    await pushCycle();
    expect(sandbox.offers.get(DEC, 'S050')?.quantity).toBe(7);

    const second = await reconciler.reconcileOnce(DEC);
    expect(second).toMatchObject({ opened: 1, suspected: 0 });
    expect((await rows()).filter((r) => r.kind === 'quantity')).toEqual([
      { sku: 'S060', kind: 'quantity', status: 'open' },
    ]);
    const diverged = await events(DIVERGED);
    expect(diverged.filter((d) => d.sku === 'S050')).toEqual([]);
    expect(diverged.filter((d) => d.sku === 'S060').map((d) => [d.status, d.expected, d.found])).toEqual([
      ['open', String(SHOWN), '3'],
    ]);
    expect(await pending('S060')).toEqual(['stock']);
  });

  it('resolves what was corrected, then emits nothing new on a pass with nothing wrong', async () => {
    await pushCycle(); // S060 back to 9
    sandbox.offers.apply(DEC, { shop_sku: 'X-EXTRA', update_delete: 'delete' }); // someone removed it
    const corrected = await reconciler.reconcileOnce(DEC);
    expect(corrected).toMatchObject({ opened: 0, corrected: 2 });
    expect((await rows()).map((r) => r.sku)).toEqual(['S020', 'S030']); // their offers are still queued
    expect((await events(RESOLVED)).map((e) => e.exceptionId).slice(-2)).toEqual([
      `catalogue-sync:reconcile:quantity:${DEC}:S060`,
      `catalogue-sync:reconcile:extra-offer:${DEC}:X-EXTRA`,
    ]);

    const before = await eventCount();
    const quiet = await reconciler.reconcileOnce(DEC);
    expect(quiet).toMatchObject({ opened: 0, corrected: 0, suspected: 0 });
    expect(await eventCount()).toBe(before);
    expect(await metric('catalogue_reconciliation_duration_seconds', `marketplace="${DEC}"`)).toBeDefined();
  });
});
