import 'reflect-metadata';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { demoMarketplaces, MiraklSandbox } from '@seller-bridge/mirakl-sandbox';
import { loadConfig, OutboxWriter, type Clock } from '@seller-bridge/service-kit';
import { createTestDatabase, testLogger, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { CatalogueSyncConfig, marketplaceApiKeys } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';
import { createMarketplaceClients } from '../src/marketplaces/marketplace-clients';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { StockPushStore } from '../src/publishing/stock-push.store';
import { DEFAULT_FAILED_IMPORT_RETRIES, StockPusher } from '../src/publishing/stock-pusher.service';

const DEC = 'decathlon-fr';
const CAR = 'carrefour-es';
const ADMIN = 'stock-push-admin';
const GATE_ALERT_MS = 10 * 60_000;

/**
 * Stock out to Mirakl (issue 4, decision 0008) on the real database and the in-process Mirakl sandbox: what
 * the sandbox's offers show after the imports ran is what a buyer sees.
 */
describe('stock push (PostgreSQL + Mirakl sandbox)', () => {
  let db: TestDatabase;
  let sandbox: MiraklSandbox;
  let base: string;
  let config: CatalogueSyncConfig;
  let registry: Registry;
  let metrics: CatalogueSyncMetrics;
  let reservations: ReservationLedger;
  let stock: StockLedger;
  let store: StockPushStore;
  let pusher: StockPusher;
  let offset = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offset) };
  let asOf = Date.UTC(2026, 10, 27, 8, 0, 0);
  let version = 0;
  /** The test's own model of the truth, to compare the sandbox against. */
  const env = { KEY_DEC: 'sandbox-key-decathlon-fr', KEY_CAR: 'sandbox-key-carrefour-es' };

  beforeAll(async () => {
    db = await createTestDatabase('stock_push', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    sandbox = new MiraklSandbox({ marketplaces: demoMarketplaces(), adminToken: ADMIN });
    base = await sandbox.listen();
    config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_API_KEY: 'test-key-123',
      MARKETPLACES: JSON.stringify([
        {
          code: DEC,
          baseUrl: `${base}/mp/${DEC}`,
          apiKeyEnv: 'KEY_DEC',
          shopId: '2001',
          safetyBuffer: 1,
          skuSafetyBuffers: { B1: 3 },
          unlimitedCalls: true,
        },
        {
          code: CAR,
          baseUrl: `${base}/mp/${CAR}`,
          apiKeyEnv: 'KEY_CAR',
          shopId: '3107',
          safetyBuffer: 2,
          skuSafetyBuffers: { B1: 0 },
          warehouses: ['MAD-1'],
          unlimitedCalls: true,
        },
      ]),
    });
    reservations = new ReservationLedger(new OutboxWriter(clock), clock, config);
    stock = new StockLedger(reservations, clock, config);
    registry = new Registry();
    metrics = new CatalogueSyncMetrics(registry, clock);
    store = new StockPushStore(db.dataSource, new OutboxWriter(clock), clock);
    pusher = newPusher();
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  function newPusher(): StockPusher {
    const clients = createMarketplaceClients(config.MARKETPLACES, marketplaceApiKeys(config, env), {
      observe: metrics.miraklCalls.observe,
      retryBaseMs: 5,
      retryMaxMs: 20,
      readRetries: 1,
    });
    return new StockPusher(store, db.dataSource, clients, config.MARKETPLACES, metrics, testLogger(), clock, {
      enabled: true,
      gateAlertMs: GATE_ALERT_MS,
      service: 'catalogue-sync',
    });
  }

  const tx = <T>(fn: (m: EntityManager) => Promise<T>): Promise<T> => db.dataSource.transaction(fn);
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    db.dataSource.query(sql, params);

  /** The offer exists on both marketplaces (quantity 99 until a push says otherwise). */
  function offer(sku: string, marketplaces = [DEC, CAR]): void {
    for (const mp of marketplaces) {
      sandbox.products.upsert(mp, { sku, title: `Product ${sku}`, category: 'running' });
      sandbox.offers.apply(mp, {
        shop_sku: sku,
        product_id: sku,
        product_id_type: 'SHOP_SKU',
        price: 19.9,
        quantity: 99,
        state_code: '11',
      });
    }
  }
  const setStock = (sku: string, warehouse: string, available: number) =>
    tx((m) =>
      stock.applyStock(m, {
        sku,
        warehouse,
        available,
        onHand: Math.max(0, available),
        asOf: new Date((asOf += 1000)).toISOString(),
        sourceVersion: ++version,
        source: 'backoffice-feed',
      }),
    );
  const reserve = (mp: string, orderId: string, sku: string, quantity: number) =>
    tx((m) =>
      reservations.reserveOrder(m, {
        marketplace: mp,
        orderId,
        lines: [{ lineId: `${orderId}-1`, sku, quantity }],
      }),
    );
  const shown = (mp: string, sku: string) => sandbox.offers.get(mp, sku)?.quantity;
  /** A cycle, Mirakl running the import on its clock, and the next cycle following it (STO02/STO03). */
  async function cycle(mp: string) {
    const first = await pusher.pushOnce(mp);
    sandbox.clock.advance(2_500);
    const second = await pusher.pushOnce(mp);
    return { first, second };
  }
  const faults = (mp: string, body: unknown) =>
    fetch(`${base}/admin/marketplaces/${mp}/faults`, {
      method: 'PUT',
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => expect(r.status).toBe(200));
  const events = (topic: string, key: string) =>
    q<{ payload: string }>(
      `SELECT payload FROM backbone_outbox WHERE topic = $1 AND message_key = $2 ORDER BY seq`,
      [topic, key],
    ).then((rows) => rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>));
  /** One sample of `/metrics` (`series` may be a histogram's `_count`), as rendered. */
  const metric = async (series: string, labels: string) =>
    (await registry.metrics())
      .split('\n')
      .find((l) => l.startsWith(labels ? `${series}{${labels}` : `${series} `))
      ?.split(' ')
      .pop();

  it('publishes available − reserved − buffer per marketplace, with its warehouses and per-SKU buffers', async () => {
    offer('A1');
    offer('B1');
    await setStock('A1', 'LYON-1', 10);
    await setStock('A1', 'MAD-1', 4);
    await setStock('B1', 'LYON-1', 10);
    await setStock('B1', 'MAD-1', 1);
    expect((await reserve(DEC, 'Q-1', 'A1', 2))[0].outcome).toBe('reserved');

    const dec = await cycle(DEC);
    const car = await cycle(CAR);
    expect([dec.first.outcome, car.first.outcome]).toEqual(['sent', 'sent']);
    // decathlon-fr: every warehouse, buffer 1 (B1: 3). carrefour-es: MAD-1 only, buffer 2 (B1: 0).
    expect([shown(DEC, 'A1'), shown(DEC, 'B1')]).toEqual([14 - 2 - 1, 11 - 0 - 3]);
    expect([shown(CAR, 'A1'), shown(CAR, 'B1')]).toEqual([0, 1]);

    const imports = await q<{ status: string }>(`SELECT status FROM stock_import ORDER BY id`);
    expect(imports.map((i) => i.status)).toEqual(['COMPLETE', 'COMPLETE']);
    const [a1] = await events('inventory.availability.changed.v1', 'A1');
    expect(a1).toMatchObject({ sku: 'A1', available: 14, openReservations: 2 });
    expect(a1.marketplaces).toEqual([{ marketplace: DEC, quantity: 11, safetyBuffer: 1 }]);
    expect(await metric('catalogue_stock_push_latency_seconds_count', `marketplace="${DEC}"`)).toBe('2');
    expect(await metric('catalogue_stock_pushes_total', `marketplace="${DEC}",outcome="sent"`)).toBe('1');
    expect(await metric('catalogue_reservations_open', '')).toBe('2');
    expect(
      await metric('mirakl_api_calls_total', `marketplace="${DEC}",operation="STO01",outcome="2xx"`),
    ).toBe('1');
  });

  it('coalesces ten changes of a SKU into one line with the latest value, and first-change latency', async () => {
    offer('C1');
    for (let i = 1; i <= 10; i++) await setStock('C1', 'LYON-1', i * 3);
    const [queued] = await q<{ n: number; first: Date }>(
      `SELECT COUNT(*)::int AS n, MIN(first_change_at) AS first FROM pending_push WHERE marketplace = $1 AND sku = 'C1'`,
      [DEC],
    );
    expect(queued.n).toBe(1);
    const before = sandbox.imports.all(DEC).length;

    const { first } = await cycle(DEC);
    expect(first).toMatchObject({ outcome: 'sent', sent: 1 });
    const made = sandbox.imports.all(DEC).slice(before);
    expect(made.map((i) => [i.kind, i.outcome?.linesRead])).toEqual([['stock', 1]]);
    expect(shown(DEC, 'C1')).toBe(30 - 1);
    const [row] = await q<{ batch: { sku: string; quantity: number; firstChangeAt: string }[] }>(
      `SELECT batch FROM stock_import WHERE import_id = $1`,
      [first.importId],
    );
    expect(row.batch).toEqual([expect.objectContaining({ sku: 'C1', quantity: 29 })]);
    expect(new Date(row.batch[0].firstChangeAt).getTime()).toBe(new Date(queued.first).getTime());
  });

  it('does not send a SKU again when its quantity did not change', async () => {
    await setStock('C1', 'LYON-1', 30); // a newer figure, the same number: queued, but nothing to tell Mirakl
    const before = sandbox.imports.all(DEC).length;
    const report = await pusher.pushOnce(DEC);
    expect(report).toMatchObject({ outcome: 'unchanged', claimed: 1, sent: 0 });
    expect(sandbox.imports.all(DEC).length).toBe(before);
    expect(await q(`SELECT sku FROM pending_push WHERE marketplace = $1 AND sku = 'C1'`, [DEC])).toEqual([]);
  });

  it('an import the marketplace no longer knows (404) is treated as failed: its SKUs go out again', async () => {
    offer('L1');
    await setStock('L1', 'LYON-1', 6);
    const sent = await pusher.pushOnce(DEC);
    expect(sent).toMatchObject({ sent: 1 });
    // The marketplace lost the import (purged, or a sandbox restarted): its id now answers 404.
    await q(
      `UPDATE stock_import SET import_id = '987654' WHERE marketplace = $1 AND status <> 'COMPLETE' AND batch::text LIKE '%"L1"%'`,
      [DEC],
    );
    await pusher.pushOnce(DEC); // follows: 404 → failed → re-queued
    expect(await q(`SELECT sku FROM pending_push WHERE marketplace = $1 AND sku = 'L1'`, [DEC])).toEqual([
      { sku: 'L1' },
    ]);
    await cycle(DEC);
    expect(shown(DEC, 'L1')).toBe(6 - 1);
  });

  it('a reservation taken before the cycle lowers the pushed quantity', async () => {
    offer('D1');
    await setStock('D1', 'LYON-1', 5);
    await cycle(DEC);
    expect(shown(DEC, 'D1')).toBe(4);
    expect((await reserve(DEC, 'R-D1', 'D1', 3))[0].outcome).toBe('reserved');
    await cycle(DEC);
    expect(shown(DEC, 'D1')).toBe(5 - 3 - 1);
  });

  it('holds pushes while a polled order is undecided, raises it after a long stall, releases once decided', async () => {
    offer('E1');
    await setStock('E1', 'LYON-1', 6);
    await reserve(DEC, 'G-1', 'E1', 1);
    await q(`INSERT INTO marketplace_poll (marketplace, visible_at, order_ids) VALUES ($1, now(), $2)`, [
      DEC,
      ['G-1', 'G-2'],
    ]);
    const importsBefore = sandbox.imports.all(DEC).length;

    const held = await pusher.pushOnce(DEC);
    expect(held).toMatchObject({ gate: 'blocked', outcome: 'gated', claimed: 0 });
    expect(sandbox.imports.all(DEC).length).toBe(importsBefore);
    expect(await q(`SELECT sku FROM pending_push WHERE marketplace = $1 AND sku = 'E1'`, [DEC])).toHaveLength(
      1,
    );
    expect(await metric('catalogue_orders_gate_blocked', `marketplace="${DEC}"`)).toBe('1');
    expect(await events('ops.exception.raised.v1', `STOCK_PUSH_WAITING_FOR_ORDERS:${DEC}`)).toEqual([]);

    offset += GATE_ALERT_MS;
    await pusher.pushOnce(DEC);
    await pusher.pushOnce(DEC);
    const raised = await events('ops.exception.raised.v1', `STOCK_PUSH_WAITING_FOR_ORDERS:${DEC}`);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ owner: 'integration', marketplace: DEC });
    expect(raised[0].entities).toContainEqual({ kind: 'order', id: `${DEC}:G-2` });
    expect(sandbox.imports.all(DEC).length).toBe(importsBefore);

    await reserve(DEC, 'G-2', 'E1', 2);
    const { first } = await cycle(DEC);
    expect(first).toMatchObject({ gate: 'open', outcome: 'sent' });
    expect(shown(DEC, 'E1')).toBe(6 - 1 - 2 - 1); // both orders' reservations counted
    expect(await metric('catalogue_orders_gate_blocked', `marketplace="${DEC}"`)).toBe('0');
    expect(await events('ops.exception.resolved.v1', `STOCK_PUSH_WAITING_FOR_ORDERS:${DEC}`)).toHaveLength(1);
  });

  it('re-queues the SKUs when STO01 answers 5xx or 429, and pushes them at the next cycle', async () => {
    offer('F1');
    await setStock('F1', 'LYON-1', 7);
    const [{ first: queuedAt }] = await q<{ first: Date }>(
      `SELECT first_change_at AS first FROM pending_push WHERE marketplace = $1 AND sku = 'F1'`,
      [DEC],
    );
    await faults(DEC, { error5xxRate: 1 });
    const failed = await pusher.pushOnce(DEC);
    expect(failed.outcome).toBe('retry');
    const [back] = await q<{ first: Date }>(
      `SELECT first_change_at AS first FROM pending_push WHERE marketplace = $1 AND sku = 'F1'`,
      [DEC],
    );
    expect(new Date(back.first).getTime()).toBe(new Date(queuedAt).getTime());
    expect(await q(`SELECT 1 FROM published_quantity WHERE marketplace = $1 AND sku = 'F1'`, [DEC])).toEqual(
      [],
    );
    await faults(DEC, {});
    await cycle(DEC);
    expect(shown(DEC, 'F1')).toBe(6);

    offer('F2');
    await faults(DEC, { rateLimits: { STO01: { limit: 1, perMs: 1500 } } });
    await setStock('F2', 'LYON-1', 4);
    expect((await pusher.pushOnce(DEC)).outcome).toBe('sent');
    await setStock('F2', 'LYON-1', 9);
    expect((await pusher.pushOnce(DEC)).outcome).toBe('retry'); // 429
    expect(await q(`SELECT sku FROM pending_push WHERE marketplace = $1 AND sku = 'F2'`, [DEC])).toHaveLength(
      1,
    );
    const again = await pusher.pushOnce(DEC); // waits for Retry-After in the client's limiter
    expect(again).toMatchObject({ outcome: 'sent', sent: 1 });
    await faults(DEC, {});
    sandbox.clock.advance(5_000);
    await pusher.pushOnce(DEC);
    expect(shown(DEC, 'F2')).toBe(8);
    expect(await metric('catalogue_stock_pushes_total', `marketplace="${DEC}",outcome="retry"`)).toBe('2');
    expect(await metric('mirakl_api_rate_limited_total', `marketplace="${DEC}",operation="STO01"`)).toBe('1');
  });

  it('raises an exception naming the SKU and Mirakl’s reason for a refused line, once, without re-queuing', async () => {
    await setStock('GHOST', 'LYON-1', 3); // no offer for it on the marketplace
    await cycle(DEC);
    const raised = (
      await q<{ payload: string }>(
        `SELECT payload FROM backbone_outbox WHERE topic = 'ops.exception.raised.v1' AND payload LIKE '%GHOST%'`,
      )
    ).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      type: 'OFFER_MISSING_ON_MARKETPLACE',
      owner: 'ecommerce',
      marketplace: DEC,
    });
    expect(raised[0].entities).toContainEqual({ kind: 'sku', id: 'GHOST' });
    expect(String(raised[0].reason)).toContain("The offer with sku 'GHOST' does not exist");
    expect(String(raised[0].exceptionId)).toMatch(/^OFFER_MISSING_ON_MARKETPLACE:decathlon-fr:GHOST:/);
    const [imp] = await q<{ status: string; lines_in_error: number }>(
      `SELECT status, lines_in_error FROM stock_import WHERE batch @> '[{"sku":"GHOST"}]'`,
    );
    expect(imp).toEqual({ status: 'COMPLETE', lines_in_error: 1 });
    expect(await q(`SELECT 1 FROM pending_push WHERE marketplace = $1 AND sku = 'GHOST'`, [DEC])).toEqual([]);
    expect(
      Number(await metric('catalogue_import_errors_total', `marketplace="${DEC}",kind="stock"`)),
    ).toBeGreaterThanOrEqual(1);

    await cycle(DEC); // nothing loops: no new import, no new exception
    expect(
      await q(
        `SELECT 1 FROM backbone_outbox WHERE topic = 'ops.exception.raised.v1' AND payload LIKE '%GHOST%'`,
      ),
    ).toHaveLength(1);
    // The same refusal seen again (the SKU's next change) raises the same exception id.
    await setStock('GHOST', 'LYON-1', 5);
    await cycle(DEC);
    const ids = await q<{ message_key: string }>(
      `SELECT DISTINCT message_key FROM backbone_outbox WHERE topic = 'ops.exception.raised.v1' AND payload LIKE '%GHOST%'`,
    );
    expect(ids).toHaveLength(1);
  });

  describe('a stock import Mirakl ends FAILED', () => {
    // In front of the sandbox: passes every call through, but while `corrupt` > 0 renames the `quantity` column
    // of the next STO01 files, which Mirakl (the sandbox) accepts and then FAILS as a whole (missing column).
    let proxy: Server;
    let corrupt = 0;
    let corrupted = 0;
    let failing: StockPusher;
    const passed = (h: IncomingHttpHeaders) =>
      Object.fromEntries(
        Object.entries(h).filter(
          (e): e is [string, string] =>
            typeof e[1] === 'string' && !['host', 'connection', 'content-length'].includes(e[0]),
        ),
      );
    beforeAll(async () => {
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          let body = Buffer.concat(chunks);
          if (
            req.method === 'POST' &&
            new URL(req.url!, base).pathname.endsWith('/api/offers/stock/imports') &&
            corrupt > 0
          ) {
            corrupt--;
            const text = body.toString('latin1');
            const renamed = text.replace('"offer-sku";"quantity"', '"offer-sku";"quantitx"');
            if (renamed !== text) corrupted++;
            body = Buffer.from(renamed, 'latin1');
          }
          fetch(`${base}${req.url}`, {
            method: req.method,
            headers: passed(req.headers),
            body: req.method === 'GET' ? undefined : body,
          })
            .then(async (up) => {
              res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/plain' });
              res.end(Buffer.from(await up.arrayBuffer()));
            })
            .catch(() => res.destroy());
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const dec = {
        ...config.MARKETPLACES[0],
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mp/${DEC}`,
      };
      const clients = createMarketplaceClients([dec], marketplaceApiKeys({ MARKETPLACES: [dec] }, env), {
        observe: metrics.miraklCalls.observe,
      });
      failing = new StockPusher(store, db.dataSource, clients, [dec], metrics, testLogger(), clock, {
        enabled: true,
        gateAlertMs: GATE_ALERT_MS,
        service: 'catalogue-sync',
      });
    });
    afterAll(async () => {
      proxy?.closeAllConnections();
      await new Promise((r) => proxy?.close(r));
    });

    /** A cycle through the proxy, Mirakl running the import, and the next cycle following it. */
    async function failingCycle() {
      await failing.pushOnce(DEC);
      sandbox.clock.advance(2_500);
      await failing.pushOnce(DEC);
    }
    const importsOf = (sku: string) =>
      q<{ status: string }>(
        `SELECT status FROM stock_import WHERE marketplace = $1 AND batch @> $2::jsonb ORDER BY id`,
        [DEC, JSON.stringify([{ sku }])],
      ).then((rows) => rows.map((r) => r.status));
    const failures = (sku: string) =>
      q<{ n: number }>(
        `SELECT failed_imports AS n FROM stock_import_failure WHERE marketplace = $1 AND sku = $2`,
        [DEC, sku],
      ).then((rows) => rows[0]?.n);
    const queued = (sku: string) =>
      q<{ first: Date }>(
        `SELECT first_change_at AS first FROM pending_push WHERE marketplace = $1 AND kind = 'stock' AND sku = $2`,
        [DEC, sku],
      ).then((rows) => rows[0]?.first);
    const failedRaised = () =>
      q<{ payload: string }>(
        `SELECT payload FROM backbone_outbox WHERE topic = 'ops.exception.raised.v1' AND message_key LIKE 'STOCK_IMPORT_FAILED:%'`,
      ).then((rows) => rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>));

    it('queues its SKUs again, so the next cycle sends the quantity Mirakl did not take', async () => {
      offer('K1');
      await setStock('K1', 'LYON-1', 8);
      const firstChange = await queued('K1');
      const errorsBefore = Number(
        (await metric('catalogue_import_errors_total', `marketplace="${DEC}",kind="stock"`)) ?? 0,
      );
      corrupt = 1;
      await failingCycle();
      expect(corrupted).toBe(1);
      expect(await importsOf('K1')).toEqual(['FAILED']);
      expect(shown(DEC, 'K1')).toBe(99); // Mirakl still shows its older quantity…
      expect(await queued('K1')).toEqual(firstChange); // …so K1 is queued again, its first change kept
      expect(await failures('K1')).toBe(1);
      expect(await failedRaised()).toEqual([]); // retried, not given up
      expect(Number(await metric('catalogue_import_errors_total', `marketplace="${DEC}",kind="stock"`))).toBe(
        errorsBefore + 1,
      );

      await failingCycle();
      expect(await importsOf('K1')).toEqual(['FAILED', 'COMPLETE']);
      expect(shown(DEC, 'K1')).toBe(8 - 1);
      expect(await failures('K1')).toBeUndefined(); // it landed: its count starts again
      expect(await queued('K1')).toBeUndefined();
    });

    it(`gives up on a SKU after ${DEFAULT_FAILED_IMPORT_RETRIES} retries with STOCK_IMPORT_FAILED, and sends it again on its next change`, async () => {
      offer('K2');
      await setStock('K2', 'LYON-1', 6);
      corrupt = Number.MAX_SAFE_INTEGER;
      corrupted = 0;
      for (let i = 0; i <= DEFAULT_FAILED_IMPORT_RETRIES; i++) await failingCycle();
      expect(corrupted).toBe(DEFAULT_FAILED_IMPORT_RETRIES + 1);
      expect(await importsOf('K2')).toEqual(Array(DEFAULT_FAILED_IMPORT_RETRIES + 1).fill('FAILED'));
      expect(await queued('K2')).toBeUndefined();
      expect(await failures('K2')).toBeUndefined();
      expect(shown(DEC, 'K2')).toBe(99);
      const raised = await failedRaised();
      expect(raised).toHaveLength(1);
      expect(raised[0]).toMatchObject({
        type: 'STOCK_IMPORT_FAILED',
        owner: 'integration',
        marketplace: DEC,
      });
      expect(raised[0].entities).toContainEqual({ kind: 'sku', id: 'K2' });
      expect(String(raised[0].reason)).toContain('Missing columns: quantity');
      expect(String(raised[0].reason)).toContain(`${DEFAULT_FAILED_IMPORT_RETRIES + 1} failed stock imports`);

      await failingCycle(); // given up: nothing more is sent
      expect(corrupted).toBe(DEFAULT_FAILED_IMPORT_RETRIES + 1);
      expect(await failedRaised()).toHaveLength(1);

      corrupt = 0;
      await setStock('K2', 'LYON-1', 5);
      await failingCycle();
      expect(shown(DEC, 'K2')).toBe(5 - 1);
    });
  });

  it('loses nothing when the process dies between the claim and STO01', async () => {
    offer('H1');
    await setStock('H1', 'LYON-1', 4);
    const claimed = await store.claim(config.MARKETPLACES[0]); // committed: SENDING, no call made ("crash")
    expect(claimed.lines.map((l) => l.sku)).toContain('H1');
    expect(await q(`SELECT 1 FROM pending_push WHERE marketplace = $1 AND sku = 'H1'`, [DEC])).toEqual([]);

    pusher = newPusher(); // the restarted process
    const { first } = await cycle(DEC);
    expect(first.recovered).toBe(claimed.lines.length);
    expect(first.outcome).toBe('sent');
    expect(shown(DEC, 'H1')).toBe(3);
    const [row] = await q<{ status: string }>(`SELECT status FROM stock_import WHERE id = $1`, [
      claimed.rowId,
    ]);
    expect(row.status).toBe('REQUEUED');
  });

  it('never publishes more than available − reserved − buffer in a randomized run', async () => {
    const skus = ['R0', 'R1', 'R2', 'R3'];
    skus.forEach((s) => offer(s));
    const held = new Map<string, number>(); // warehouse figures: `${sku}/${warehouse}`
    for (const sku of skus)
      for (const wh of ['LYON-1', 'MAD-1']) {
        await setStock(sku, wh, 0);
        held.set(`${sku}/${wh}`, 0);
      }
    const open: { mp: string; orderId: string; sku: string; quantity: number }[] = [];
    let seed = 0x5eed;
    const rnd = (n: number) => {
      // mulberry32: a small seeded generator, so a failure replays the same run
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    let reservedEver = 0;
    const reservedOf = (sku: string) => open.filter((o) => o.sku === sku).reduce((s, o) => s + o.quantity, 0);
    const truth = (mp: (typeof config.MARKETPLACES)[number], sku: string) => {
      const whs = mp.warehouses ?? ['LYON-1', 'MAD-1'];
      const available = whs.reduce((s, w) => s + (held.get(`${sku}/${w}`) ?? 0), 0);
      const buffer = mp.skuSafetyBuffers?.[sku] ?? mp.safetyBuffer;
      return available - reservedOf(sku) - buffer;
    };
    for (let round = 0; round < 15; round++) {
      for (let op = 0; op < 6; op++) {
        const sku = skus[rnd(skus.length)];
        const kind = rnd(3);
        if (kind === 0) {
          const wh = rnd(2) ? 'LYON-1' : 'MAD-1';
          const n = rnd(14) - 1; // sometimes -1: oversold in the back office
          await setStock(sku, wh, n);
          held.set(`${sku}/${wh}`, n);
        } else if (kind === 1) {
          const o = { mp: rnd(2) ? DEC : CAR, orderId: `RND-${round}-${op}`, sku, quantity: 1 + rnd(3) };
          const [line] = await reserve(o.mp, o.orderId, sku, o.quantity);
          if (line.outcome === 'reserved') {
            open.push(o);
            reservedEver++;
          }
        } else if (open.length > 0) {
          const [o] = open.splice(rnd(open.length), 1);
          await tx((m) => reservations.release(m, o.mp, o.orderId, 'ORDER_CANCELLED'));
        }
      }
      for (const mp of [DEC, CAR]) await cycle(mp);
      for (const mp of config.MARKETPLACES) {
        for (const sku of skus) {
          const limit = Math.max(0, truth(mp, sku));
          const q2 = shown(mp.code, sku)!;
          expect({ round, mp: mp.code, sku, shown: q2 }).toEqual({ round, mp: mp.code, sku, shown: limit });
        }
      }
    }
    expect(reservedEver).toBeGreaterThan(5); // the run exercised reservations, not only stock figures
    // Every figure ever computed for a push respected the rule at the moment it was computed.
    const lines = await q<{ quantity: number; available: number; reserved: number; safetyBuffer: number }>(
      `SELECT (l->>'quantity')::int AS quantity, (l->>'available')::int AS available,
              (l->>'reserved')::int AS reserved, (l->>'safetyBuffer')::int AS "safetyBuffer"
       FROM stock_import, jsonb_array_elements(batch) l`,
    );
    for (const l of lines)
      expect(l.quantity).toBeLessThanOrEqual(Math.max(0, l.available - l.reserved - l.safetyBuffer));
  });
});
