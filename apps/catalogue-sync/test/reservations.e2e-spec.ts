import 'reflect-metadata';
import type { EntityManager } from 'typeorm';
import { loadConfig, OutboxWriter, SystemClock } from '@seller-bridge/service-kit';
import { createTestDatabase, type TestDatabase } from '@seller-bridge/service-kit/testing';
import { CatalogueSyncConfig } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';
import { ReservationLedger } from '../src/reservations/reservation-ledger';
import { StockLedger } from '../src/stock/stock-ledger';

/** The reservation ledger on the real database: atomic per SKU, released and consumed as decision 0008 says. */
describe('reservations (PostgreSQL)', () => {
  let db: TestDatabase;
  let reservations: ReservationLedger;
  let stock: StockLedger;
  const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s)).toISOString();

  beforeAll(async () => {
    db = await createTestDatabase('reservations', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      BACKOFFICE_API_KEY: 'test-key-123',
      MARKETPLACES: JSON.stringify([
        { code: 'decathlon-fr', baseUrl: 'http://x', apiKeyEnv: 'K1', safetyBuffer: 0 },
        { code: 'carrefour-es', baseUrl: 'http://y', apiKeyEnv: 'K2', safetyBuffer: 1 },
      ]),
    });
    const clock = new SystemClock();
    reservations = new ReservationLedger(new OutboxWriter(clock), clock, config);
    stock = new StockLedger(reservations, clock, config);
  });
  afterAll(async () => db?.drop());

  const tx = <T>(fn: (m: EntityManager) => Promise<T>): Promise<T> => db.dataSource.transaction(fn);
  const setStock = (sku: string, available: number, s = 0, extra: Record<string, unknown> = {}) =>
    tx((m) =>
      stock.applyStock(m, {
        sku,
        warehouse: 'LYON-1',
        available,
        onHand: Math.max(0, available),
        asOf: at(s),
        source: 'backoffice-feed',
        ...extra,
      }),
    );
  const reserve = (
    orderId: string,
    lines: { sku: string; quantity: number }[],
    marketplace = 'decathlon-fr',
  ) =>
    tx((m) =>
      reservations.reserveOrder(m, {
        marketplace,
        orderId,
        lines: lines.map((l, i) => ({ lineId: `${orderId}-${i + 1}`, ...l })),
      }),
    );
  const held = async (sku: string) =>
    (await db.dataSource.query(`SELECT available, reserved FROM sku_stock WHERE sku = $1`, [sku]))[0] as {
      available: number;
      reserved: number;
    };

  it('reserves what fits, refuses the rest, and knows an unknown SKU', async () => {
    await setStock('A', 3);
    const outcome = await reserve('O1', [
      { sku: 'A', quantity: 2 },
      { sku: 'A', quantity: 2 }, // the first line already took 2 of 3
      { sku: 'NOPE', quantity: 1 },
    ]);
    expect(outcome.map((l) => [l.outcome, l.reservable])).toEqual([
      ['reserved', 3],
      ['insufficient-stock', 1],
      ['unknown-sku', 0],
    ]);
    expect(await held('A')).toEqual({ available: 3, reserved: 2 });
    const events: { topic: string }[] = await db.dataSource.query(
      `SELECT topic FROM backbone_outbox WHERE message_key IN ('A', 'NOPE', 'decathlon-fr:O1') ORDER BY seq`,
    );
    expect(events.map((e) => e.topic)).toEqual([
      'inventory.reservation.changed.v1',
      'inventory.reservation.changed.v1',
      'inventory.reservation.changed.v1',
      'inventory.order-reservation.decided.v1',
    ]);
  });

  it('a second delivery of the same order reserves nothing more', async () => {
    await setStock('B', 5);
    await reserve('O2', [{ sku: 'B', quantity: 2 }]);
    const again = await reserve('O2', [{ sku: 'B', quantity: 2 }]);
    expect(again.map((l) => l.outcome)).toEqual(['reserved']);
    expect((await held('B')).reserved).toBe(2);
  });

  it('never reserves more than available when 40 orders race for 7 units', async () => {
    await setStock('C', 7);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reserve(`R${i}`, [{ sku: 'C', quantity: 1 + (i % 2) }], i % 2 ? 'carrefour-es' : 'decathlon-fr'),
      ),
    );
    const reserved = results.flat().filter((l) => l.outcome === 'reserved');
    const units = reserved.reduce((s, l) => s + l.quantity, 0);
    expect(units).toBeLessThanOrEqual(7);
    expect(units).toBeGreaterThanOrEqual(6); // no unit left unsold while an order of one could still take it
    expect((await held('C')).reserved).toBe(units);
    const rows = await db.dataSource.query(
      `SELECT SUM(quantity)::int AS n FROM reservation WHERE sku = 'C' AND state = 'open'`,
    );
    expect(rows[0].n).toBe(units);
  });

  it('releases refused and cancelled lines once; a release of nothing held is a no-op', async () => {
    await setStock('D', 4);
    await reserve('O3', [
      { sku: 'D', quantity: 1 },
      { sku: 'D', quantity: 2 },
    ]);
    expect(await tx((m) => reservations.release(m, 'decathlon-fr', 'O3', 'LINE_REFUSED', ['O3-2']))).toBe(1);
    expect((await held('D')).reserved).toBe(1);
    expect(await tx((m) => reservations.release(m, 'decathlon-fr', 'O3', 'LINE_REFUSED', ['O3-2']))).toBe(0);
    expect(await tx((m) => reservations.release(m, 'decathlon-fr', 'O3', 'ORDER_CANCELLED'))).toBe(1);
    expect((await held('D')).reserved).toBe(0);
  });

  it('consumes a posted order once the back office reports its allocation, whichever comes first', async () => {
    await setStock('E', 5, 10);
    await reserve('O4', [{ sku: 'E', quantity: 2 }]);
    await reserve('O5', [{ sku: 'E', quantity: 1 }]);
    expect((await held('E')).reserved).toBe(3);

    // O4: posted first, allocation reported after. Between the two the units are still held.
    await tx((m) => reservations.markPosted(m, 'decathlon-fr', 'O4', 'SO-4', new Date(at(20))));
    expect((await held('E')).reserved).toBe(3);
    await setStock('E', 3, 20, { reason: 'allocated', salesOrderNumber: 'SO-4', sourceVersion: 2 });
    expect(await held('E')).toEqual({ available: 3, reserved: 1 }); // counted once: by the back office

    // O5: the allocation is read from the feed before the posted event arrives.
    await setStock('E', 2, 21, { reason: 'allocated', salesOrderNumber: 'SO-5', sourceVersion: 3 });
    expect(await held('E')).toEqual({ available: 2, reserved: 1 });
    await tx((m) => reservations.markPosted(m, 'decathlon-fr', 'O5', 'SO-5', new Date(at(21))));
    expect(await held('E')).toEqual({ available: 2, reserved: 0 });
    const states = await db.dataSource.query(
      `SELECT order_id, state FROM reservation WHERE sku = 'E' ORDER BY order_id`,
    );
    expect(states).toEqual([
      { order_id: 'O4', state: 'consumed' },
      { order_id: 'O5', state: 'consumed' },
    ]);
  });

  it('ignores an older or repeated stock figure, and queues every marketplace for a push', async () => {
    expect(await setStock('F', 9, 30, { sourceVersion: 5 })).toBe(true);
    expect(await setStock('F', 1, 29, { sourceVersion: 9 })).toBe(false); // older in back-office time
    expect(await setStock('F', 9, 30, { sourceVersion: 5 })).toBe(false); // the same again
    expect((await held('F')).available).toBe(9);
    const queued = await db.dataSource.query(
      `SELECT marketplace FROM pending_push WHERE sku = 'F' AND kind = 'stock' ORDER BY marketplace`,
    );
    expect(queued.map((r: { marketplace: string }) => r.marketplace)).toEqual([
      'carrefour-es',
      'decathlon-fr',
    ]);
  });

  it('applies a page of figures set-wise exactly as one figure after another would', async () => {
    const page = (prefix: string) => [
      {
        sku: `${prefix}1`,
        warehouse: 'LYON-1',
        available: 5,
        onHand: 5,
        asOf: at(40),
        sourceVersion: 1,
        source: 'backoffice-feed' as const,
      },
      {
        sku: `${prefix}1`,
        warehouse: 'LYON-1',
        available: 4,
        onHand: 5,
        asOf: at(41),
        sourceVersion: 2,
        source: 'backoffice-feed' as const,
      },
      {
        sku: `${prefix}1`,
        warehouse: 'LYON-1',
        available: 9,
        onHand: 9,
        asOf: at(39),
        sourceVersion: 3,
        source: 'backoffice-feed' as const,
      }, // older
      {
        sku: `${prefix}1`,
        warehouse: 'MADRID-2',
        available: 2,
        onHand: 2,
        asOf: at(41),
        sourceVersion: 4,
        source: 'backoffice-feed' as const,
      },
      {
        sku: `${prefix}2`,
        warehouse: 'LYON-1',
        available: 1,
        onHand: 1,
        asOf: at(42),
        sourceVersion: 5,
        source: 'backoffice-feed' as const,
      },
      {
        sku: `${prefix}2`,
        warehouse: 'LYON-1',
        available: 1,
        onHand: 1,
        asOf: at(42),
        sourceVersion: 5,
        source: 'backoffice-feed' as const,
      }, // repeated
    ];
    const oneByOne: boolean[] = [];
    for (const f of page('S')) oneByOne.push(await tx((m) => stock.applyStock(m, f)));
    const setWise = await tx((m) => stock.applyStockMany(m, page('M')));
    expect(setWise).toEqual(oneByOne);
    expect(setWise).toEqual([true, true, false, true, true, false]);
    const state = async (prefix: string) =>
      db.dataSource.query(
        `SELECT substr(sku, 2) AS s, warehouse, available, on_hand FROM warehouse_stock WHERE sku LIKE $1 ORDER BY sku, warehouse`,
        [`${prefix}%`],
      );
    expect(await state('M')).toEqual(await state('S'));
    expect(await held('M1')).toEqual(await held('S1'));
    expect(await held('M1')).toEqual({ available: 6, reserved: 0 });
  });
});
