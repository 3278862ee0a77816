import 'reflect-metadata';
import { Registry } from 'prom-client';
import { demoMarketplaces, MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { createLogger, loadConfig, OutboxWriter, SystemClock } from '@seller-bridge/service-kit';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { CatalogueExceptions } from '../src/catalogue/catalogue-exceptions';
import { DEFAULT_CATALOGUE_OPTIONS } from '../src/catalogue/catalogue-options';
import { OfferFileSync, type OfferFileProgress, type OfferFileSent } from '../src/catalogue/offer-file-sync';
import { CatalogueSyncConfig, marketplaceApiKeys } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { createMarketplaceClients } from '../src/marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';

/**
 * The full offer sync by file (OF01) against the Mirakl sandbox and the real database: every offer complete,
 * quantities by the no-oversell rule from one snapshot, progress as it goes, refused lines raised, figures
 * that moved after the snapshot corrected by a push.
 */
describe('full offer sync by file (OF01)', () => {
  const MP = 'decathlon-fr';
  const N = 3_000;
  let db: TestDatabase;
  let sandbox: MiraklSandbox;
  let sync: OfferFileSync;
  let config: CatalogueSyncConfig;
  let registry: Registry;
  const clock = new SystemClock();
  const client = () =>
    createMarketplaceClients(
      config.MARKETPLACES,
      marketplaceApiKeys(config, { MIRAKL_KEY_DECATHLON_FR: 'sandbox-key-decathlon-fr' }),
    ).get(MP)!;

  beforeAll(async () => {
    db = await createTestDatabase('offer_file_sync', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: 'admin-token-123' });
    const base = await sandbox.listen();
    sandbox.imports.timing.set(MP, { waitMs: 0, runMs: 0 });
    config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_API_KEY: 'test-key-123',
      MARKETPLACES: JSON.stringify([
        {
          code: MP,
          baseUrl: `${base}/mp/${MP}`,
          apiKeyEnv: 'MIRAKL_KEY_DECATHLON_FR',
          shopId: '2001',
          safetyBuffer: 1,
          skuSafetyBuffers: { S00010: 3 },
          unlimitedCalls: true,
        },
      ]),
    });
    registry = new Registry();
    const outbox = new OutboxWriter(clock);
    sync = new OfferFileSync({
      dataSource: db.dataSource,
      clock,
      metrics: new CatalogueSyncMetrics(registry, clock),
      logger: createLogger('catalogue-sync-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
      exceptions: new CatalogueExceptions(outbox, 'catalogue-sync'),
      options: DEFAULT_CATALOGUE_OPTIONS,
      marketplaces: [MP],
      acceptedProductsOnly: false,
    });
    // N products: S00001…; every 100th inactive; S00007 has its own leadtime; stock i % 9 in LYON-1 (+ 2 held
    // for our own orders on every 5th), reservations of 1 on every 4th.
    await db.dataSource.query(
      `INSERT INTO product (sku, title, category, price_minor, currency, active, master, updated_at)
       SELECT s, 'Product ' || s, 'Sports', 1000 + i, 'EUR', i % 100 <> 0,
         jsonb_build_object('sku', s, 'description', 'Item "' || i || '"; nice',
           'attributes', CASE WHEN i = 7 THEN '{"leadtime_to_ship": "9"}'::jsonb ELSE '{}'::jsonb END),
         now()
       FROM generate_series(1, $1) AS i, LATERAL (SELECT 'S' || lpad(i::text, 5, '0') AS s) AS k`,
      [N],
    );
    await db.dataSource.query(
      `INSERT INTO warehouse_stock (sku, warehouse, available, on_hand, held, as_of, source)
       SELECT 'S' || lpad(i::text, 5, '0'), 'LYON-1', i % 9, i % 9 + 2 * (i % 5 = 0)::int, 2 * (i % 5 = 0)::int,
         now(), 'backoffice-poll'
       FROM generate_series(1, $1) AS i`,
      [N],
    );
    await db.dataSource.query(
      `INSERT INTO sku_stock (sku, known, available, reserved, updated_at)
       SELECT 'S' || lpad(i::text, 5, '0'), true, i % 9 + 2 * (i % 5 = 0)::int, (i % 4 = 0)::int, now() - interval '1 hour'
       FROM generate_series(1, $1) AS i`,
      [N],
    );
    // The marketplace knows every product but the last ten (their offers will be refused).
    for (let i = 1; i <= N - 10; i++)
      sandbox.products.upsert(MP, { sku: `S${String(i).padStart(5, '0')}`, title: 'x', category: 'running' });
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  const expected = (i: number) => {
    const available = (i % 9) + (i % 5 === 0 ? 2 : 0);
    const reserved = i % 4 === 0 ? 1 : 0;
    const buffer = i === 10 ? 3 : 1;
    return i % 100 === 0 ? 0 : Math.max(0, available - reserved - buffer);
  };

  it('waits while the latest poll has orders not yet reserved', async () => {
    await db.dataSource.query(
      `INSERT INTO marketplace_poll (marketplace, visible_at, order_ids) VALUES ($1, now(), '{ORDER-X}')`,
      [MP],
    );
    expect(await sync.send(config.MARKETPLACES[0], client())).toEqual({
      gated: '1 order(s) of the latest poll are not reserved yet',
    });
    await db.dataSource.query(`DELETE FROM marketplace_poll`);
  });

  it('sends every offer complete, in one file, with progress, and the marketplace holds exactly the rule’s quantities', async () => {
    const progress: OfferFileProgress[] = [];
    const sent = (await sync.send(config.MARKETPLACES[0], client(), (p) =>
      progress.push(p),
    )) as OfferFileSent;
    expect(sent).toMatchObject({ marketplace: MP, offers: N });
    expect(progress.at(-1)).toMatchObject({ written: N, total: N });
    expect(progress.length).toBeGreaterThan(1); // page by page, not at the end
    expect(progress.map((p) => p.written)).toEqual([...progress.map((p) => p.written)].sort((a, b) => a - b));
    expect(await registry.getSingleMetric('catalogue_full_sync_progress')?.get()).toMatchObject({
      values: [expect.objectContaining({ value: 1, labels: { marketplace: MP } })],
    });
    // Five SKUs move after the snapshot: the file carries their old figure, so they must be pushed again.
    await db.dataSource.query(
      `UPDATE sku_stock SET updated_at = now() + interval '1 second' WHERE sku IN ('S00001','S00002','S00003','S00004','S00005')`,
    );
    const done = await sync.finish(sent, client(), { pollMs: 20, timeoutMs: 20_000 });
    expect(done).toMatchObject({ status: 'COMPLETE', linesInError: 10, requeued: 5 });

    for (const i of [1, 5, 7, 10, 12, 100, 2_990]) {
      const offer = sandbox.offers.get(MP, `S${String(i).padStart(5, '0')}`)!;
      expect([i, offer.quantity, offer.price]).toEqual([i, expected(i), (1000 + i) / 100]);
    }
    const seven = sandbox.offers.get(MP, 'S00007')!;
    expect([seven.leadtime_to_ship, seven.description]).toEqual([9, 'Item "7"; nice']);
    expect(sandbox.offers.list(MP)).toHaveLength(N - 10);

    const [{ n, wrong }] = await db.dataSource.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE import_id <> $2)::int AS wrong
       FROM published_quantity WHERE marketplace = $1`,
      [MP, `OF01:${sent.importId}`],
    );
    expect([n, wrong]).toEqual([N - 10, 0]);
    const queued = await db.dataSource.query(
      `SELECT sku FROM pending_push WHERE marketplace = $1 AND kind = 'stock' ORDER BY sku`,
      [MP],
    );
    expect(queued.map((r: { sku: string }) => r.sku)).toEqual([
      'S00001',
      'S00002',
      'S00003',
      'S00004',
      'S00005',
    ]);
    const raised = await db.dataSource.query(
      `SELECT payload::jsonb->>'type' AS type, payload::jsonb->'entities'->0->>'id' AS sku FROM backbone_outbox
       WHERE topic = 'ops.exception.raised.v1' ORDER BY 2`,
    );
    expect(raised).toHaveLength(10);
    expect(raised[0]).toEqual({ type: 'OFFER_REJECTED', sku: 'S02991' });
  });
});
