import 'reflect-metadata';
import { Registry } from 'prom-client';
import { demoMarketplaces, MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { createLogger, loadConfig, OutboxWriter, type Clock } from '@seller-bridge/service-kit';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { CatalogueSyncConfig, marketplaceApiKeys } from '../src/config/catalogue-sync.config';
import { CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES } from '../src/database/data-source';
import type { CatalogueOptions } from '../src/catalogue/catalogue-options';
import type { CataloguePublisher, PublishStep } from '../src/catalogue/catalogue-publisher.service';
import { createCataloguePublisher } from '../src/catalogue/catalogue.providers';
import { createMarketplaceClients } from '../src/marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';

/**
 * Catalogue publishing against the real database and the in-process Mirakl sandbox: products seeded in the
 * `product` table as the back-office feed leaves them reach the sandbox's catalogue by P41, offers by complete
 * OF24. `publishOnce` is driven directly and both clocks are moved; nothing waits for real time.
 */
describe('catalogue publishing (PostgreSQL + Mirakl sandbox)', () => {
  const MP = 'decathlon-fr';
  let db: TestDatabase;
  let sandbox: MiraklSandbox;
  let publisher: CataloguePublisher;
  let config: CatalogueSyncConfig;
  let registry: Registry;
  let logLines: string[];
  let offsetMs: number;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  let version: number;

  async function world(options: Partial<CatalogueOptions> = {}, safetyBuffer = 0): Promise<void> {
    offsetMs = 0;
    version = 0;
    db = await createTestDatabase('catalogue_publish', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: 'admin-token-123' });
    const base = await sandbox.listen();
    config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_API_KEY: 'test-key-123',
      CATALOGUE_PUSH_ENABLED: 'false',
      MARKETPLACES: JSON.stringify([
        {
          code: MP,
          baseUrl: `${base}/mp/${MP}`,
          apiKeyEnv: 'MIRAKL_KEY_DECATHLON_FR',
          shopId: '2001',
          safetyBuffer,
          unlimitedCalls: true,
          categoryMap: {
            'Sports > Running': 'running',
            'Outdoor > Hiking': 'hiking',
            'Sports > Cycling': 'cycling',
          },
        },
      ]),
    });
    registry = new Registry();
    const metrics = new CatalogueSyncMetrics(registry, clock);
    logLines = [];
    publisher = createCataloguePublisher({
      config,
      dataSource: db.dataSource,
      outbox: new OutboxWriter(clock),
      clock,
      metrics,
      logger: createLogger('catalogue-sync', 'info', { write: (line: string) => void logLines.push(line) }),
      clients: createMarketplaceClients(
        config.MARKETPLACES,
        marketplaceApiKeys(config, { MIRAKL_KEY_DECATHLON_FR: 'sandbox-key-decathlon-fr' }),
        { observe: metrics.miraklCalls.observe },
      ),
      options: { productBatchSize: 10, offerBatchSize: 50, scanPageSize: 7, ...options },
    });
  }
  afterEach(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  interface Seed {
    sku: string;
    category?: string;
    priceMinor?: number;
    gtin?: string;
    description?: string;
    attributes?: Record<string, string>;
    title?: string;
  }
  /** Writes products as the feed does (a later updatedAt each time, the master as JSON). */
  async function seed(products: Seed[]): Promise<void> {
    const at = new Date(Date.UTC(2026, 10, 27, 9, 0, 0) + ++version * 1000).toISOString();
    const masters = products.map((p) => ({
      sku: p.sku,
      title: p.title ?? `Product ${p.sku}`,
      category: p.category ?? 'Sports > Running > Shoes',
      price: { amountMinor: p.priceMinor ?? 1999, currency: 'EUR' },
      taxRate: '20.00',
      active: true,
      updatedAt: at,
      source: 'backoffice-feed',
      ...(p.gtin ? { gtin: p.gtin } : {}),
      ...(p.description ? { description: p.description } : {}),
      ...(p.attributes ? { attributes: p.attributes } : {}),
    }));
    await db.dataSource.query(
      `INSERT INTO product (sku, title, category, price_minor, currency, active, master, updated_at)
       SELECT m->>'sku', m->>'title', m->>'category', (m->'price'->>'amountMinor')::bigint, 'EUR', true, m, $2
       FROM jsonb_array_elements($1::jsonb) AS m
       ON CONFLICT (sku) DO UPDATE SET title = EXCLUDED.title, category = EXCLUDED.category,
         price_minor = EXCLUDED.price_minor, master = EXCLUDED.master, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(masters), at],
    );
  }

  /** Steps until both lanes have nothing to do, moving the sandbox's clock (and ours) past each import. */
  async function drive(maxSteps = 200): Promise<PublishStep[]> {
    const steps: PublishStep[] = [];
    for (let i = 0; i < maxSteps; i++) {
      const step = await publisher.publishOnce(MP);
      steps.push(step);
      if (
        step.products.action === 'idle' &&
        step.offers.action === 'idle' &&
        !step.products.detail?.includes('unmapped')
      )
        return steps;
      if ([step.products.action, step.offers.action].some((a) => a === 'sent' || a === 'waiting')) {
        sandbox.clock.advance(2_000);
        offsetMs += 2_000;
      }
    }
    throw new Error(`still busy after ${maxSteps} steps: ${JSON.stringify(steps.slice(-2))}`);
  }

  const imports = (kind: 'products' | 'offers') => sandbox.imports.all(MP).filter((r) => r.kind === kind);
  const exceptions = async (topic: 'raised' | 'resolved') =>
    (
      (await db.dataSource.query(
        `SELECT payload::jsonb AS p FROM backbone_outbox WHERE topic = $1 ORDER BY seq`,
        [`ops.exception.${topic}.v1`],
      )) as { p: Record<string, unknown> }[]
    ).map((r) => r.p);
  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;

  it('sends new products by P41 in batches and sends a product again only when it changes', async () => {
    await world();
    const skus = Array.from({ length: 25 }, (_, i) => `SHOE-${String(i).padStart(2, '0')}`);
    await seed(
      skus.map((sku, i) => ({ sku, category: i % 5 === 0 ? 'Outdoor > Hiking > Backpacks' : undefined })),
    );
    expect(await publisher.publishOnce(MP)).toMatchObject({ products: { action: 'sent', lines: 10 } });
    expect((await metric('catalogue_products_pending'))[0].value).toBe(25);
    await drive();

    expect(imports('products').map((r) => r.outcome?.linesRead)).toEqual([10, 10, 5]);
    const catalogue = sandbox.products.list(MP);
    expect(catalogue.map((p) => p.shop_sku).sort()).toEqual(skus);
    expect(catalogue.find((p) => p.shop_sku === 'SHOE-05')?.category_code).toBe('hiking');
    expect(catalogue.find((p) => p.shop_sku === 'SHOE-06')?.category_code).toBe('running');
    expect((await metric('catalogue_products_pending'))[0].value).toBe(0);

    await drive(); // nothing changed: nothing sent
    expect(imports('products')).toHaveLength(3);

    await seed([{ sku: 'SHOE-07', title: 'Trail shoe, new colour' }]);
    await drive();
    expect(imports('products').map((r) => r.outcome?.linesRead)).toEqual([10, 10, 5, 1]);
    expect(sandbox.products.list(MP).find((p) => p.shop_sku === 'SHOE-07')?.title).toBe(
      'Trail shoe, new colour',
    );
    // The publisher calls Mirakl through the service's clients: every call is counted.
    expect(await metric('mirakl_api_calls_total')).toContainEqual({
      labels: { marketplace: MP, operation: 'P41', outcome: '2xx' },
      value: 4,
    });
  });

  it('does not send a product whose category is unmapped: it raises an exception, and sends it once mapped', async () => {
    await world();
    await seed([{ sku: 'TENT-1', category: 'Outdoor > Camping > Tents' }, { sku: 'SHOE-1' }]);
    await drive();
    expect(sandbox.products.list(MP).map((p) => p.shop_sku)).toEqual(['SHOE-1']);
    const raised = await exceptions('raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ type: 'UNMAPPED_CATEGORY', owner: 'ecommerce', marketplace: MP });
    expect(raised[0].reason).toContain('TENT-1');
    expect(raised[0].reason).toContain('Outdoor > Camping > Tents');

    await drive(); // still unmapped: not sent, not raised again
    expect(imports('products')).toHaveLength(1);
    expect(await exceptions('raised')).toHaveLength(1);

    config.MARKETPLACES[0].categoryMap!['Outdoor > Camping'] = 'hiking';
    await drive();
    expect(sandbox.products.list(MP).find((p) => p.shop_sku === 'TENT-1')?.category_code).toBe('hiking');
    expect(await exceptions('resolved')).toMatchObject([{ exceptionId: raised[0].exceptionId }]);
  });

  it('raises an exception naming the SKU and Mirakl reason for a refused product, and resolves it once accepted', async () => {
    await world();
    await seed([
      { sku: 'BAD-1', gtin: '1234567890123' },
      { sku: 'GOOD-1', gtin: '4006381333931' },
    ]);
    await drive();
    expect(sandbox.products.list(MP).map((p) => p.shop_sku)).toEqual(['GOOD-1']);
    const raised = await exceptions('raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      type: 'PRODUCT_REJECTED',
      owner: 'ecommerce',
      entities: [{ kind: 'sku', id: 'BAD-1' }],
    });
    expect(raised[0].reason).toContain('BAD-1');
    expect(raised[0].reason).toContain("The EAN '1234567890123' is invalid");
    expect(raised[0].resolution).toBeTruthy();
    expect(await metric('catalogue_import_errors_total')).toMatchObject([
      { labels: { marketplace: MP, kind: 'products' }, value: 1 },
    ]);

    await drive(); // unchanged: not retried
    expect(imports('products')).toHaveLength(1);

    await seed([{ sku: 'BAD-1', gtin: '5901234123457' }]);
    await drive();
    expect(imports('products').map((r) => r.outcome?.linesRead)).toEqual([2, 1]);
    expect(sandbox.products.list(MP).find((p) => p.shop_sku === 'BAD-1')?.ean).toBe('5901234123457');
    expect(await exceptions('resolved')).toMatchObject([
      { exceptionId: raised[0].exceptionId, type: 'PRODUCT_REJECTED' },
    ]);
  });

  it('creates complete offers by OF24 with the exact price and the quantity to publish, after stock work', async () => {
    await world({}, 1);
    await seed([
      { sku: 'SHOE-1', priceMinor: 8999, description: 'Trail shoe', attributes: { leadtime_to_ship: '4' } },
      { sku: 'SHOE-2', priceMinor: 1005 },
    ]);
    const stock = async (sku: string, available: number, reserved: number) => {
      await db.dataSource.query(
        `INSERT INTO warehouse_stock (sku, warehouse, available, on_hand, as_of, source)
         VALUES ($1, 'LYON-1', $2, $2, now(), 'backoffice-feed')
         ON CONFLICT (sku, warehouse) DO UPDATE SET available = EXCLUDED.available`,
        [sku, available],
      );
      await db.dataSource.query(
        `INSERT INTO sku_stock (sku, available, reserved, known) VALUES ($1, $2, $3, true)
         ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, reserved = EXCLUDED.reserved`,
        [sku, available, reserved],
      );
    };
    await stock('SHOE-1', 10, 3);
    await stock('SHOE-2', 2, 0);
    await drive();

    expect(imports('offers')).toHaveLength(1);
    const shoe1 = sandbox.offers.get(MP, 'SHOE-1')!;
    expect(shoe1).toMatchObject({
      price: 89.99,
      quantity: 10 - 3 - 1,
      description: 'Trail shoe',
      leadtime_to_ship: 4,
    });
    expect(sandbox.offers.get(MP, 'SHOE-2')).toMatchObject({ price: 10.05, quantity: 1, state_code: '11' });
    expect(
      await db.dataSource.query(
        `SELECT sku, quantity FROM published_quantity WHERE marketplace = $1 ORDER BY sku`,
        [MP],
      ),
    ).toEqual([
      { sku: 'SHOE-1', quantity: 6 },
      { sku: 'SHOE-2', quantity: 1 },
    ]);

    // A new price while stock work waits: catalogue work gives way until the stock pusher has run.
    await seed([
      { sku: 'SHOE-1', priceMinor: 7999, description: 'Trail shoe', attributes: { leadtime_to_ship: '4' } },
    ]);
    await stock('SHOE-1', 10, 5);
    await db.dataSource.query(
      `INSERT INTO pending_push (marketplace, sku, kind) VALUES ($1, 'SHOE-2', 'stock')`,
      [MP],
    );
    const yielded = await publisher.publishOnce(MP);
    expect(yielded.products.action).toBe('yielded');
    expect(yielded.offers.action).toBe('yielded');
    expect(imports('products')).toHaveLength(1);
    await db.dataSource.query(`DELETE FROM pending_push WHERE kind = 'stock'`);

    await drive();
    expect(imports('products')).toHaveLength(2);
    expect(imports('offers')).toHaveLength(2);
    // The whole offer again: new price, the quantity as it is now, description and leadtime kept.
    expect(sandbox.offers.get(MP, 'SHOE-1')).toMatchObject({
      price: 79.99,
      quantity: 10 - 5 - 1,
      description: 'Trail shoe',
      leadtime_to_ship: 4,
    });
    expect(sandbox.offers.get(MP, 'SHOE-2')).toMatchObject({ price: 10.05, quantity: 1 });
  });

  it('runs a full sync of 2,000 products in bounded batches and reports its progress', async () => {
    await world({ productBatchSize: 500, offerBatchSize: 1_000, scanPageSize: 300, logEveryBatches: 2 });
    await db.dataSource.query(
      `INSERT INTO product (sku, title, category, price_minor, currency, active, master, updated_at)
       SELECT 'BULK-' || lpad(i::text, 5, '0'), 'Bulk ' || i, 'Sports > Cycling > Helmets', 1000 + i, 'EUR', true,
              jsonb_build_object('sku', 'BULK-' || lpad(i::text, 5, '0'), 'title', 'Bulk ' || i), now()
       FROM generate_series(1, 2000) AS i`,
    );
    await drive();
    expect(imports('products')).toHaveLength(4);

    const started = await publisher.fullSync(MP);
    expect(started).toMatchObject({ total: 2000, done: 0, progress: 0 });
    expect((await metric('catalogue_full_sync_progress'))[0].value).toBe(0);
    await drive();

    const fullSyncImports = imports('products').slice(4);
    expect(fullSyncImports.map((r) => r.outcome?.linesRead)).toEqual([500, 500, 500, 500]);
    expect(await publisher.fullSyncState(MP)).toMatchObject({
      total: 2000,
      done: 2000,
      batches: 4,
      progress: 1,
    });
    expect((await metric('catalogue_full_sync_progress'))[0].value).toBe(1);
    expect(logLines.filter((l) => l.includes('full sync of decathlon-fr:'))).toHaveLength(2);
    expect(sandbox.products.list(MP)).toHaveLength(2000);
    expect(sandbox.offers.list(MP)).toHaveLength(2000);
  });
});
