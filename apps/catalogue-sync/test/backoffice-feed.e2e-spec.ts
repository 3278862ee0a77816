import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { BackofficeSandbox, SandboxClock } from '@seller-bridge/backoffice-sandbox';
import { createLogger, loadConfig, OutboxWriter, SystemClock } from '@seller-bridge/service-kit';
import { Test } from '@nestjs/testing';
import {
  createTestDatabase,
  startConsumerGroupsAtEnd,
  testKafka,
  testBrokers,
  waitFor,
  type TestDatabase,
} from '@seller-bridge/service-kit/testing';
import { AppModule, CATALOGUE_SYNC_CONSUMES } from '../src/app.module';
import { BackofficeClient } from '../src/backoffice/backoffice-client';
import { createFeedReader } from '../src/backoffice/backoffice.providers';
import type { BackofficeFeedReader } from '../src/backoffice/feed-reader.service';
import { CatalogueSyncConfig } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';

const KEY = 'feed-test-key-1234';
const ADMIN = 'feed-admin';
const MARKETPLACES = ['decathlon-fr', 'carrefour-es'];

/**
 * The back-office feed reader against the real back-office sandbox (in process, over HTTP) and a real
 * PostgreSQL: what it reads must land in the stock ledger, once, with one event each, whatever the back
 * office does (reset, down, failing).
 */
describe('back-office feed (sandbox + PostgreSQL)', () => {
  let db: TestDatabase;
  let sandbox: BackofficeSandbox;
  let api: string;
  let config: CatalogueSyncConfig;
  const readers: BackofficeFeedReader[] = [];

  const makeReader = (url = api, registry = new Registry()) => {
    const clock = new SystemClock();
    const outbox = new OutboxWriter(clock);
    const ledger = new StockLedger(new ReservationLedger(outbox, clock, config), clock, config);
    const reader = createFeedReader({
      config,
      client: new BackofficeClient({
        baseUrl: url,
        apiKey: KEY,
        timeoutMs: 2000,
        retries: 2,
        backoffBaseMs: 5,
        backoffMaxMs: 20,
        retryAfterMaxMs: 50,
      }),
      dataSource: db.dataSource,
      ledger,
      outbox,
      clock,
      metrics: new CatalogueSyncMetrics(registry, clock),
      logger: createLogger('catalogue-sync-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
      options: { backoffBaseMs: 20, backoffMaxMs: 100, batch: 100 },
    });
    readers.push(reader);
    return { reader, registry };
  };

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.replace(/\/api$/, '')}/admin${path}`, {
      method,
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const boApi = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`api ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };

  const head = () => sandbox.backOffice.feed.headSeq;
  const cursor = async () =>
    Number(
      (await db.dataSource.query(`SELECT last_seq FROM feed_cursor WHERE source = 'backoffice'`))[0]
        ?.last_seq,
    );
  /** Reads until the reader says nothing more is waiting. */
  const drain = async (reader: BackofficeFeedReader) => {
    while (await reader.readOnce());
  };
  /** Every warehouse figure held equals the back office's own. */
  const expectLedgerEqualsBackoffice = async () => {
    const truth = sandbox.backOffice.stock
      .all()
      .map((l) => `${l.sku}@${l.warehouse}=${l.onHand - l.allocated}/${l.onHand}`);
    const held: { k: string }[] = await db.dataSource.query(
      `SELECT sku || '@' || warehouse || '=' || available || '/' || on_hand AS k FROM warehouse_stock ORDER BY sku, warehouse`,
    );
    expect(held.map((r) => r.k).sort()).toEqual(truth.sort());
    const sums: { bad: number }[] = await db.dataSource.query(
      `SELECT count(*)::int AS bad FROM sku_stock s
       WHERE s.available <> (SELECT COALESCE(SUM(available), 0) FROM warehouse_stock w WHERE w.sku = s.sku)`,
    );
    expect(sums[0].bad).toBe(0);
  };
  /** Where the outbox is now. */
  const outboxMark = async () =>
    Number((await db.dataSource.query(`SELECT COALESCE(MAX(id), 0) AS id FROM backbone_outbox`))[0].id);
  /** The source versions (feed seqs) of the feed's stock events recorded since `mark`. */
  const stockEventSeqs = async (mark: number) =>
    (
      await db.dataSource.query(
        `SELECT (payload::jsonb ->> 'sourceVersion')::int AS v FROM backbone_outbox
         WHERE topic = 'backoffice.stock.changed.v1' AND payload::jsonb ->> 'source' = 'backoffice-feed' AND id > $1
         ORDER BY v`,
        [mark],
      )
    ).map((r: { v: number }) => r.v) as number[];
  /** The seqs of the back office's stock changes in (after, upTo]. */
  const feedStockSeqs = (after: number, upTo = head()) =>
    sandbox.backOffice.feed
      .page(after, upTo - after || 1)
      .changes.filter((c) => c.type === 'stock.changed' && c.seq <= upTo)
      .map((c) => c.seq);
  const metric = async (registry: Registry, line: RegExp) => {
    const m = line.exec(await registry.metrics());
    return m ? Number(m[1]) : undefined;
  };

  beforeAll(async () => {
    db = await createTestDatabase('bo_feed', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    sandbox = new BackofficeSandbox({
      apiKey: KEY,
      adminToken: ADMIN,
      clock: new SandboxClock({ followRealTime: false }),
    });
    api = `${await sandbox.listen()}/api`;
    config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_URL: api,
      BACKOFFICE_API_KEY: KEY,
      BACKOFFICE_FEED_POLL_MS: '20',
      BACKOFFICE_FEED_ENABLED: 'false',
      MARKETPLACES: JSON.stringify(
        MARKETPLACES.map((code) => ({ code, baseUrl: 'http://x', apiKeyEnv: 'K' })),
      ),
    });
  });
  afterAll(async () => {
    await Promise.all(readers.map((r) => r.stop()));
    await sandbox?.close();
    await db?.drop();
  });

  it('on first start loads every product and every warehouse figure, then follows the feed from its end', async () => {
    expect(config.BACKOFFICE_FEED_ENABLED).toBe(false);
    const { reader, registry } = makeReader();
    await drain(reader);
    const [{ n: products }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM product`);
    expect(products).toBe(300);
    const [{ n: figures }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM warehouse_stock`);
    expect(figures).toBe(600); // 300 SKUs × LYON-1 and MADRID-2
    await expectLedgerEqualsBackoffice();
    const price = await db.dataSource.query(`SELECT price_minor FROM product WHERE sku = 'SHOE-0001'`);
    expect(Number(price[0].price_minor)).toBe(sandbox.backOffice.catalogue.get('SHOE-0001')!.priceMinor);
    const [{ n: queued }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM pending_push`);
    expect(queued).toBe(300 * MARKETPLACES.length);
    const events: { topic: string; n: number }[] = await db.dataSource.query(
      `SELECT topic, count(*)::int AS n FROM backbone_outbox
       WHERE payload::jsonb ->> 'source' = 'backoffice-poll' GROUP BY topic ORDER BY topic`,
    );
    expect(events).toEqual([
      { topic: 'backoffice.product.changed.v1', n: 300 },
      { topic: 'backoffice.stock.changed.v1', n: 600 },
    ]);
    expect(await cursor()).toBe(head());
    expect(
      await metric(
        registry,
        /^backoffice_feed_changes_total\{type="stock.full-load",outcome="applied"\} (\d+)/m,
      ),
    ).toBe(600);
    expect(await metric(registry, /^backoffice_feed_up (\d+)/m)).toBe(1);
  });

  it('brings an admin count, another channel’s sales and a sales-order allocation into the ledger, one event each', async () => {
    const from = await cursor();
    const mark = await outboxMark();
    await db.dataSource.query(`DELETE FROM pending_push`);
    await admin('PUT', '/stock', { stock: [{ sku: 'SHOE-0001', warehouse: 'LYON-1', on_hand: 77 }] });
    await admin('PUT', '/other-channels', { running: true, unitsPerMinute: 6 });
    await admin('POST', '/clock/advance', { ms: 60_000 });
    await admin('PUT', '/other-channels', { running: false });
    const sold = ((await admin('GET', '/other-channels')).sales as { sku: string }[]).map((s) => s.sku);
    expect(sold.length).toBeGreaterThan(0);
    await boApi('POST', '/customers', {
      marketplace: 'decathlon-fr',
      marketplace_customer_id: 'C-1',
      first_name: 'Ana',
      last_name: 'Lopez',
      address: { line1: '3 rue de la Paix', city: 'Lyon', postcode: '69002', country: 'FR' },
    });
    const order = await boApi(
      'POST',
      '/sales-orders',
      {
        external_reference: { marketplace: 'decathlon-fr', order_id: 'O-1' },
        customer: { marketplace_customer_id: 'C-1' },
        currency: 'EUR',
        prices_include_tax: true,
        lines: [
          { sku: 'SHOE-0002', quantity: 1, unit_price: '10.00', tax_rate: '20.00', warehouse: 'LYON-1' },
        ],
      },
      { 'idempotency-key': 'O-1' },
    );

    const { reader } = makeReader();
    await drain(reader);
    expect(await cursor()).toBe(head());
    await expectLedgerEqualsBackoffice();
    const expected = feedStockSeqs(from);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(await stockEventSeqs(mark)).toEqual(expected); // each change once, none twice, none missing
    const queued: { sku: string }[] = await db.dataSource.query(
      `SELECT DISTINCT sku FROM pending_push ORDER BY sku`,
    );
    expect(queued.map((r) => r.sku)).toEqual([...new Set(['SHOE-0001', 'SHOE-0002', ...sold])].sort());
    const allocation = await db.dataSource.query(
      `SELECT sku FROM erp_allocation WHERE erp_order_number = $1`,
      [order.number],
    );
    expect(allocation).toEqual([{ sku: 'SHOE-0002' }]);
  });

  it('continues from the stored cursor after a restart: nothing applied twice, nothing skipped', async () => {
    const from = await cursor();
    const mark = await outboxMark();
    await admin('PUT', '/stock', {
      stock: [
        { sku: 'SHOE-0003', warehouse: 'LYON-1', on_hand: 5 },
        { sku: 'SHOE-0003', warehouse: 'MADRID-2', on_hand: 6 },
      ],
    });
    const [{ n: before }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM backbone_outbox`);
    const { reader } = makeReader(); // a new process: only the database remembers
    reader.start();
    expect(await waitFor(async () => (await cursor()) === head(), 10_000, 20)).toBe(true);
    await reader.stop();
    const [{ n: after }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM backbone_outbox`);
    expect(after - before).toBe(2);
    expect(await stockEventSeqs(mark)).toEqual(feedStockSeqs(from));
    await expectLedgerEqualsBackoffice();
  });

  it('reads everything again when the back office was reset (409), then follows the new feed', async () => {
    const before = await cursor();
    await admin('POST', '/clock/advance', { ms: 1000 }); // the new back office's figures are newer
    await admin('POST', '/seed'); // an empty body: the demo again
    expect(head()).toBeLessThan(before);
    await admin('PUT', '/stock', { stock: [{ sku: 'SHOE-0004', warehouse: 'LYON-1', on_hand: 42 }] });
    const [{ n: polled }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM backbone_outbox WHERE payload::jsonb ->> 'source' = 'backoffice-poll'`,
    );
    const { reader } = makeReader();
    await drain(reader);
    expect(await cursor()).toBe(head());
    await expectLedgerEqualsBackoffice(); // SHOE-0001 is back to its seeded count, SHOE-0004 at 42
    const [{ n: polledNow }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM backbone_outbox WHERE payload::jsonb ->> 'source' = 'backoffice-poll'`,
    );
    expect(polledNow - polled).toBe(900); // every product and figure again, each once
  });

  it('waits out a back office that is down (503, then dropped connections) and loses nothing', async () => {
    const from = await cursor();
    const mark = await outboxMark();
    const { reader, registry } = makeReader();
    reader.start();
    await admin('PUT', '/faults', { down: true });
    await admin('PUT', '/stock', { stock: [{ sku: 'SHOE-0005', warehouse: 'LYON-1', on_hand: 1 }] });
    expect(
      await waitFor(async () => (await metric(registry, /^backoffice_feed_up (\d+)/m)) === 0, 5000, 20),
    ).toBe(true);
    await admin('PUT', '/faults', { down: 'reset' });
    await admin('PUT', '/stock', { stock: [{ sku: 'SHOE-0006', warehouse: 'MADRID-2', on_hand: 2 }] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await cursor()).toBe(from); // kept while down
    await admin('PUT', '/faults', {});
    expect(await waitFor(async () => (await cursor()) === head(), 10_000, 20)).toBe(true);
    await reader.stop();
    expect(await metric(registry, /^backoffice_feed_up (\d+)/m)).toBe(1);
    expect(await stockEventSeqs(mark)).toEqual(feedStockSeqs(from));
    await expectLedgerEqualsBackoffice();
  });

  it('under a 5xx-heavy back office applies every change exactly once', async () => {
    const from = await cursor();
    const mark = await outboxMark();
    const { reader } = makeReader();
    await admin('PUT', '/faults', { error5xxRate: 0.5 });
    const skus = sandbox.backOffice.catalogue
      .all()
      .map((p) => p.sku)
      .slice(0, 150);
    await admin('PUT', '/stock', {
      stock: skus.flatMap((sku, i) => [
        { sku, warehouse: 'LYON-1', on_hand: 100 + i },
        { sku, warehouse: 'MADRID-2', on_hand: 200 + i },
      ]),
    });
    reader.start();
    expect(await waitFor(async () => (await cursor()) === head(), 20_000, 20)).toBe(true);
    await reader.stop();
    await admin('PUT', '/faults', {});
    const seqs = await stockEventSeqs(mark);
    expect(seqs).toHaveLength(300);
    expect(seqs).toEqual(feedStockSeqs(from));
    await expectLedgerEqualsBackoffice();
  });

  it('raises an exception for a malformed change and goes on with the ones after it', async () => {
    const bad = await createTestDatabase('bo_feed_bad', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    const at = new Date().toISOString();
    const good = (seq: number, sku: string, onHand: number) => ({
      seq,
      type: 'stock.changed',
      sku,
      warehouse: 'LYON-1',
      at,
      data: {
        sku,
        warehouse: 'LYON-1',
        on_hand: onHand,
        allocated: 0,
        available: onHand,
        reason: 'adjustment',
      },
    });
    const changes = [
      good(11, 'A-1', 4),
      { ...good(12, 'B-2', 1), data: { sku: 'B-2', warehouse: 'LYON-1', on_hand: 'lots', available: 3 } },
      { seq: 13, type: 'shipment.created', at, data: {} },
      good(14, 'C-3', 9),
      { ...good(15, 'A-1', 2), at: new Date(Date.parse(at) - 3_600_000).toISOString() }, // older than held
    ];
    const fake: Server = createServer((req, res) => {
      const after = Number(new URL(req.url!, 'http://x').searchParams.get('after'));
      const rest = changes.filter((c) => c.seq > after);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ changes: rest, last_seq: rest.at(-1)?.seq ?? after, has_more: false }));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const saved = db;
    try {
      db = bad;
      await bad.dataSource.query(`INSERT INTO feed_cursor (source, last_seq) VALUES ('backoffice', 10)`);
      const { reader, registry } = makeReader(`http://127.0.0.1:${(fake.address() as AddressInfo).port}/api`);
      expect(await reader.readOnce()).toBe(false);
      expect(await reader.readOnce()).toBe(false); // read again: nothing new, nothing raised twice
      expect(await cursor()).toBe(15);
      const held = await bad.dataSource.query(`SELECT sku, on_hand FROM warehouse_stock ORDER BY sku`);
      expect(held).toEqual([
        { sku: 'A-1', on_hand: 4 },
        { sku: 'C-3', on_hand: 9 },
      ]);
      const outbox: { topic: string; key: string; payload: string }[] = await bad.dataSource.query(
        `SELECT topic, message_key AS key, payload FROM backbone_outbox ORDER BY seq`,
      );
      expect(outbox.map((e) => [e.topic, e.key])).toEqual([
        ['backoffice.stock.changed.v1', 'A-1'],
        ['ops.exception.raised.v1', 'backoffice-change-invalid:12'],
        ['backoffice.stock.changed.v1', 'C-3'],
      ]);
      expect(JSON.parse(outbox[1].payload)).toMatchObject({
        type: 'BACKOFFICE_CHANGE_INVALID',
        owner: 'integration',
        entities: [
          { kind: 'backoffice-change', id: '12' },
          { kind: 'sku', id: 'B-2' },
        ],
        reason: expect.stringContaining('onHand'),
      });
      expect(
        await metric(
          registry,
          /^backoffice_feed_changes_total\{type="stock.changed",outcome="invalid"\} (\d+)/m,
        ),
      ).toBe(1);
      expect(
        await metric(
          registry,
          /^backoffice_feed_changes_total\{type="shipment.created",outcome="skipped"\} (\d+)/m,
        ),
      ).toBe(1);
      const ignored = /^backoffice_feed_changes_total\{type="stock.changed",outcome="ignored"\} (\d+)/m;
      expect(await metric(registry, ignored)).toBe(1); // the older figure: no event, A-1 stays at 4
    } finally {
      db = saved;
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
      await bad.drop();
    }
  });

  it('runs inside the service under its lease when enabled, and not at all when BACKOFFICE_FEED_ENABLED=false', async () => {
    const wired = await createTestDatabase('bo_feed_nest', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    const start = async (enabled: string) => {
      const c = loadConfig(CatalogueSyncConfig, {
        DATABASE_URL: wired.url,
        KAFKA_BROKERS: testBrokers().join(','),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        SERVICE_NAME: `cs-${wired.name.slice(-8)}`,
        BACKOFFICE_URL: api,
        BACKOFFICE_API_KEY: KEY,
        BACKOFFICE_FEED_POLL_MS: '20',
        BACKOFFICE_FEED_ENABLED: enabled,
        STOCK_PUSH_ENABLED: 'false',
        CATALOGUE_PUSH_ENABLED: 'false',
        MARKETPLACES: JSON.stringify([
          { code: 'decathlon-fr', baseUrl: 'http://127.0.0.1:1', apiKeyEnv: 'UNUSED_KEY' },
        ]),
      });
      const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(c)] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      return app;
    };
    const cursorOf = async () =>
      (await wired.dataSource.query(`SELECT last_seq FROM feed_cursor WHERE source = 'backoffice'`))[0]
        ?.last_seq;
    // Only events sent from now on: earlier tests on the shared broker left stock and orders on these topics.
    await startConsumerGroupsAtEnd(
      testKafka('cs-test-admin'),
      `cs-${wired.name.slice(-8)}`,
      CATALOGUE_SYNC_CONSUMES.map((t) => t.name),
    );
    try {
      const off = await start('false');
      await new Promise((r) => setTimeout(r, 300));
      await off.close();
      expect(await cursorOf()).toBeUndefined();

      const on = await start('true');
      try {
        expect(await waitFor(async () => Number(await cursorOf()) === head(), 45_000, 50)).toBe(true);
        const lease = await wired.dataSource.query(`SELECT name FROM backbone_lease`);
        expect(lease).toEqual([{ name: 'catalogue-sync:backoffice-feed' }]);
        // The service's metrics are on the kit's registry, lease metrics included.
        const text = await on.get(Registry).metrics();
        expect(text).toMatch(/^lease_held\{name="catalogue-sync:backoffice-feed",[^}]*\} 1$/m);
        expect(text).toMatch(/^backoffice_feed_up\{[^}]*\} 1$/m);
        expect(text.match(/^# TYPE catalogue_import_errors_total /gm)).toHaveLength(1);
      } finally {
        await on.close();
      }
      // Figures read from the back office (other specs publish `internal` stock on the shared topic).
      const [{ n }] = await wired.dataSource.query(
        `SELECT count(*)::int AS n FROM warehouse_stock WHERE source <> 'internal'`,
      );
      expect(n).toBe(600);
    } finally {
      await wired.drop();
    }
  }, 90_000);
});
