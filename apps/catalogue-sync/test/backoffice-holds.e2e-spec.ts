import 'reflect-metadata';
import type { EntityManager } from 'typeorm';
import { Registry } from 'prom-client';
import { BackofficeSandbox, SandboxClock } from '@seller-bridge/backoffice-sandbox';
import { createLogger, loadConfig, OutboxWriter, SystemClock } from '@seller-bridge/service-kit';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { BackofficeClient } from '../src/backoffice/backoffice-client';
import { backofficeHolds } from '../src/backoffice/backoffice.providers';
import { CatalogueSyncConfig } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { CatalogueSyncMetrics } from '../src/metrics/catalogue-sync.metrics';
import { HoldWorker } from '../src/reservations/hold-worker.service';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';

/**
 * Reservations held in the back office (decision 0008, "Holds"), against the back-office sandbox and the real
 * database: other channels cannot sell a reserved unit, a unit sold elsewhere that the feed has not brought yet
 * is refused at reservation, and nothing is counted twice on the way to the sales order.
 */
describe('reservations held in the back office', () => {
  const KEY = 'test-backoffice-key';
  const ADMIN = 'test-admin-token';
  const MP = 'decathlon-fr';
  let db: TestDatabase;
  let sandbox: BackofficeSandbox;
  let api: string;
  let reservations: ReservationLedger;
  let stock: StockLedger;
  let worker: HoldWorker;
  let client: BackofficeClient;

  beforeAll(async () => {
    db = await createTestDatabase('bo_holds', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    sandbox = new BackofficeSandbox({
      apiKey: KEY,
      adminToken: ADMIN,
      clock: new SandboxClock({ followRealTime: false }),
    });
    api = `${await sandbox.listen()}/api`;
    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_URL: api,
      BACKOFFICE_API_KEY: KEY,
      BACKOFFICE_FEED_ENABLED: 'false',
      MARKETPLACES: JSON.stringify([{ code: MP, baseUrl: 'http://x', apiKeyEnv: 'K', safetyBuffer: 0 }]),
    });
    const clock = new SystemClock();
    const outbox = new OutboxWriter(clock);
    const metrics = new CatalogueSyncMetrics(new Registry(), clock);
    const logger = createLogger('catalogue-sync-test', process.env.TEST_LOG_LEVEL ?? 'silent');
    client = new BackofficeClient({ baseUrl: api, apiKey: KEY, retries: 0, backoffBaseMs: 1 });
    const holds = backofficeHolds(client);
    reservations = new ReservationLedger(outbox, clock, config, holds, logger, metrics);
    stock = new StockLedger(reservations, clock, config);
    worker = new HoldWorker(db.dataSource, holds, outbox, clock, metrics, logger, config);
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
  });

  const bo = () => sandbox.backOffice;
  const tx = <T>(fn: (m: EntityManager) => Promise<T>): Promise<T> => db.dataSource.transaction(fn);
  /** Counts stock in the back office (both warehouses) and moves its clock, so the next read is newer. */
  const count = (sku: string, lyon: number, madrid = 0) => {
    bo().clock.advance(1000);
    bo().stock.setOnHand(sku, 'LYON-1', lyon, bo().clock.now(), 'adjustment');
    bo().stock.setOnHand(sku, 'MADRID-2', madrid, bo().clock.now(), 'adjustment');
  };
  /** A full read of the back office's stock into the ledger (what the feed reader does at start or on a gap). */
  const sync = async () => {
    bo().clock.advance(1000);
    const figures = (await client.stock()).flatMap((d) => (d.ok ? [d.value] : []));
    await tx((m) => stock.applyStockMany(m, figures));
  };
  const reserve = (orderId: string, lines: { sku: string; quantity: number }[]) =>
    tx((m) =>
      reservations.reserveOrder(m, {
        marketplace: MP,
        orderId,
        lines: lines.map((l, i) => ({ lineId: `${orderId}-${i + 1}`, ...l })),
      }),
    );
  const ledger = async (sku: string) =>
    (await db.dataSource.query(`SELECT available, reserved FROM sku_stock WHERE sku = $1`, [sku]))[0] as {
      available: number;
      reserved: number;
    };
  const holdStates = async (orderId: string) =>
    (
      await db.dataSource.query(
        `SELECT state, hold_state FROM reservation WHERE order_id = $1 ORDER BY order_line_id`,
        [orderId],
      )
    ).map((r: { state: string; hold_state: string }) => `${r.state}/${r.hold_state}`);
  const boAvailable = (sku: string) =>
    ['LYON-1', 'MADRID-2'].reduce((s, w) => {
      const l = bo().stock.get(sku, w);
      return s + (l ? l.onHand - l.allocated - l.held : 0);
    }, 0);
  const faults = (body: Record<string, unknown>) =>
    fetch(`${api.replace(/\/api$/, '')}/admin/faults`, {
      method: 'PUT',
      headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('holds each reserved line in the back office, where no other channel can sell it, without counting it twice', async () => {
    count('SHOE-0001', 2);
    await sync();
    const outcome = await reserve('H1', [{ sku: 'SHOE-0001', quantity: 2 }]);
    expect(outcome.map((l) => l.outcome)).toEqual(['reserved']);
    expect(await holdStates('H1')).toEqual(['open/held']);
    expect(bo().holds.get(`${MP}:H1:H1-1`)).toMatchObject({ state: 'held', quantity: 2 });
    expect(boAvailable('SHOE-0001')).toBe(0);
    // Other channels run for an hour at 10 units a minute: they sell everything else, never the held pair.
    bo().otherChannels.start(10, bo().clock.now());
    bo().clock.advance(60 * 60_000);
    bo().settle();
    bo().otherChannels.stop();
    expect(bo().stock.get('SHOE-0001', 'LYON-1')).toMatchObject({ onHand: 2, held: 2 });
    // The back office's available is 0 and its held 2; the ledger counts the pair once, as its own reservation.
    await sync();
    expect(await ledger('SHOE-0001')).toEqual({ available: 2, reserved: 2 });
  });

  it('refuses a line whose units another channel sold before the feed said so', async () => {
    count('SHOE-0002', 1);
    await sync();
    expect(await ledger('SHOE-0002')).toEqual({ available: 1, reserved: 0 });
    bo().stock.consume('SHOE-0002', 'LYON-1', 1, bo().clock.now()); // the web shop sells it; no sync yet
    const outcome = await reserve('H2', [{ sku: 'SHOE-0002', quantity: 1 }]);
    expect(outcome.map((l) => l.outcome)).toEqual(['insufficient-stock']);
    const [row] = await db.dataSource.query(`SELECT state, reason FROM reservation WHERE order_id = 'H2'`);
    expect(row).toEqual({ state: 'rejected', reason: 'NO_STOCK_IN_BACKOFFICE' });
    expect(await ledger('SHOE-0002')).toEqual({ available: 1, reserved: 0 });
    // Asked again (a redelivery), the order keeps its first outcome and the back office is not asked again.
    expect((await reserve('H2', [{ sku: 'SHOE-0002', quantity: 1 }])).map((l) => l.outcome)).toEqual([
      'insufficient-stock',
    ]);
  });

  it('gives the hold back when the line is refused, through the hold worker', async () => {
    count('SHOE-0003', 3);
    await sync();
    await reserve('H3', [
      { sku: 'SHOE-0003', quantity: 1 },
      { sku: 'SHOE-0003', quantity: 2 },
    ]);
    expect(boAvailable('SHOE-0003')).toBe(0);
    await tx((m) => reservations.release(m, MP, 'H3', 'LINE_REFUSED', ['H3-2']));
    expect(await holdStates('H3')).toEqual(['open/held', 'released/releasing']);
    expect(await worker.runOnce()).toMatchObject({ released: 1 });
    expect(await holdStates('H3')).toEqual(['open/held', 'released/released']);
    expect(bo().holds.get(`${MP}:H3:H3-2`)?.state).toBe('released');
    expect(boAvailable('SHOE-0003')).toBe(2);
    await sync();
    expect(await ledger('SHOE-0003')).toEqual({ available: 3, reserved: 1 });
  });

  it("the sales order takes the hold over: the reservation is consumed when the back office's stock counts it", async () => {
    count('SHOE-0004', 2);
    await sync();
    await reserve('H4', [{ sku: 'SHOE-0004', quantity: 2 }]);
    bo().customers.create(
      {
        marketplace: MP,
        marketplace_customer_id: 'C-4',
        first_name: 'A',
        last_name: 'B',
        address: { line1: '1 rue', city: 'Lyon', postcode: '69001', country: 'FR' },
      } as never,
      bo().clock.now(),
    );
    const so = bo().orders.post(
      {
        externalReference: { marketplace: MP, order_id: 'H4' },
        customer: { marketplaceCustomerId: 'C-4' },
        currency: 'EUR',
        pricesIncludeTax: true,
        lines: [{ sku: 'SHOE-0004', quantity: 2, unitPriceMinor: 5000, taxRateBp: 2000 }],
        chargeLines: [],
        hold: false,
      },
      'decathlon-fr:H4',
      bo().clock.now(),
    );
    expect(so.lines[0].oversoldQuantity).toBe(0);
    expect(bo().holds.get(`${MP}:H4:H4-1`)?.state).toBe('converted');
    await tx((m) => reservations.markPosted(m, MP, 'H4', so.number, new Date(so.createdAt)));
    await sync();
    expect(await holdStates('H4')).toEqual(['consumed/converted']);
    expect(await ledger('SHOE-0004')).toEqual({ available: 0, reserved: 0 });
  });

  it('a back office that does not answer holds no order up: the hold is placed later, or raised when the units are gone', async () => {
    count('SHOE-0005', 1);
    count('SHOE-0006', 1);
    await sync();
    await faults({ down: 'unavailable' });
    try {
      const outcome = await reserve('H5', [
        { sku: 'SHOE-0005', quantity: 1 },
        { sku: 'SHOE-0006', quantity: 1 },
      ]);
      expect(outcome.map((l) => l.outcome)).toEqual(['reserved', 'reserved']);
      expect(await holdStates('H5')).toEqual(['open/pending', 'open/pending']);
      expect(await worker.runOnce()).toMatchObject({ placed: 0, retried: 2 });
    } finally {
      await faults({});
    }
    bo().stock.consume('SHOE-0006', 'LYON-1', 1, bo().clock.now()); // sold elsewhere while we could not hold it
    // Due a second ago: PostgreSQL's now() has microseconds and the worker's clock milliseconds, so "due now"
    // could still be a few microseconds ahead of the worker's next read within the same millisecond (seen in CI).
    await db.dataSource.query(
      `UPDATE reservation SET hold_next_at = now() - interval '1 second' WHERE order_id = 'H5'`,
    );
    expect(await worker.runOnce()).toMatchObject({ placed: 1, refused: 1 });
    expect(await holdStates('H5')).toEqual(['open/held', 'open/refused']);
    const raised: { type: string; entities: { id: string }[] }[] = (
      await db.dataSource.query(
        `SELECT payload FROM backbone_outbox WHERE topic = 'ops.exception.raised.v1' ORDER BY seq`,
      )
    ).map((r: { payload: string }) => JSON.parse(r.payload));
    expect(raised.map((e) => [e.type, e.entities.map((x) => x.id)])).toEqual([
      ['HOLD_REFUSED_AFTER_RESERVATION', [`${MP}:H5`, 'SHOE-0006']],
    ]);
  });

  it('releases back-office holds no open reservation needs (a crash leftover), and keeps the others', async () => {
    count('SHOE-0007', 3);
    await sync();
    await reserve('H7', [{ sku: 'SHOE-0007', quantity: 1 }]);
    // A hold placed for an order whose reservation never committed (the process died in between).
    bo().holds.place(
      {
        key: `${MP}:GHOST:GHOST-1`,
        sku: 'SHOE-0007',
        quantity: 2,
        reference: { marketplace: MP, order_id: 'GHOST', line_id: 'GHOST-1' },
      },
      bo().clock.now(),
    );
    expect(boAvailable('SHOE-0007')).toBe(0);
    // The sandbox's clock was moved hours ahead by the tests above: look at every hold up to a day ahead.
    const done = await worker.reconcileOnce(-24 * 3_600_000);
    expect(done.orphansReleased).toBeGreaterThanOrEqual(1);
    expect(bo().holds.get(`${MP}:GHOST:GHOST-1`)?.state).toBe('released');
    expect(bo().holds.get(`${MP}:H7:H7-1`)?.state).toBe('held');
    expect(bo().holds.get(`${MP}:H1:H1-1`)?.state).toBe('held'); // open since the first test
    expect(boAvailable('SHOE-0007')).toBe(2);
  });
});
