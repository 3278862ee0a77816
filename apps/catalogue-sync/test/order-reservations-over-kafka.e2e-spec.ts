import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { encodeEvent, Topics, type OrderReceived, type TopicDefinition } from '@seller-bridge/contracts';
import { loadConfig } from '@seller-bridge/service-kit';
import {
  createTestDatabase,
  startConsumerGroupsAtEnd,
  testBrokers,
  testKafka,
  waitFor,
  type TestDatabase,
} from '@seller-bridge/service-kit/testing';
import { AppModule, CATALOGUE_SYNC_CONSUMES } from '../src/app.module';
import { CatalogueSyncConfig } from '../src/config/catalogue-sync.config';
import { CATALOGUE_ENTITIES, CATALOGUE_MIGRATIONS } from '../src/database/data-source';

/**
 * The reservation owner in the running service: order events arrive over the real Kafka broker, are handled
 * in the inbox's transaction, and the answer leaves through the outbox (decision 0008).
 */
describe('catalogue-sync: reservations driven by order events over Kafka', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let producer: ReturnType<ReturnType<typeof testKafka>['producer']>;
  const run = Math.random().toString(36).slice(2, 8);
  const sku = `KAFKA-${run}`;

  beforeAll(async () => {
    db = await createTestDatabase('cs_kafka', CATALOGUE_MIGRATIONS, CATALOGUE_ENTITIES);
    await db.dataSource.query(
      `INSERT INTO warehouse_stock (sku, warehouse, available, on_hand, as_of, source) VALUES ($1, 'LYON-1', 3, 3, now(), 'backoffice-poll')`,
      [sku],
    );
    await db.dataSource.query(`INSERT INTO sku_stock (sku, available, known) VALUES ($1, 3, true)`, [sku]);
    const config = loadConfig(CatalogueSyncConfig, {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SERVICE_NAME: `cs-${db.name.slice(-8)}`,
      BACKOFFICE_API_KEY: 'test-key-123',
      BACKOFFICE_FEED_ENABLED: 'false',
      STOCK_PUSH_ENABLED: 'false',
      CATALOGUE_PUSH_ENABLED: 'false',
      MARKETPLACES: JSON.stringify([
        { code: 'decathlon-fr', baseUrl: 'http://127.0.0.1:1', apiKeyEnv: 'UNUSED_KEY' },
      ]),
    });
    process.env.UNUSED_KEY = 'unused-key-value';
    // Only this test's events: earlier tests on the shared broker left orders on these topics.
    await startConsumerGroupsAtEnd(
      testKafka('cs-test-admin'),
      config.SERVICE_NAME,
      CATALOGUE_SYNC_CONSUMES.map((t) => t.name),
    );
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config)] }).compile();
    app = moduleRef.createNestApplication();
    app.enableShutdownHooks();
    await app.init();
    producer = testKafka('cs-test').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    await db?.drop();
  });

  const order = (orderId: string, quantity: number): OrderReceived => ({
    marketplace: 'decathlon-fr',
    orderId,
    miraklState: 'WAITING_ACCEPTANCE',
    currency: 'EUR',
    createdAt: new Date().toISOString(),
    miraklUpdatedAt: new Date().toISOString(),
    deadlines: { acceptBy: new Date(Date.now() + 86_400_000).toISOString() },
    customer: { marketplaceCustomerId: 'C-1' },
    lines: [
      {
        lineId: `${orderId}-1`,
        sku,
        quantity,
        unitPrice: { amountMinor: 1000, currency: 'EUR' },
        price: { amountMinor: 1000 * quantity, currency: 'EUR' },
        shippingPrice: { amountMinor: 0, currency: 'EUR' },
        taxes: [],
        shippingTaxes: [],
        charges: [],
        miraklState: 'WAITING_ACCEPTANCE',
      },
    ],
    totalPrice: { amountMinor: 1000 * quantity, currency: 'EUR' },
  });

  /** Sends one event; returns its event id (the inbox records it once handled). */
  async function send<P extends object>(topic: TopicDefinition<P>, payload: P): Promise<string> {
    const e = encodeEvent(topic, payload, { marketplace: 'decathlon-fr' });
    await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
    return String(e.headers['event-id']);
  }
  const reservations = async () =>
    db.dataSource.query(`SELECT order_id, state, reason FROM reservation WHERE sku = $1 ORDER BY order_id`, [
      sku,
    ]);

  it('reserves on orders.order.received, answers with a decision, and releases on refusal', async () => {
    await send(Topics.orderReceived, order(`${run}-1`, 2));
    // The two orders may land on different partitions, handled in either order: the second is sent once the
    // first is decided, so it is the one that finds a single unit left.
    expect(await waitFor(async () => (await reservations()).length === 1, 45_000)).toBe(true);
    await send(Topics.orderReceived, order(`${run}-2`, 2)); // only 1 left
    await send(Topics.orderReceived, order(`${run}-1`, 2)); // redelivered: no second effect
    expect(await waitFor(async () => (await reservations()).length === 2, 45_000)).toBe(true);
    expect(await reservations()).toEqual([
      { order_id: `${run}-1`, state: 'open', reason: 'ORDER_RECEIVED' },
      { order_id: `${run}-2`, state: 'rejected', reason: 'NO_STOCK' },
    ]);
    const decided = await db.dataSource.query(
      `SELECT payload FROM backbone_outbox WHERE topic = 'inventory.order-reservation.decided.v1'
       AND message_key LIKE $1 ORDER BY seq`,
      [`decathlon-fr:${run}-%`], // the topic is shared with earlier runs: this run's orders only
    );
    expect(decided.map((r: { payload: string }) => JSON.parse(r.payload).lines[0].outcome)).toEqual([
      'reserved',
      'insufficient-stock',
    ]);

    await send(Topics.orderRefused, {
      marketplace: 'decathlon-fr',
      orderId: `${run}-1`,
      refusedBy: 'MARKETPLACE_TIMEOUT',
      lines: [],
      decidedAt: new Date().toISOString(),
    });
    expect(await waitFor(async () => (await reservations())[0].state === 'released', 30_000)).toBe(true);
    const [{ reserved }] = await db.dataSource.query(`SELECT reserved FROM sku_stock WHERE sku = $1`, [sku]);
    expect(reserved).toBe(0);
  }, 90_000);

  it('skips the orders of a marketplace not in MARKETPLACES (another deployment on the same topics): no reservation, no answer', async () => {
    const eventId = await send(Topics.orderReceived, {
      ...order(`${run}-other`, 1),
      marketplace: 'elsewhere-fr',
    });
    // Handled (the inbox has it) and nothing else: an "unknown SKU" answer would refuse the other's order.
    expect(
      await waitFor(
        async () =>
          (await db.dataSource.query(`SELECT 1 FROM backbone_inbox WHERE event_id = $1`, [eventId]))
            .length === 1,
        30_000,
      ),
    ).toBe(true);
    expect(
      await db.dataSource.query(`SELECT order_id FROM reservation WHERE marketplace = 'elsewhere-fr'`),
    ).toEqual([]);
    expect(
      await db.dataSource.query(
        `SELECT 1 FROM backbone_outbox WHERE topic = 'inventory.order-reservation.decided.v1' AND message_key = $1`,
        [`elsewhere-fr:${run}-other`],
      ),
    ).toEqual([]);
  }, 60_000);

  it('applies stock that internal systems publish (source internal), and skips its own back-office figures', async () => {
    const internalSku = `INT-${run}`;
    const base = { warehouse: 'LYON-1', onHand: 9, asOf: new Date().toISOString() };
    await send(Topics.stockChanged, { ...base, sku: internalSku, available: 9, source: 'internal' });
    const own = await send(Topics.stockChanged, {
      ...base,
      sku: `${internalSku}-OWN`,
      available: 4,
      source: 'backoffice-feed',
    });
    const held = async (s: string) =>
      (await db.dataSource.query(`SELECT available FROM sku_stock WHERE sku = $1`, [s]))[0]?.available as
        number | undefined;
    expect(await waitFor(async () => (await held(internalSku)) === 9, 30_000)).toBe(true);
    // The own figure was handled (its id is in the inbox) and changed nothing.
    const handled = async () =>
      (await db.dataSource.query(`SELECT 1 FROM backbone_inbox WHERE event_id = $1`, [own])).length === 1;
    expect(await waitFor(handled, 30_000)).toBe(true);
    expect(await held(`${internalSku}-OWN`)).toBeUndefined();
  }, 60_000);
});
